"""
The smoke test of the whole tool as a user runs it: the stock `allennlp` command trains a tiny
full model for one epoch on the fixtures, then evaluates and predicts with its archive.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
ALLENNLP = str(Path(sys.executable).parent / "allennlp")


def allennlp(*arguments: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [ALLENNLP, *arguments, "--include-package", "hmtl_allennlp"],
        cwd=REPOSITORY_ROOT,  # the fixture configs' data paths are relative to it
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_train_then_evaluate_then_predict(tmp_path):
    run = tmp_path / "run"
    allennlp("train", "fixtures/configs/hmtl.jsonnet", "-s", str(run))
    archive = run / "model.tar.gz"
    assert archive.exists()

    metrics_file = tmp_path / "metrics.json"
    allennlp("evaluate", str(archive), "fixtures/data/redocred_sample.jsonl",
             "--output-file", str(metrics_file))  # fmt: skip
    metrics = json.loads(metrics_file.read_text())
    # A DyGIE JSON file is read by the tasks whose reader reads that format.
    for name in ["emd_f1", "relation_strict_f1", "coref_avg_f1"]:
        assert 0.0 <= metrics[name] <= 1.0
    assert "ner_f1" not in metrics

    predictions_file = tmp_path / "predictions.jsonl"
    allennlp("predict", str(archive), "fixtures/sample/raw_text.jsonl",
             "--output-file", str(predictions_file), "--silent")  # fmt: skip
    inputs = [
        json.loads(line) for line in Path(REPOSITORY_ROOT / "fixtures/sample/raw_text.jsonl").open()
    ]
    predictions = [json.loads(line) for line in predictions_file.open()]
    assert [p["doc_key"] for p in predictions] == [i["doc_key"] for i in inputs]
    for prediction in predictions:
        assert "error" not in prediction
        assert {"ner", "mentions", "relations", "clusters"} <= set(prediction)
