import numpy
import pytest

from hmtl_allennlp.metrics.conll_coref_scores import CorefScores, document_counts
from hmtl_allennlp.metrics.significance import (
    approximate_randomization,
    coref_f1_from_counts,
    f1_from_counts,
    paired_bootstrap,
)

# One sentence with one gold span, found by A and not by B: (true positives, predicted, gold).
RIGHT, WRONG = [1, 1, 1], [0, 1, 1]
# A sentence both systems get equally right.
SAME = [2, 3, 2]


def test_f1_from_counts_is_micro_f1_and_zero_without_predictions():
    assert f1_from_counts(numpy.array([3, 4, 6])) == pytest.approx(2 * 0.75 * 0.5 / 1.25)
    assert f1_from_counts(numpy.array([[0, 0, 5], [2, 2, 2]])).tolist() == [0.0, 1.0]


def test_identical_systems_give_p_one():
    counts = numpy.array([RIGHT, WRONG, SAME, [0, 2, 1]])
    for test in (
        approximate_randomization(counts, counts, f1_from_counts, trials=500),
        approximate_randomization(counts, counts, f1_from_counts, exact=True),
        paired_bootstrap(counts, counts, f1_from_counts, samples=500),
    ):
        assert test.p_value == 1.0
        assert test.difference == 0.0


def test_exact_enumeration_by_hand():
    # Three sentences A gets right and B wrong, and one both get equally right. With k of the
    # three swapped, A has 5 - k true positives and B 2 + k, of 6 predicted and 5 gold spans
    # each, so F1 = 2 tp / 11 and the difference is 2 (3 - 2k) / 11, whatever the fourth item's
    # state; only k = 0 and k = 3 reach the observed 6 / 11 in absolute value: 4 of the 16 swaps.
    a = numpy.array([RIGHT, RIGHT, RIGHT, SAME])
    b = numpy.array([WRONG, WRONG, WRONG, SAME])
    result = approximate_randomization(a, b, f1_from_counts, exact=True)
    assert (result.score_a, result.score_b) == (pytest.approx(10 / 11), pytest.approx(4 / 11))
    assert result.p_value == 4 / 16
    assert (result.trials, result.items, result.test) == (16, 4, "exact_randomization")
    # The sampled test estimates it; its smallest possible p is 1 / (trials + 1).
    sampled = approximate_randomization(a, b, f1_from_counts, trials=10000, seed=3)
    assert sampled.p_value == pytest.approx(0.25, abs=0.015)


def test_sampled_p_estimates_the_exact_p_on_unequal_items():
    random = numpy.random.default_rng(0)
    gold = random.integers(1, 6, size=12)
    a = numpy.stack([numpy.minimum(gold, random.integers(0, 6, 12)), gold + 1, gold], axis=1)
    b = numpy.stack([numpy.minimum(gold, random.integers(0, 6, 12)), gold, gold], axis=1)
    exact = approximate_randomization(a, b, f1_from_counts, exact=True)
    assert 0.01 < exact.p_value < 0.99  # a case where sampling has something to estimate
    sampled = approximate_randomization(a, b, f1_from_counts, trials=10000, seed=1)
    # 4 standard errors of a proportion estimated from 10,000 draws.
    tolerance = 4 * (exact.p_value * (1 - exact.p_value) / 10000) ** 0.5
    assert sampled.p_value == pytest.approx(exact.p_value, abs=tolerance)
    # The same seed draws the same shuffles.
    again = approximate_randomization(a, b, f1_from_counts, trials=10000, seed=1)
    assert again.p_value == sampled.p_value


def test_a_clearly_better_system_gets_a_small_p():
    # 200 sentences: A finds the span in 150, B in 90 of them (the same 90 and 60 more).
    a = numpy.array([RIGHT] * 150 + [WRONG] * 50)
    b = numpy.array([RIGHT] * 90 + [WRONG] * 110)
    randomization = approximate_randomization(a, b, f1_from_counts, trials=2000)
    assert randomization.difference == pytest.approx(0.75 - 0.45)
    assert randomization.p_value == 1 / 2001
    assert paired_bootstrap(a, b, f1_from_counts, samples=2000).p_value < 0.001
    # Two more sentences right out of 200 are no evidence (the exact sign test of two
    # discordant items gives 0.5; the bootstrap is less conservative on so few).
    close = numpy.array([RIGHT] * 92 + [WRONG] * 108)
    assert approximate_randomization(close, b, f1_from_counts, trials=2000).p_value > 0.4
    assert paired_bootstrap(close, b, f1_from_counts, samples=2000).p_value > 0.2


def test_coreference_counts_give_the_conll_f1_of_the_metric():
    documents = [
        # (gold clusters, predicted clusters)
        ([[(0, 0), (2, 2), (5, 6)], [(8, 8)]], [[(0, 0), (2, 2)], [(5, 6), (8, 8)]]),
        ([[(1, 1), (3, 4)]], [[(1, 1), (3, 4)], [(7, 7), (9, 9)]]),
    ]
    metric = CorefScores()
    rows = []
    for gold, predicted in documents:
        metric([predicted], [gold])
        counts = document_counts(predicted, gold)
        rows.append([count for name in ("muc", "b3", "ceafe") for count in counts[name]])
    counts = numpy.array(rows)
    assert coref_f1_from_counts(counts.sum(axis=0)) == pytest.approx(metric.get_metric()["avg_f1"])
    result = approximate_randomization(counts, counts[::-1], coref_f1_from_counts, exact=True)
    assert 0 < result.p_value <= 1


def test_mismatched_or_too_many_items_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        approximate_randomization(numpy.ones((3, 3)), numpy.ones((2, 3)), f1_from_counts)
    with pytest.raises(ValueError, match="No items"):
        paired_bootstrap(numpy.ones((0, 3)), numpy.ones((0, 3)), f1_from_counts)
    with pytest.raises(ValueError, match="more than 20"):
        approximate_randomization(
            numpy.ones((21, 3)), numpy.ones((21, 3)), f1_from_counts, exact=True
        )
