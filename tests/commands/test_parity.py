import pytest

from hmtl_allennlp.commands.parity import format_parity, prediction_parity

pytestmark = pytest.mark.slow

# The main metric of each level of the fixture model, as the model names it.
MAIN_METRICS = ["ner_f1", "emd_f1", "relation_strict_f1", "coref_avg_f1"]


def test_predictions_score_exactly_what_evaluate_reports(archive_path, repository_root):
    data = repository_root / "fixtures" / "data"
    dygie = str(data / "redocred_sample.jsonl")
    compared = prediction_parity(
        str(archive_path),
        {
            "ner": str(data / "gum_sample.gold_conll"),
            "emd": dygie,
            "relation": dygie,
            "coref": dygie,
        },
        batch_size=3,
    )
    # Every task of the fixture model, NER from CoNLL-2012 documents, the others from DyGIE ones.
    assert set(MAIN_METRICS) <= set(compared)
    for metric, (evaluated, predicted) in compared.items():
        assert predicted == pytest.approx(evaluated, abs=1e-12), metric
    # The fixture model gets some of everything right: the comparison is not of zeros.
    assert all(compared[metric][0] > 0 for metric in MAIN_METRICS)
    assert format_parity(compared).splitlines()[0].split() == [
        "metric",
        "evaluate",
        "predict",
        "difference",
    ]
