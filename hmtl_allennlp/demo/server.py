"""
The web demo's HTTP server: one page that draws the outputs of a model's levels on a text, and a
JSON API around the "hmtl" predictor.

It is built on the standard library's `http.server` rather than a web framework: the demo is a
single local page with three endpoints, so a framework would add dependencies (and their pins
against AllenNLP's) for routing that fits in a dictionary. Requests are handled in threads
(`ThreadingHTTPServer`), so that the page and `/health` answer while a prediction runs, but
predictions go through the model one at a time, behind a lock: the predictor keeps state
between calls (its lazily built spaCy pipeline) and is not shown to be
thread-safe. Each connection's reads and writes time out (`request_timeout`), so that a client
that sends half a request and waits cannot hold its thread forever.
"""

import json
import logging
import os
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata, resources
from typing import Any, Dict, List, Optional

from allennlp.common.util import JsonDict
from allennlp.models.archival import Archive

from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.predictors import HmtlPredictor

logger = logging.getLogger(__name__)

DEFAULT_MAX_CHARACTERS = 10_000
# Seconds a connection may keep the server waiting for its next bytes: far more than a client
# on a slow network needs between two packets of a request of at most DEFAULT_MAX_CHARACTERS.
DEFAULT_REQUEST_TIMEOUT = 30.0

# The files of the page, by URL path, and their content types. Nothing else is served.
_PAGE_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/demo.css": ("demo.css", "text/css; charset=utf-8"),
    "/static/demo.js": ("demo.js", "text/javascript; charset=utf-8"),
}


