"""
`allennlp hmtl-annotate` on a local Dask cluster of 2 worker processes with the fixture model:
the lines of `allennlp predict`, bad lines included; resuming after an interrupted run; a
worker killed while it annotates a shard; and the errors that stop it before any work.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hmtl_allennlp.commands.annotate import (
    PROGRESS_TOPIC,
    STATE_DIRECTORY,
    AnnotateError,
    annotate,
)

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

pytestmark = pytest.mark.slow

ALLENNLP = str(Path(sys.executable).parent / "allennlp")
SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "data" / "redocred_sample.jsonl"
DOCUMENTS = SAMPLE.read_bytes().splitlines()
GOOD = b'{"doc_key": "good", "text": "Marie Curie was born in Warsaw. She left."}'
# Lines the predictor cannot read, among good ones (and a blank line, which has no output).
BAD_LINES = [
    GOOD,
    b'{"text": "Marie Cur\xe9"}',
    b"",
    b'{"doc_key": "not json"',
    b"[1, 2]",
    b'{"doc_key": "neither"}',
    DOCUMENTS[0],
]


def environment():
    # The tensors are tiny: more threads only wait for each other on a busy machine.
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def write_shards(directory, shards):
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, lines in shards.items():
        path = directory / name
        path.write_bytes(b"\n".join(lines) + b"\n")
        paths.append(str(path))
    return paths


def rounded(lines):
    """The JSON of output lines, relation scores rounded (float sums may differ in the last
    bits from one process to another)."""
    outputs = [json.loads(line) for line in lines]
    for output in outputs:
        for relation in output.get("relations", []):
            relation["score"] = round(relation["score"], 4)
    return outputs


def output_lines(directory, name):
    return (directory / name).read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def cluster():
    """A local cluster of 2 worker processes, one thread each, as the command starts one."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 2}):
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with distributed.Client(local) as client:
        yield local, client
    local.close()


@pytest.fixture(scope="module")
def expected(archive_path, tmp_path_factory):
    """The lines that `allennlp predict` writes for the sample documents and the bad lines."""
    directory = tmp_path_factory.mktemp("predict")
    outputs = {}
    for name, lines in (("documents.jsonl", DOCUMENTS), ("bad.jsonl", BAD_LINES)):
        (path,) = write_shards(directory, {name: lines})
        completed = subprocess.run(
            [ALLENNLP, "predict", str(archive_path), path, "--output-file",
             str(directory / f"{name}.out"), "--silent", "--include-package", "hmtl_allennlp"],
            env=environment(),
            capture_output=True,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-3000:].decode()
        outputs[name] = (directory / f"{name}.out").read_text(encoding="utf-8").splitlines()
    return outputs


def test_the_command_writes_the_lines_of_allennlp_predict(archive_path, expected, tmp_path):
    inputs = write_shards(tmp_path / "in", {"documents.jsonl": DOCUMENTS, "bad.jsonl": BAD_LINES})
    output_dir = tmp_path / "out"
    completed = subprocess.run(
        [ALLENNLP, "hmtl-annotate", str(archive_path), *inputs, "--output-dir", str(output_dir),
         "--workers", "2", "--include-package", "hmtl_allennlp"],
        env=environment(),
        capture_output=True,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:].decode()
    summary = completed.stdout.decode()
    assert "2 shards: 2 written, 0 already complete, 0 failed; 10 documents (4 error lines)" in (
        summary
    )
    for name, lines in expected.items():
        assert rounded(output_lines(output_dir, name)) == rounded(lines), name
    # Each bad line is an error line of its own, as `allennlp predict` writes it.
    bad = [json.loads(line) for line in output_lines(output_dir, "bad.jsonl")]
    assert [output["line"] for output in bad] == [1, 2, 4, 5, 6, 7]
    assert ["error" in output for output in bad] == [False, True, True, True, True, False]
    assert bad[1]["error"].startswith("input line 2: not valid UTF-8")


