"""
`allennlp hmtl-demo` as a user runs it: it serves on 127.0.0.1 by default, with the request
timeout it is given, and an archive it cannot load or an address it cannot listen on is a
one-line error.
"""

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ALLENNLP = str(Path(sys.executable).parent / "allennlp")


def run_demo(repository_root, *arguments):
    # The tensors are tiny: more threads only wait for each other on a busy machine.
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [ALLENNLP, "hmtl-demo", *arguments, "--include-package", "hmtl_allennlp"],
        cwd=repository_root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serves_on_this_machine_only_by_default(archive_path, repository_root):
    process = run_demo(
        repository_root, str(archive_path), "--port", "0", "--request-timeout", "0.5"
    )
    try:
        line = process.stdout.readline()
        serving = f"hmtl-demo: serving {archive_path} on http://127.0.0.1:"
        assert line.startswith(serving), line or process.stderr.read()[-3000:]
        url = line.split(" on ")[1].split()[0]
        with urllib.request.urlopen(url + "health", timeout=60) as response:
            health = json.loads(response.read())
        assert [level["name"] for level in health["levels"]] == ["ner", "emd", "coref", "relation"]
        assert health["archive"] == "model.tar.gz"
        # --request-timeout: a half-sent request's connection is closed.
        address = url.split("//")[1].rstrip("/").split(":")
        with socket.create_connection((address[0], int(address[1])), timeout=20) as connection:
            connection.sendall(b"GET /health HTTP/1.1\r\n")
            assert connection.recv(1024) == b""
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_missing_archive_is_one_line(repository_root, tmp_path):
    process = run_demo(repository_root, str(tmp_path / "missing.tar.gz"))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert stderr.strip().splitlines()[-1] == (
        f"allennlp hmtl-demo: error: {tmp_path / 'missing.tar.gz'}: no such model archive "
        "(file not found)."
    )


def test_a_port_in_use_is_one_line(archive_path, repository_root):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = run_demo(repository_root, str(archive_path), "--port", str(port))
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert stderr.strip().splitlines()[-1] == (
        f"allennlp hmtl-demo: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
