"""
The demo's HTTP server with the fixture model: its page, `/health`, `/predict` against the
predictor's own output, every kind of bad request, a failing prediction, a half-sent request, a
client that hangs up, and that it keeps serving after each.
"""

import http.client
import json
import logging
import re
import socket
import struct
import threading
import time
from importlib import metadata

import pytest

from hmtl_allennlp.predictors import HmtlPredictor

pytestmark = pytest.mark.slow

TEXT = "John Smith met Mary in Paris. She liked him."
# A small limit, so that a text over it is cheap to send.
MAX_CHARACTERS = 2000
# A short one, so that a test waits for it.
REQUEST_TIMEOUT = 0.5


def request(server, method, path, body=None, headers=None):
    """(status, headers, body) of one request; the body decoded from JSON when it is JSON."""
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=60)
    try:
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        if response.getheader("Content-Type", "").startswith("application/json"):
            content = json.loads(content.decode("utf-8"))
        return response.status, response, content
    finally:
        connection.close()


def predict(server, body, content_type="application/json"):
    status, _, content = request(server, "POST", "/predict", body, {"Content-Type": content_type})
    return status, content


@pytest.fixture(scope="module")
def demo_server(start_demo_server):
    return start_demo_server(max_characters=MAX_CHARACTERS)


@pytest.fixture(scope="module")
def predictor(archive_path):
    return HmtlPredictor.from_path(archive_path)


def expected_output(predictor, document):
    """What `allennlp predict` writes for `document` as one input line, less the line number."""
    return predictor.predict_json(predictor.load_line(json.dumps(document)))


def test_health_names_archive_levels_and_version(demo_server, archive_path):
    status, response, health = request(demo_server, "GET", "/health")
    assert status == 200
    # The file name only: clients are not told the server's directories.
    assert health == {
        "archive": "model.tar.gz",
        # Each level by its name in the config, the kind of its head and its output key.
        "levels": [
            {"name": "ner", "kind": "tagging", "key": "ner"},
            {"name": "emd", "kind": "tagging", "key": "mentions"},
            {"name": "coref", "kind": "coreference", "key": "clusters"},
            {"name": "relation", "kind": "relations", "key": "relations"},
        ],
        "version": metadata.version("hmtl-allennlp"),
        "max_characters": MAX_CHARACTERS,
    }


def test_page_and_its_static_files(demo_server):
    status, response, page = request(demo_server, "GET", "/")
    assert status == 200 and response.getheader("Content-Type") == "text/html; charset=utf-8"
    page = page.decode("utf-8")
    assert '<textarea id="text"' in page and 'id="analyse"' in page
    # Nothing from another host: the page works offline.
    assert "http://" not in page and "https://" not in page
    for path, content_type in (
        ("/static/demo.js", "text/javascript; charset=utf-8"),
        ("/static/demo.css", "text/css; charset=utf-8"),
    ):
        status, response, content = request(demo_server, "GET", path)
        assert status == 200 and response.getheader("Content-Type") == content_type
        assert content and b"http://" not in content and b"https://" not in content


def test_default_address_is_this_machine_only(demo_server):
    assert demo_server.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize(
    "document",
    [
        {"text": TEXT},
        {"text": TEXT, "doc_key": "mine"},
        {"sentences": [["John", "Smith", "met", "Mary", "."], ["She", "liked", "him", "."]]},
    ],
)
def test_predict_is_the_predictors_output(demo_server, predictor, document):
    status, output = predict(demo_server, document)
    assert status == 200
    assert output == expected_output(predictor, document)
    assert {"ner", "mentions", "relations", "clusters"} <= set(output)


def test_unicode_text_round_trips(demo_server, predictor):
    document = {"text": "Zoë Müller moved to Kraków. She likes 東京."}
    status, output = predict(demo_server, document)
    assert status == 200 and output == expected_output(predictor, document)
    for mention in output["ner"] + output["mentions"]:
        assert document["text"][mention["char_start"] : mention["char_end"]] == mention["text"]


