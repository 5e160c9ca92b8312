"""
The documented commands, run as a user runs them: `allennlp predict`, `allennlp evaluate` and
`allennlp hmtl-coref-export`, each in its own process (about 10 seconds each, mostly imports).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hmtl_allennlp.predictors import HmtlPredictor, read_json_lines

pytestmark = pytest.mark.slow

ALLENNLP = str(Path(sys.executable).parent / "allennlp")
GOLD_MENTIONS = {"model.levels.coref.head.gold_mentions": True}


def run_allennlp(repository_root, *arguments):
    # The tensors are tiny: more threads only wait for each other on a busy machine.
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    completed = subprocess.run(
        [ALLENNLP, *arguments, "--include-package", "hmtl_allennlp"],
        cwd=repository_root,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def test_predict_with_batches(archive_path, repository_root, tmp_path):
    documents = (
        (repository_root / "fixtures" / "data" / "redocred_sample.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    first = json.loads(documents[0])
    lines = [
        json.dumps({"text": " ".join(" ".join(sentence) for sentence in first["sentences"])}),
        json.dumps({"sentences": first["sentences"]}),
        "this line is not JSON",
        *documents,
    ]
    input_file, output_file = tmp_path / "input.jsonl", tmp_path / "output.jsonl"
    input_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # No --predictor: the model's default predictor is "hmtl".
    run_allennlp(
        repository_root,
        "predict",
        str(archive_path),
        str(input_file),
        "--output-file",
        str(output_file),
        "--batch-size",
        "3",
        "--silent",
    )

    outputs = [json.loads(line) for line in output_file.read_text(encoding="utf-8").splitlines()]
    predictor = HmtlPredictor.from_path(archive_path)
    expected = [predictor.predict_json(line) for line in read_json_lines(lines)]
    assert len(outputs) == len(lines)
    for output, one_by_one in zip(outputs, expected):
        for relation in output.get("relations", []) + one_by_one.get("relations", []):
            relation["score"] = round(relation["score"], 4)
        assert output == one_by_one
    assert outputs[2] == {"line": 3, "error": outputs[2]["error"]}
    assert "input line 3: not valid JSON" in outputs[2]["error"]
    assert outputs[3]["doc_key"] == first["doc_key"]


def test_evaluate_and_coref_export_agree(archive_path, repository_root, tmp_path):
    data = repository_root / "fixtures" / "data"
    # Every task of the archive in one go, coreference on gold mentions.
    data_paths = {
        "ner": str(data / "gum_sample.gold_conll"),
        "emd": str(data / "redocred_sample.jsonl"),
        "relation": str(data / "redocred_sample.jsonl"),
        "coref": str(data / "redocred_sample.jsonl"),
    }
    metrics_file, predictions_file = tmp_path / "metrics.json", tmp_path / "predictions.jsonl"
    run_allennlp(
        repository_root,
        "evaluate",
        str(archive_path),
        json.dumps(data_paths),
        "-o",
        json.dumps(GOLD_MENTIONS),
        "--output-file",
        str(metrics_file),
        "--predictions-output-file",
        str(predictions_file),
    )
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    for task, main_metric in [("ner", "f1"), ("emd", "f1"), ("relation", "strict_f1")]:
        assert 0.0 <= metrics[f"{task}_{main_metric}"] <= 1.0
    assert metrics["coref_mention_recall"] == 1.0  # gold mentions
    assert metrics["coref_muc_f1"] > 0.0
    # One line per batch, with the batch and the model's outputs.
    batches = [json.loads(line) for line in predictions_file.read_text("utf-8").splitlines()]
    assert {"coref", "emd", "ner", "relation"} == {batch["task"][0] for batch in batches}
    assert all("coref_clusters" in batch for batch in batches if batch["task"][0] == "coref")

    key, response = tmp_path / "key.conll", tmp_path / "response.conll"
    scores_file = tmp_path / "scores.json"
    printed = run_allennlp(
        repository_root,
        "hmtl-coref-export",
        str(archive_path),
        data_paths["coref"],
        "--key",
        str(key),
        "--response",
        str(response),
        "-o",
        json.dumps(GOLD_MENTIONS),
        "--output-file",
        str(scores_file),
    )
    scores = json.loads(scores_file.read_text(encoding="utf-8"))
    assert scores["documents"] == 4 and scores["mentions_left_out"] == {"key": 0, "response": 0}
    for name in ("muc", "b3", "ceafe"):
        for measure in ("precision", "recall", "f1"):
            from_files = scores["files"][f"{name}_{measure}"]
            assert from_files == pytest.approx(metrics[f"coref_{name}_{measure}"], abs=1e-9)
    assert scores["files"]["avg_f1"] == pytest.approx(metrics["coref_avg_f1"], abs=1e-9)
    assert f"CoNLL F1 {'':8} {'':10} {100 * metrics['coref_avg_f1']:8.2f}" in printed


def test_a_command_prints_no_nltk_download_errors(archive_path, repository_root, tmp_path):
    # Every `allennlp` command imports all of allennlp-models, whose NarrativeQA tools try to
    # download nltk data when they miss it (README, "Output of other packages").
    input_file = tmp_path / "input.jsonl"
    input_file.write_text(json.dumps({"text": "Marie Curie was born in Warsaw."}) + "\n")
    completed = subprocess.run(
        [ALLENNLP, "predict", str(archive_path), str(input_file), "--include-package",
         "hmtl_allennlp", "--output-file", str(tmp_path / "output.jsonl"), "--silent"],
        cwd=repository_root,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    printed = completed.stdout + completed.stderr
    assert "[nltk_data]" not in printed
    assert json.loads((tmp_path / "output.jsonl").read_text())["sentences"]
