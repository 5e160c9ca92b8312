"""
`allennlp predict` with the "hmtl" predictor on hostile input, run as a user runs it: every line
that cannot be a document becomes an error line saying why, the other lines are predicted, and
the run goes on to the end (see `hmtl_allennlp.predictors.raw_line_input`).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ALLENNLP = str(Path(sys.executable).parent / "allennlp")
GOOD = json.dumps({"doc_key": "good", "text": "Marie Curie was born in Warsaw. She left."})
LONG_TOKEN = "x" * 10_000
SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "data" / "redocred_sample.jsonl"
# 600 words of the sample documents, without punctuation: one sentence for the sentencizer.
RUN_ON = [
    word
    for line in SAMPLE.read_text(encoding="utf-8").splitlines()
    for sentence in json.loads(line)["sentences"]
    for word in sentence
    if word.isalnum()
][:600]

# (line as bytes, what its output must be: None for a prediction, else a part of its error)
HOSTILE_LINES = [
    # A UTF-8 byte order mark before the first line: skipped.
    (b"\xef\xbb\xbf" + GOOD.encode(), None),
    # A lone surrogate escape: read as an unknown character.
    (b'{"doc_key": "surrogate", "text": "Marie \\ud800 Curie"}', None),
    # A Latin-1 byte.
    (b'{"text": "Marie Cur\xe9"}', "input line 3: not valid UTF-8 ("),
    (GOOD.encode(), None),
    # JSON nested 1,000 levels deep.
    (b"[" * 1000 + b"]" * 1000, "input line 5: JSON nested too deeply to read."),
    # An integer of more than 4,300 digits.
    (b'{"text": "a", "count": ' + b"1" * 5000 + b"}", "Exceeds the limit (4300 digits)"),
    # A bare carriage return inside an object: whitespace, not the end of a line.
    (b'{"doc_key": "carriage return",\r "text": "Marie Curie left."}', None),
    (b"", None),  # a blank line: no output, but counted
    # Booleans as offsets.
    (
        b'{"doc_key": "booleans", "sentences": [["Marie", "Curie"]], '
        b'"ner": [[[false, true, "P"]]]}',
        "input line 9, doc_key 'booleans': mention [False, True, 'P'] of sentence 0 has "
        "non-integer offsets.",
    ),
    (b'{"doc_key": "not json"', "input line 10: not valid JSON"),
    # One very long token, and a text without sentence punctuation.
    (json.dumps({"doc_key": "long token", "text": f"Marie {LONG_TOKEN} Curie"}).encode(), None),
    (json.dumps({"doc_key": "run-on", "text": " ".join(RUN_ON)}).encode(), None),
    (b"[1, 2]", "input line 13: expected a JSON object, found array."),
    (GOOD.encode(), None),
]


def predict(repository_root, archive_path, input_file, *arguments, stdin=None):
    # The tensors are tiny: more threads only wait for each other on a busy machine.
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [ALLENNLP, "predict", str(archive_path), str(input_file), *arguments, "--silent",
         "--include-package", "hmtl_allennlp"],  # fmt: skip
        cwd=repository_root,
        env=environment,
        input=stdin,
        capture_output=True,
    )


def test_every_hostile_line_is_an_error_line_and_the_run_goes_on(
    archive_path, repository_root, tmp_path
):
    input_file = tmp_path / "hostile.jsonl"
    input_file.write_bytes(b"\n".join(line for line, _ in HOSTILE_LINES) + b"\n")
    output_file = tmp_path / "output.jsonl"
    completed = predict(repository_root, archive_path, input_file, "--output-file", output_file)
    assert completed.returncode == 0, completed.stderr[-3000:].decode()
    outputs = [json.loads(line) for line in output_file.read_text(encoding="ascii").splitlines()]

    expected = [
        (line_number, problem)
        for line_number, (line, problem) in enumerate(HOSTILE_LINES, start=1)
        if line
    ]
    assert [output["line"] for output in outputs] == [line for line, _ in expected]
    for output, (line_number, problem) in zip(outputs, expected):
        if problem is None:
            assert "error" not in output, output
            assert {"sentences", "ner", "mentions", "relations", "clusters"} <= set(output)
        else:
            assert set(output) <= {"line", "doc_key", "error"}
            assert problem in output["error"], output["error"]
            assert output["error"].startswith(f"input line {line_number}")
    by_key = {output.get("doc_key"): output for output in outputs}
    assert outputs[0] == {**outputs[3], "line": 1}
    assert by_key["surrogate"]["sentences"] == [["Marie", "\ud800", "Curie"]]
    assert by_key["carriage return"]["sentences"] == [["Marie", "Curie", "left", "."]]
    assert by_key["long token"]["sentences"] == [["Marie", LONG_TOKEN, "Curie"]]
    assert by_key["run-on"]["sentences"] == [RUN_ON]

    # Read from standard input, in batches: the same outputs.
    batched = predict(
        repository_root, archive_path, "-", "--output-file", tmp_path / "batched.jsonl",
        "--batch-size", "4", stdin=input_file.read_bytes(),
    )  # fmt: skip
    assert batched.returncode == 0, batched.stderr[-3000:].decode()
    batched_outputs = [
        json.loads(line) for line in (tmp_path / "batched.jsonl").read_text().splitlines()
    ]
    for output in outputs + batched_outputs:
        for relation in output.get("relations", []):
            relation["score"] = round(relation["score"], 4)
    assert batched_outputs == outputs


def test_predictor_arguments_are_checked(archive_path, repository_root, tmp_path):
    input_file = tmp_path / "input.jsonl"
    input_file.write_text(GOOD + "\n", encoding="utf-8")
    completed = predict(
        repository_root, archive_path, input_file, "--output-file", tmp_path / "output.jsonl",
        "--predictor-args", '{"strict": "yes"}',
    )  # fmt: skip
    assert completed.returncode != 0
    last_line = completed.stderr.decode().strip().splitlines()[-1]
    assert "The hmtl predictor's strict must be true or false, got 'yes'." in last_line