@pytest.mark.parametrize(
    "body, content_type, status, message",
    [
        ({"text": ""}, "application/json", 400, "the text is empty"),
        ({"text": " \n\t "}, "application/json", 400, "the text is only whitespace"),
        (
            {"text": "word " * (MAX_CHARACTERS // 5 + 1)},
            "application/json",
            413,
            f"the text has {5 * (MAX_CHARACTERS // 5 + 1)} characters; this server takes at "
            f"most {MAX_CHARACTERS}",
        ),
        (
            {"sentences": [["word"] * (MAX_CHARACTERS // 5 + 1)]},
            "application/json",
            413,
            f"this server takes at most {MAX_CHARACTERS}",
        ),
        (b'{"text": "unfinished', "application/json", 400, "the body is not valid JSON"),
        ('{"text": "Caf\u00e9"}'.encode("latin-1"), "application/json", 400, "not UTF-8"),
        (b"[1, 2]", "application/json", 400, "must be a JSON object"),
        ({"text": TEXT}, "text/plain", 415, "Content-Type application/json, not 'text/plain'"),
        ({"text": TEXT}, "application/json; charset=latin-1", 415, "not charset 'latin-1'"),
        ({"text": TEXT, "sentences": [["a"]]}, "application/json", 400, "found both"),
        ({"txt": TEXT}, "application/json", 400, "found neither"),
        ({"text": 42}, "application/json", 400, "'text' must be a string"),
        ({"sentences": "a b c"}, "application/json", 400, "'sentences'"),
    ],
)
def test_bad_requests_are_4xx_json_and_the_server_goes_on(
    demo_server, body, content_type, status, message
):
    answer_status, answer = predict(demo_server, body, content_type)
    assert answer_status == status
    assert set(answer) == {"error"} and message in answer["error"]
    assert predict(demo_server, {"text": TEXT})[0] == 200


def test_missing_content_type_and_length(demo_server):
    status, _, answer = request(demo_server, "POST", "/predict", {"text": TEXT})
    assert status == 415 and "not 'none'" in answer["error"]

    connection = http.client.HTTPConnection(*demo_server.server_address[:2], timeout=60)
    connection.putrequest("POST", "/predict")
    connection.putheader("Content-Type", "application/json")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 411
    assert json.loads(response.read()) == {"error": "the request has no Content-Length."}
    connection.close()


def test_a_body_larger_than_any_allowed_text_is_not_read(demo_server):
    connection = http.client.HTTPConnection(*demo_server.server_address[:2], timeout=60)
    connection.putrequest("POST", "/predict")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(10**9))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413 and "10000000" in json.loads(response.read())["error"]
    connection.close()
    assert predict(demo_server, {"text": TEXT})[0] == 200


@pytest.mark.parametrize(
    "method, path, status, message",
    [
        ("GET", "/etc/passwd", 404, "no such page: /etc/passwd"),
        ("GET", "/static/../server.py", 404, "no such page"),
        ("GET", "/static/index.html", 404, "no such page"),
        ("POST", "/", 405, "use GET for /"),
        ("POST", "/health", 405, "use GET for /health"),
        ("POST", "/train", 404, "no such endpoint: /train"),
        ("GET", "/predict", 405, "use POST for /predict"),
        ("PUT", "/predict", 405, "method PUT is not supported"),
        ("DELETE", "/", 405, "method DELETE is not supported"),
    ],
)
def test_nothing_but_the_page_and_the_endpoints(demo_server, method, path, status, message):
    answer_status, _, answer = request(demo_server, method, path)
    assert answer_status == status and message in answer["error"]


def test_a_failing_prediction_is_500_logged_and_the_server_goes_on(
    demo_server, monkeypatch, caplog
):
    def fail(instances):
        raise RuntimeError("the model broke")

    with monkeypatch.context() as patch:
        patch.setattr(demo_server.predictor._model, "forward_on_instances", fail)
        with caplog.at_level(logging.ERROR, logger="hmtl_allennlp.demo.server"):
            status, answer = predict(demo_server, {"text": TEXT})
    assert status == 500
    assert "the prediction failed" in answer["error"] and "the model broke" in answer["error"]
    (record,) = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert "Prediction failed" in record.getMessage() and record.exc_info is not None
    assert predict(demo_server, {"text": TEXT})[0] == 200


def test_a_malformed_request_line_gets_a_json_error(demo_server):
    with socket.create_connection(demo_server.server_address[:2], timeout=60) as connection:
        connection.sendall(b"NOT A REQUEST\r\n\r\n")
        answer = connection.makefile("rb").read().decode("utf-8")
    # Without a valid HTTP version, http.server answers as to HTTP/0.9: the body alone.
    assert json.loads(answer) == {"error": "Bad request version ('REQUEST')"}
    assert predict(demo_server, {"text": TEXT})[0] == 200


@pytest.mark.parametrize(
    "half_request",
    [
        b"POST /predict HTTP/1.1\r\nContent-Type: appl",
        b"POST /predict HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
        b'\r\n{"text": "John',
    ],
    ids=["headers", "body"],
)
def test_a_half_sent_request_is_closed_after_the_timeout(start_demo_server, half_request, caplog):
    server = start_demo_server(request_timeout=REQUEST_TIMEOUT)
    with caplog.at_level(logging.WARNING, logger="hmtl_allennlp.demo.server"):
        with socket.create_connection(server.server_address[:2], timeout=20) as connection:
            connection.sendall(half_request)
            sent = time.monotonic()
            # Closed without an answer (without the timeout, this recv would wait forever).
            assert connection.recv(1024) == b""
            waited = time.monotonic() - sent
    assert REQUEST_TIMEOUT / 2 <= waited < 10
    assert "Request timed out" in caplog.text
    assert predict(server, {"text": TEXT})[0] == 200


def test_a_client_that_hangs_up_before_its_answer_is_one_warning(
    demo_server, monkeypatch, caplog, capsys
):
    predicting, hung_up = threading.Event(), threading.Event()
    server_predict = demo_server.predict

    def predict_after_the_hang_up(document):
        predicting.set()
        hung_up.wait(60)
        return server_predict(document)

    body = json.dumps({"text": TEXT}).encode("utf-8")
    head = (
        "POST /predict HTTP/1.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    with monkeypatch.context() as patch:
        patch.setattr(demo_server, "predict", predict_after_the_hang_up)
        with caplog.at_level(logging.INFO, logger="hmtl_allennlp.demo.server"):
            connection = socket.create_connection(demo_server.server_address[:2], timeout=60)
            connection.sendall(head.encode("ascii") + body)
            assert predicting.wait(60)
            # No lingering: the connection is reset at once, so the answer cannot be written.
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()
            hung_up.set()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(
                record.levelno == logging.WARNING for record in caplog.records
            ):
                time.sleep(0.05)
    (record,) = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert re.fullmatch(
        r"127\.0\.0\.1: client hung up before the answer "
        r"\((BrokenPipeError|ConnectionResetError)\)\.",
        record.getMessage(),
    )
    assert record.exc_info is None
    assert "Traceback" not in capsys.readouterr().err
    assert predict(demo_server, {"text": TEXT})[0] == 200