def test_a_resumed_run_redoes_only_what_is_not_complete(archive_path, cluster, expected, tmp_path):
    local, _ = cluster
    shards = {"a.jsonl": DOCUMENTS[:2], "b.jsonl": DOCUMENTS[2:], "c.jsonl": BAD_LINES}
    inputs = write_shards(tmp_path / "in", shards)
    output_dir = tmp_path / "out"
    arguments = dict(address=local.scheduler_address, progress=False)
    first = annotate(str(archive_path), inputs, str(output_dir), **arguments)
    assert sorted(first.written) == ["a.jsonl", "b.jsonl", "c.jsonl"] and not first.failed
    outputs = {name: output_lines(output_dir, name) for name in shards}
    assert rounded(outputs["c.jsonl"]) == rounded(expected["bad.jsonl"])

    # Interrupted runs: b.jsonl was being written (a partial file, no output, no record);
    # c.jsonl was interrupted between its completion record and the rename.
    state = output_dir / STATE_DIRECTORY
    (output_dir / "b.jsonl").unlink()
    (state / "b.jsonl.done.json").unlink()
    (state / "b.jsonl.partial").write_text('{"line": 1, "sentences": [["cut', encoding="utf-8")
    (output_dir / "c.jsonl").unlink()
    second = annotate(str(archive_path), inputs, str(output_dir), **arguments)
    assert second.skipped == ["a.jsonl"]
    assert sorted(second.written) == ["b.jsonl", "c.jsonl"]
    for name in shards:
        assert rounded(output_lines(output_dir, name)) == rounded(outputs[name]), name
    assert not (state / "b.jsonl.partial").exists()

    # Nothing left to do; then a changed input is annotated again.
    assert "nothing to do" in annotate(str(archive_path), inputs, str(output_dir)).report()
    write_shards(tmp_path / "in", {"a.jsonl": DOCUMENTS[:1]})
    third = annotate(str(archive_path), inputs, str(output_dir), **arguments)
    assert third.written == ["a.jsonl"] and len(output_lines(output_dir, "a.jsonl")) == 1


def test_what_stops_a_run_before_any_work(archive_path, tmp_path):
    inputs = write_shards(tmp_path / "in", {"a.jsonl": DOCUMENTS[:1], "b.jsonl": BAD_LINES})
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    (output_dir / "b.jsonl").write_text("the user's own file\n", encoding="utf-8")
    with pytest.raises(AnnotateError, match="b.jsonl exists without a completion record"):
        annotate(str(archive_path), inputs, str(output_dir))
    with pytest.raises(AnnotateError, match="input file\\(s\\) not found: .*missing.jsonl"):
        annotate(str(archive_path), [*inputs, str(tmp_path / "missing.jsonl")], str(tmp_path))
    with pytest.raises(AnnotateError, match="no such model archive"):
        annotate(str(tmp_path / "model.tar.gz"), inputs, str(tmp_path / "other"))
    with pytest.raises(AnnotateError, match="would both be written to"):
        annotate(str(archive_path), [inputs[0], inputs[0]], str(tmp_path / "other"))
    with pytest.raises(AnnotateError, match="cannot connect to the Dask scheduler at tcp://"):
        annotate(str(archive_path), inputs[:1], str(tmp_path / "other"), address="tcp://:1")
    assert (output_dir / "b.jsonl").read_text(encoding="utf-8") == "the user's own file\n"
    assert not (output_dir / "a.jsonl").exists()


def test_a_killed_worker_loses_nothing(archive_path, cluster, expected, tmp_path):
    local, client = cluster
    # A shard long enough (40 documents, seconds) to be killed in the middle of, and others.
    shards = {"long.jsonl": DOCUMENTS * 10, "a.jsonl": DOCUMENTS, "bad.jsonl": BAD_LINES}
    inputs = write_shards(tmp_path / "in", shards)
    process_ids = client.run(os.getpid)
    killed = []

    def kill_in_the_middle(event):
        message = event[1]
        if message["shard"] == "long.jsonl" and message["done"] > 0 and not killed:
            killed.append(message["worker"])
            os.kill(process_ids[message["worker"]], signal.SIGKILL)

    client.subscribe_topic(PROGRESS_TOPIC, kill_in_the_middle)
    try:
        summary = annotate(
            str(archive_path), inputs, str(tmp_path / "out"), address=local.scheduler_address
        )
    finally:
        client.unsubscribe_topic(PROGRESS_TOPIC)
    assert killed, "the long shard reported no progress"
    assert not summary.failed
    assert sorted(summary.written) == ["a.jsonl", "bad.jsonl", "long.jsonl"]
    assert summary.redone["long.jsonl"] > 0
    assert "long.jsonl: started again after a worker was lost" in summary.report()
    long_lines = output_lines(tmp_path / "out", "long.jsonl")
    assert rounded(long_lines[:4]) == rounded(expected["documents.jsonl"])
    assert [json.loads(line)["line"] for line in long_lines] == list(range(1, 41))
    assert rounded(output_lines(tmp_path / "out", "bad.jsonl")) == rounded(expected["bad.jsonl"])
