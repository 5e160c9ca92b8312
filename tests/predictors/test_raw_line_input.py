"""`allennlp predict` reads raw lines for the predictor that builds the raw-line manager."""

import pytest
from allennlp.commands import predict

from hmtl_allennlp.predictors import HmtlPredictor
from hmtl_allennlp.predictors.raw_line_input import RawLinePredictManager

STOCK_MANAGER = RawLinePredictManager.__bases__[0]


@pytest.mark.slow
def test_building_an_hmtl_predictor_installs_the_raw_line_manager(archive_path, monkeypatch):
    monkeypatch.setattr(predict, "_PredictManager", STOCK_MANAGER)
    HmtlPredictor.from_path(archive_path, "hmtl")
    assert predict._PredictManager is RawLinePredictManager


def test_other_predictors_are_served_by_the_stock_reading(tmp_path):
    class LinePredictor:
        def load_line(self, line):
            return {"line": line.strip()}

    input_file = tmp_path / "input.jsonl"
    input_file.write_text("first\nsecond\n", encoding="utf-8")
    manager = RawLinePredictManager(LinePredictor(), str(input_file), None, 1, False, False, None)
    assert list(manager._get_json_data()) == [{"line": "first"}, {"line": "second"}]
