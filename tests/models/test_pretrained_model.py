"""
The pretrained models of models/ (hmtl_gum_conll04, and every other folder there with a
model.tar.gz): each loads, predicts its example as it did when released, and scores on the shared
dev files the dev metrics recorded then.
"""

import json
from pathlib import Path

import pytest
from allennlp.commands.evaluate import evaluate_from_archive

from hmtl_allennlp.predictors import HmtlPredictor, read_json_lines

pytestmark = pytest.mark.slow

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
MODEL_DIRS = sorted(
    folder
    for folder in (REPOSITORY_ROOT / "models").iterdir()
    if (folder / "model.tar.gz").exists()
)
SHARED_DATA = REPOSITORY_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="module", params=MODEL_DIRS, ids=[folder.name for folder in MODEL_DIRS])
def model_dir(request) -> Path:
    return request.param


@pytest.fixture(scope="module")
def predictor(model_dir):
    return HmtlPredictor.from_path(model_dir / "model.tar.gz", "hmtl")


def test_the_released_model_is_there():
    assert "hmtl_gum_conll04" in [folder.name for folder in MODEL_DIRS]


def rounded(value):
    """`value` with every float rounded to 5 decimals (relation scores), to compare outputs."""
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def recorded_dev_scores(model_dir: Path):
    """{metric: score} of the dev metrics recorded when the model was released."""
    return json.loads((model_dir / "dev_metrics.json").read_text(encoding="utf-8"))


def test_the_archive_is_at_most_40_mb_and_has_every_task(model_dir, predictor):
    assert (model_dir / "model.tar.gz").stat().st_size <= 40 * 1024 * 1024
    assert sorted(predictor._model.tasks) == ["coref", "emd", "ner", "relation"]


def test_it_predicts_the_readme_example_as_the_readme_shows_it(model_dir, predictor):
    inputs = (model_dir / "example.jsonl").read_text(encoding="utf-8").splitlines()
    expected = (model_dir / "example_output.jsonl").read_text(encoding="utf-8").splitlines()
    outputs = predictor.predict_batch_json(list(read_json_lines(inputs)))
    assert len(outputs) == len(expected)
    for output, line in zip(outputs, expected):
        assert rounded(json.loads(json.dumps(output))) == rounded(json.loads(line))


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="needs the shared GUM and CoNLL04 dev files")
def test_it_scores_on_the_shared_dev_files_what_was_recorded(model_dir):
    gum, conll04 = SHARED_DATA / "gum" / "dev.gum.gold_conll", SHARED_DATA / "conll04" / "dev.jsonl"
    paths = {"ner": str(gum), "coref": str(gum), "emd": str(conll04), "relation": str(conll04)}
    metrics = evaluate_from_archive(str(model_dir / "model.tar.gz"), json.dumps(paths))
    recorded = recorded_dev_scores(model_dir)
    for name in ("ner_f1", "emd_f1", "relation_strict_f1", "coref_avg_f1"):
        assert metrics[name] == pytest.approx(recorded[name], abs=1e-4), name
