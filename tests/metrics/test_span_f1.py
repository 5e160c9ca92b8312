from fractions import Fraction

import pytest
from allennlp.training.metrics import Metric

from hmtl_allennlp.metrics import SpanF1


def exactly(fraction: Fraction):
    return pytest.approx(float(fraction), abs=1e-12)


def test_micro_and_per_label_scores_over_two_batches():
    metric = SpanF1()
    metric(
        predicted_spans=[
            [(0, 1, "PER"), (3, 4, "LOC"), (6, 6, "ORG")],
            [],
        ],
        gold_spans=[
            [(0, 1, "PER"), (3, 3, "LOC")],
            # The same gold span twice is one span.
            [(2, 2, "ORG"), (2, 2, "ORG")],
        ],
    )
    # Spans from JSON metadata come as lists.
    metric(
        predicted_spans=[[[5, 5, "PER"], [7, 8, "LOC"]]],
        gold_spans=[[[5, 5, "LOC"], [7, 8, "LOC"]]],
    )
    # PER: right (0, 1); wrong label on (5, 5)       -> tp 1, fp 1, fn 0
    # LOC: (3, 4) vs (3, 3) wrong end, (5, 5) missed, (7, 8) right -> tp 1, fp 1, fn 2
    # ORG: (6, 6) invented, (2, 2) missed              -> tp 0, fp 1, fn 1
    # micro: tp 2, fp 3, fn 3 -> P = 2/5, R = 2/5, F1 = 2/5
    metrics = metric.get_metric()
    assert list(metrics) == [
        "precision", "recall", "f1",
        "LOC_precision", "LOC_recall", "LOC_f1",
        "ORG_precision", "ORG_recall", "ORG_f1",
        "PER_precision", "PER_recall", "PER_f1",
    ]  # fmt: skip
    assert metrics["precision"] == exactly(Fraction(2, 5))
    assert metrics["recall"] == exactly(Fraction(2, 5))
    assert metrics["f1"] == exactly(Fraction(2, 5))
    # PER: P = 1/2, R = 1/1, F1 = 2 * 1/2 * 1 / (3/2) = 2/3
    assert metrics["PER_precision"] == exactly(Fraction(1, 2))
    assert metrics["PER_recall"] == 1.0
    assert metrics["PER_f1"] == exactly(Fraction(2, 3))
    # LOC: P = 1/2, R = 1/3, F1 = 2 * 1/6 / (5/6) = 2/5
    assert metrics["LOC_precision"] == exactly(Fraction(1, 2))
    assert metrics["LOC_recall"] == exactly(Fraction(1, 3))
    assert metrics["LOC_f1"] == exactly(Fraction(2, 5))
    assert (metrics["ORG_precision"], metrics["ORG_recall"], metrics["ORG_f1"]) == (0.0, 0.0, 0.0)


def test_predicted_duplicates_count_once_and_reset_clears_counts():
    metric = SpanF1()
    metric([[(0, 0, "PER"), (0, 0, "PER")]], [[(0, 0, "PER")]])
    assert metric.get_metric(reset=True) == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0,
        "PER_precision": 1.0, "PER_recall": 1.0, "PER_f1": 1.0,
    }  # fmt: skip
    assert metric.get_metric() == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_sentences_without_gold_spans_count_their_false_positives():
    metric = SpanF1()
    metric([[(0, 0, "PER")], [(1, 2, "ORG")]], [[(0, 0, "PER")], []])
    # tp 1, fp 1, fn 0 -> P = 1/2, R = 1
    metrics = metric.get_metric()
    assert metrics["precision"] == exactly(Fraction(1, 2))
    assert metrics["recall"] == 1.0


def test_batch_of_mismatched_lengths_is_an_error():
    with pytest.raises(ValueError, match="1 predicted span lists but 2 gold"):
        SpanF1()([[]], [[], []])


def test_registered():
    assert Metric.by_name("labelled_span_f1") is SpanF1
