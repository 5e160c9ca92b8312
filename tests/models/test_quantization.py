"""
Dynamic int8 quantization of the fixture model: the LSTMs and linear layers are really replaced
by their dynamic quantized versions, the predictions stay close to the float model's, and the
option reaches the predictor from `allennlp predict --predictor-args` and from the demo.
"""

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive
from torch.ao.nn.quantized import dynamic

from hmtl_allennlp.demo import DemoServer
from hmtl_allennlp.models.quantization import quantize_model, quantized_module_names
from hmtl_allennlp.predictors import HmtlPredictor
from hmtl_allennlp.predictors.json_lines import read_json_lines

pytestmark = pytest.mark.slow

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = REPOSITORY_ROOT / "fixtures" / "data" / "redocred_sample.jsonl"
ALLENNLP = str(Path(sys.executable).parent / "allennlp")
# The least agreement (F1 of the int8 outputs against the float ones) per output. The fixture
# model is trained for seconds, so many of its tag scores sit close to a decision boundary, and
# int8 weights (a per-tensor step of max|w| / 127) move scores by about 1% of their range:
# a few tags flip (about 1 in 100 here), and a changed mention changes the coreference links
# that go through it. A broken quantization (wrong weights, a layer skipped or applied twice)
# agrees on almost nothing.
MIN_AGREEMENT = 0.95


@pytest.fixture(scope="module")
def float_predictor(archive_path):
    return HmtlPredictor.from_path(archive_path, "hmtl")


@pytest.fixture(scope="module")
def int8_predictor(archive_path):
    return HmtlPredictor.from_path(archive_path, "hmtl", quantize="int8")


def predict_all(predictor):
    with open(DOCUMENTS, "rb") as lines:
        return [predictor.predict_json(document) for document in read_json_lines(lines)]


def rounded(outputs):
    """The outputs with relation scores rounded, as JSON (what `allennlp predict` writes)."""
    outputs = json.loads(json.dumps(outputs))
    for output in outputs:
        for relation in output.get("relations", []):
            relation["score"] = round(relation["score"], 4)
    return outputs


def annotations(output, key):
    """The annotations of an output under `key`, as comparable tuples."""
    if key in ("ner", "mentions"):
        return {(mention["start"], mention["end"], mention["label"]) for mention in output[key]}
    if key == "relations":
        return {
            (r["head"]["start"], r["head"]["end"], r["tail"]["start"], r["tail"]["end"], r["label"])
            for r in output[key]
        }
    # Coreference: the links between the mentions of a cluster, so that one changed mention
    # does not count its whole cluster as lost.
    return {
        tuple(sorted([(first["start"], first["end"]), (second["start"], second["end"])]))
        for cluster in output[key]
        for first, second in itertools.combinations(cluster, 2)
    }


def test_lstms_and_linear_layers_are_the_dynamic_quantized_ones(float_predictor, int8_predictor):
    float_model, int8_model = float_predictor._model, int8_predictor._model
    names = quantized_module_names(float_model)
    modules = dict(int8_model.named_modules())
    assert any(isinstance(modules[name], dynamic.LSTM) for name in names)
    for name in names:
        assert isinstance(modules[name], (dynamic.LSTM, dynamic.Linear)), name
    # Every float LSTM and Linear left is one that its head reads the weights of.
    kept = [
        name
        for name, module in int8_model.named_modules()
        if type(module) in (torch.nn.LSTM, torch.nn.Linear)
    ]
    assert kept == ["_heads.coref._antecedent_feedforward._linear_layers.0"]
    # The model given to the predictor is left as it was.
    assert all(
        type(module) in (torch.nn.LSTM, torch.nn.Linear)
        for name, module in float_model.named_modules()
        if name in names
    )


def test_int8_predictions_agree_with_the_float_ones(float_predictor, int8_predictor):
    float_outputs, int8_outputs = predict_all(float_predictor), predict_all(int8_predictor)
    assert [output["sentences"] for output in int8_outputs] == [
        output["sentences"] for output in float_outputs
    ]
    for key in ("ner", "mentions", "relations", "clusters"):
        expected = [annotations(output, key) for output in float_outputs]
        predicted = [annotations(output, key) for output in int8_outputs]
        both = sum(len(first & second) for first, second in zip(expected, predicted))
        total = sum(len(annotation) for annotation in expected + predicted)
        assert total > 0, key
        assert 2 * both / total >= MIN_AGREEMENT, key


def test_a_quantization_that_does_not_exist_is_refused(float_predictor):
    with pytest.raises(ConfigurationError, match="quantize must be one of \\['int8'\\]"):
        HmtlPredictor(float_predictor._model, float_predictor._dataset_reader, quantize="int4")
    with pytest.raises(ConfigurationError, match="quantize must be one of"):
        quantize_model(float_predictor._model, "int4")


def test_allennlp_predict_takes_it_as_a_predictor_argument(archive_path, int8_predictor, tmp_path):
    input_file = tmp_path / "input.jsonl"
    input_file.write_text(DOCUMENTS.read_text(encoding="utf-8"), encoding="utf-8")
    outputs = {}
    for name, arguments in (("float", []), ("int8", ["--predictor-args", '{"quantize": "int8"}'])):
        output_file = tmp_path / f"{name}.jsonl"
        completed = subprocess.run(
            [ALLENNLP, "predict", str(archive_path), str(input_file), "--output-file",
             str(output_file), "--silent", "--include-package", "hmtl_allennlp", *arguments],
            env={**os.environ, "OMP_NUM_THREADS": "1"},
            cwd=REPOSITORY_ROOT,
            capture_output=True,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-3000:].decode()
        outputs[name] = [json.loads(line) for line in output_file.read_text().splitlines()]
    # The command predicts with the quantized model, as the predictor built in Python does.
    assert rounded(outputs["int8"]) == rounded(predict_all(int8_predictor))
    assert rounded(outputs["int8"]) != rounded(outputs["float"])


def test_the_demo_serves_the_quantized_model(archive_path):
    server = DemoServer(load_archive(str(archive_path)), str(archive_path), port=0, quantize="int8")
    try:
        assert any(isinstance(module, dynamic.LSTM) for module in server.predictor._model.modules())
    finally:
        server.server_close()
