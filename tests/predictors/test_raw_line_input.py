"""`allennlp predict` hands JSON lines to the predictor that builds the raw-line manager."""

import json

import pytest
from allennlp.commands import predict

from hmtl_allennlp.predictors import HmtlPredictor, JsonLine
from hmtl_allennlp.predictors.raw_line_input import RawLinePredictManager

STOCK_MANAGER = RawLinePredictManager.__bases__[0]


@pytest.mark.slow
def test_building_an_hmtl_predictor_installs_the_raw_line_manager(archive_path, monkeypatch):
    monkeypatch.setattr(predict, "_PredictManager", STOCK_MANAGER)
    HmtlPredictor.from_path(archive_path, "hmtl")
    assert predict._PredictManager is RawLinePredictManager


class LinePredictor:
    """What the stock manager asks of a predictor: decoded lines in, one output per line."""

    def load_line(self, line):
        return {"line": line.strip()}

    def predict_json(self, inputs):
        assert not isinstance(inputs, JsonLine)
        return {"predicted": inputs["line"]}

    def predict_batch_json(self, inputs):
        return [self.predict_json(json_input) for json_input in inputs]

    def dump_line(self, output):
        return json.dumps(output) + "\n"


@pytest.mark.parametrize("batch_size", [1, 2])
def test_other_predictors_are_served_by_the_stock_reading(tmp_path, batch_size):
    input_file, output_file = tmp_path / "input.jsonl", tmp_path / "output.jsonl"
    input_file.write_text("first\n\nsecond\nthird\n", encoding="utf-8")
    manager = RawLinePredictManager(
        LinePredictor(), str(input_file), str(output_file), batch_size, False, False, None
    )
    manager.run()
    outputs = [json.loads(line) for line in output_file.read_text(encoding="utf-8").splitlines()]
    assert outputs == [{"predicted": "first"}, {"predicted": "second"}, {"predicted": "third"}]