class RequestError(Exception):
    """A request that cannot be answered with a prediction: its HTTP status and why."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class DemoServer(ThreadingHTTPServer):
    """
    The demo's HTTP server for one archived model, serving the page (`GET /` and its two static
    files), `POST /predict` and `GET /health` (see `DemoRequestHandler`).

    # Parameters

    archive : `Archive`
        A trained "hmtl" model's archive, as `load_model_archive` loads it.
    archive_name : `str`
        The path (or URL) the archive was loaded from; `/health`, and so the page, show its file
        name only, so as not to tell every client the server's directories.
    host : `str`, optional (default = `"127.0.0.1"`)
        The address to listen on; the default accepts connections from this machine only.
    port : `int`, optional (default = `8000`)
        The port to listen on; 0 picks a free one (see `server_port`).
    max_characters : `int`, optional (default = `10000`)
        The longest text a request may have, in characters (for `"sentences"`, the tokens
        joined by single spaces); a longer one is answered with status 413.
    max_document_tokens : `int`, optional (default = `None`)
        The predictor's `max_document_tokens` (`None`: its default): a longer document is
        predicted in parts (see `HmtlPredictor`).
    request_timeout : `float`, optional (default = `30.0`)
        Seconds a connection may wait for the client's next bytes while the request is read, or
        for the client to take the answer; the connection is then closed (and logged).
    quantize : `str`, optional (default = `None`)
        The predictor's `quantize`: `"int8"` predicts with the model's LSTMs and linear layers
        quantized to int8 (CPU only; see `HmtlPredictor`), `None` with the model as trained.
    """

    def __init__(
        self,
        archive: Archive,
        archive_name: str,
        host: str = "127.0.0.1",
        port: int = 8000,
        max_characters: int = DEFAULT_MAX_CHARACTERS,
        max_document_tokens: Optional[int] = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        quantize: Optional[str] = None,
    ) -> None:
        if max_characters < 1:
            raise ValueError(f"max_characters must be at least 1, got {max_characters}.")
        if not request_timeout > 0:
            raise ValueError(f"request_timeout must be positive, got {request_timeout}.")
        # strict: input that cannot be read or a failing prediction raises, and becomes the
        # status of the answer, instead of an output line with an "error" field.
        predictor_arguments: Dict[str, Any] = {"strict": True, "quantize": quantize}
        if max_document_tokens is not None:
            predictor_arguments["max_document_tokens"] = max_document_tokens
        self.predictor = HmtlPredictor(
            archive.model, archive.validation_dataset_reader, **predictor_arguments
        )
        self.predictor_lock = threading.Lock()
        self.max_characters = max_characters
        self.request_timeout = request_timeout
        self.health: JsonDict = {
            "archive": os.path.basename(archive_name.rstrip("/")),
            "levels": self.predictor.levels(),
            "version": _package_version(),
            "max_characters": max_characters,
        }
        super().__init__((host, port), DemoRequestHandler)

    def predict(self, document: JsonDict) -> JsonDict:
        with self.predictor_lock:
            return self.predictor.predict_json(document)


class DemoRequestHandler(BaseHTTPRequestHandler):
    """
    Answers the demo's requests; every answer but the page's files is JSON, errors included
    (`{"error": "..."}`).

    - `GET /`, `GET /static/demo.js`, `GET /static/demo.css`: the page;
    - `GET /health`: `{"archive", "levels", "version", "max_characters"}`, `levels` being
      `[{"name", "kind", "key"}, ...]` (`HmtlPredictor.levels`), from which the page builds
      its layers;
    - `POST /predict` with a JSON object `{"text": ...}` or `{"sentences": [[...], ...]}`
      (optionally `doc_key`): the predictor's output, as `allennlp predict` writes it. Status
      400 for a body that is not UTF-8 or not a JSON object, an empty or whitespace-only text,
      or any input the predictor cannot read; 411 without a length; 413 for a text over the
      limit; 415 for a content type other than `application/json`; 500 when the prediction
      fails (logged);
    - anything else: 404 (405 for a known path with the wrong method).

    A connection that stays silent for the server's `request_timeout` while its request is read
    (or does not take its answer for as long) is closed without an answer, with a warning; a
    client that hangs up before its answer is one warning line too.
    """

    server: DemoServer
    server_version = "hmtl-demo"

    def setup(self) -> None:
        super().setup()
        # What StreamRequestHandler does with its class attribute `timeout`, per server:
        # BaseHTTPRequestHandler closes the connection when a read or write times out.
        self.connection.settimeout(self.server.request_timeout)

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError) as error:
            # Nobody is left to answer, and nothing failed here: not worth the traceback that
            # socketserver would print.
            logger.warning(
                "%s: client hung up before the answer (%s).",
                self.address_string(),
                type(error).__name__,
            )

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        path = self._path()
        if path == "/health":
            self._send_json(HTTPStatus.OK, self.server.health)
        elif path in _PAGE_FILES:
            name, content_type = _PAGE_FILES[path]
            body = resources.files(__package__).joinpath("static", name).read_bytes()
            self._send(HTTPStatus.OK, body, content_type)
        elif path == "/predict":
            self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, "use POST for /predict.")
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"no such page: {path}")

    def do_POST(self) -> None:  # noqa: N802
        path = self._path()
        if path != "/predict":
            if path == "/health" or path in _PAGE_FILES:
                self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, f"use GET for {path}.")
            else:
                self._send_error(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
            return
        try:
            document = self._read_document()
        except RequestError as error:
            self._send_error(error.status, error.message)
            return
        try:
            output = self.server.predict(document)
        except DataFormatError as error:
            self._send_error(HTTPStatus.BAD_REQUEST, str(error))
            return
        except Exception as error:  # noqa: BLE001 - the server answers and keeps serving
            logger.exception("Prediction failed for a request of %d characters.", _length(document))
            self._send_error(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                f"the prediction failed: {type(error).__name__}: {error}",
            )
            return
        self._send_json(HTTPStatus.OK, output)

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        """
        `http.server`'s own errors (a malformed request line, a method without a `do_*`) as JSON
        too, like every other answer; an unknown method is 405, as for a known path.
        """
        if code == HTTPStatus.NOT_IMPLEMENTED:
            self._send_error(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"method {self.command} is not supported; the demo answers GET and POST.",
            )
        else:
            self._send_error(HTTPStatus(code), message or HTTPStatus(code).phrase)

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)

    def log_error(self, format: str, *args: Any) -> None:
        # http.server logs a timed-out connection here (its own error answers go through
        # `send_error`, which does not log).
        logger.warning("%s %s", self.address_string(), format % args)

    # Reading the request.

    def _path(self) -> str:
        # The query string is ignored: no endpoint takes parameters.
        return self.path.split("?", 1)[0]

    def _read_document(self) -> JsonDict:
        content_type = self.headers.get("Content-Type", "")
        media_type, _, parameters = content_type.partition(";")
        if media_type.strip().lower() != "application/json":
            raise RequestError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"the body must be JSON with Content-Type application/json, not "
                f"{content_type or 'none'!r}.",
            )
        charset = _parameter(parameters, "charset")
        if charset not in (None, "utf-8", "utf8"):
            raise RequestError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"the body must be UTF-8, not charset {charset!r}.",
            )
        body = self._read_body()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f"the body is not UTF-8: byte {error.start} is {body[error.start]:#04x}.",
            )
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {error}.")
        if not isinstance(document, dict):
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f'the body must be a JSON object such as {{"text": "..."}}, not a '
                f"{type(document).__name__}.",
            )
        self._check_length(document)
        return document

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "the request has no Content-Length.")
        try:
            size = int(length)
        except ValueError:
            size = -1
        if size < 0:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length!r}.")
        # A UTF-8 character takes at most 4 bytes; JSON escapes (\uXXXX) up to 12 for one
        # character, and the keys and punctuation of "sentences" add some more.
        limit = 12 * self.server.max_characters + 65_536
        if size > limit:
            # The body is not read: the connection is closed after the answer.
            self.close_connection = True
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body has {size} bytes, more than any text of at most "
                f"{self.server.max_characters} characters needs ({limit}).",
            )
        return self.rfile.read(size)

    def _check_length(self, document: JsonDict) -> None:
        text = document.get("text")
        if isinstance(text, str) and not text.strip():
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                "the text is empty." if not text else "the text is only whitespace.",
            )
        length = _length(document)
        if length > self.server.max_characters:
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the text has {length} characters; this server takes at most "
                f"{self.server.max_characters} (hmtl-demo --max-characters).",
            )

    # Answering.

    def _send_error(self, status: HTTPStatus, message: str) -> None:
        self._send_json(status, {"error": message})

    def _send_json(self, status: HTTPStatus, content: JsonDict) -> None:
        body = json.dumps(content, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _length(document: JsonDict) -> int:
    """The characters of a request's text; of its tokens joined by spaces for "sentences"."""
    text = document.get("text")
    if isinstance(text, str):
        return len(text)
    sentences = document.get("sentences")
    if isinstance(sentences, list):
        tokens: List[str] = [
            token
            for sentence in sentences
            if isinstance(sentence, list)
            for token in sentence
            if isinstance(token, str)
        ]
        return sum(len(token) for token in tokens) + max(len(tokens) - 1, 0)
    return 0


def _parameter(parameters: str, name: str) -> Optional[str]:
    """The value of parameter `name` of a header's `; key=value` parameters, lower-cased."""
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"').lower()
    return None


def _package_version() -> str:
    try:
        return metadata.version("hmtl-allennlp")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"
