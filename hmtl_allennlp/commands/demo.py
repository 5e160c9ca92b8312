"""
The `hmtl-demo` subcommand: serves the web demo (`hmtl_allennlp.demo`) of an archived model.
"""

import argparse
import logging
from typing import Tuple, cast

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError, check_for_gpu

from hmtl_allennlp.models.archival import load_model_archive
from hmtl_allennlp.models.quantization import QUANTIZATIONS
from hmtl_allennlp.demo import DEFAULT_MAX_CHARACTERS, DEFAULT_REQUEST_TIMEOUT, DemoServer

logger = logging.getLogger(__name__)


@Subcommand.register("hmtl-demo")
class Demo(Subcommand):
    """
    `allennlp hmtl-demo ARCHIVE [--host 127.0.0.1] [--port 8000] [--quantize int8]` serves a
    web page on which one types a text and sees the archived model's predictions drawn on it:
    named entities and entity mentions as labelled spans, relations as head -> tail links,
    coreference clusters in one colour each, for the tasks the model has (`--quantize int8`:
    predicted with the LSTMs and linear layers quantized to int8, see `HmtlPredictor`).
    Besides the page, the server answers
    `POST /predict` (the "hmtl" predictor's JSON for `{"text": ...}` or `{"sentences": ...}`,
    as `allennlp predict` writes it) and `GET /health` (the archive, its tasks and the package
    version); see `hmtl_allennlp.demo.server`. It serves until interrupted (Ctrl-C).

    Registered as a `Subcommand` with name "hmtl-demo".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Serve a web page that shows a model's entities, mentions, relations and "
            "coreference clusters on a text, with a JSON API (/predict, /health)."
        )
        subparser = parser.add_parser(
            self.name, description=description, help="Serve the web demo of a model."
        )
        subparser.add_argument("archive_file", type=str, help="the archived model")
        subparser.add_argument(
            "--host",
            type=str,
            default="127.0.0.1",
            help="the address to listen on (127.0.0.1: this machine only)",
        )
        subparser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="the port to listen on (0: any free port)",
        )
        subparser.add_argument(
            "--max-characters",
            type=int,
            default=DEFAULT_MAX_CHARACTERS,
            help="the longest text a request may have, in characters",
        )
        subparser.add_argument(
            "--max-document-tokens",
            type=int,
            help="predict longer documents in parts of at most this many tokens (default: the "
            "hmtl predictor's, 4000)",
        )
        subparser.add_argument(
            "--request-timeout",
            type=float,
            default=DEFAULT_REQUEST_TIMEOUT,
            help="close a connection that keeps the server waiting this many seconds for the "
            "rest of its request (or to take its answer)",
        )
        subparser.add_argument(
            "--quantize",
            choices=QUANTIZATIONS,
            help="predict with the model's LSTMs and linear layers quantized to int8 (CPU only; "
            "smaller and faster, predictions close to the model's; default: the model as trained)",
        )
        subparser.add_argument(
            "--cuda-device", type=int, default=-1, help="id of GPU to use (if any)"
        )
        subparser.set_defaults(func=_serve_from_args)
        return subparser


def _serve_from_args(args: argparse.Namespace) -> None:
    try:
        check_for_gpu(args.cuda_device)
        archive = load_model_archive(args.archive_file, cuda_device=args.cuda_device)
        server = DemoServer(
            archive,
            args.archive_file,
            host=args.host,
            port=args.port,
            max_characters=args.max_characters,
            max_document_tokens=args.max_document_tokens,
            request_timeout=args.request_timeout,
            quantize=args.quantize,
        )
    except (ConfigurationError, ValueError) as error:
        raise SystemExit(f"allennlp hmtl-demo: error: {error}")
    except OSError as error:
        raise SystemExit(
            f"allennlp hmtl-demo: error: cannot listen on {args.host}:{args.port}: "
            f"{error.strerror or error}"
        )
    # An AF_INET or AF_INET6 server's address starts with (host, port).
    host, port = cast(Tuple[str, int], server.server_address[:2])
    # Printed (not only logged) and flushed: scripts wait for this line to know the port.
    print(
        f"hmtl-demo: serving {args.archive_file} on http://{host}:{port}/ (Ctrl-C stops)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
