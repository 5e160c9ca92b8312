"""
Expected values are those of the official CoNLL-2012 reference scorer (v8.01), worked out by
hand from its definitions (see hmtl_allennlp/metrics/conll_coref_scores.py):

- MUC recall = sum_K (|K| - |p(K)|) / sum_K (|K| - 1); precision swaps key and response;
- B3 recall = sum_{K,R} |K & R|^2 / |K| / #key mentions; precision divides by |R| and by
  #response mentions; singletons and twinless mentions included;
- CEAF-e: best one-to-one alignment of phi4(K, R) = 2 |K & R| / (|K| + |R|), divided by
  #key clusters (recall) and #response clusters (precision), singletons included.

The TC-A cases are the reference scorer's own test cases (test/CorefMetricTestConfig.pm and
test/TestCases.README of conll/reference-coreference-scorers): key {a} {b c} {d e f}.
"""

from fractions import Fraction
from typing import Dict, List, Optional, Tuple

import pytest
from allennlp.training.metrics import Metric

from hmtl_allennlp.metrics import CorefScores
from hmtl_allennlp.metrics.conll_coref_scores import (
    b_cubed_counts,
    ceafe_counts,
    deduplicated_clusters,
    muc_counts,
)

# One-token mentions named as in the scorer's test cases; B overlaps b (a different span).
a, b, c, d, e, f, x, y, z = ((token, token) for token in range(9))
B = (1, 2)
TC_A_KEY = [[a], [b, c], [d, e, f]]


def exactly(fraction) -> float:
    return pytest.approx(float(fraction), abs=1e-12)


def scores(
    response: List[List[Tuple[int, int]]],
    key: List[List[Tuple[int, int]]],
    predicted_mentions: Optional[List[Tuple[int, int]]] = None,
) -> Dict[str, float]:
    metric = CorefScores()
    metric([response], [key], None if predicted_mentions is None else [predicted_mentions])
    return metric.get_metric()


def assert_scores(metrics: Dict[str, float], metric: str, recall, precision) -> None:
    assert metrics[f"{metric}_recall"] == exactly(recall)
    assert metrics[f"{metric}_precision"] == exactly(precision)
    f1 = 0 if recall + precision == 0 else 2 * recall * precision / (recall + precision)
    assert metrics[f"{metric}_f1"] == exactly(f1)


def test_tc_a_1_perfect_response():
    metrics = scores([[a], [b, c], [d, e, f]], TC_A_KEY)
    for metric in ("muc", "b3", "ceafe"):
        assert_scores(metrics, metric, 1, 1)
    assert metrics["avg_f1"] == 1.0


def test_tc_a_2_missing_mentions_and_entities():
    metrics = scores([[a], [d, e]], TC_A_KEY)
    # MUC: recall {bc} 2 parts: 0/1, {def} parts {de} {f}: 1/2 -> 1/3; precision {de}: 1/1.
    assert_scores(metrics, "muc", Fraction(1, 3), Fraction(1, 1))
    # B3 recall: (1^2/1 + 2^2/3) / 6 = (7/3) / 6; precision: (1 + 2^2/2) / 3 = 3/3.
    assert_scores(metrics, "b3", Fraction(7, 3) / 6, Fraction(3, 3))
    # CEAF-e: a-a 1, def-de 2*2/5 = 4/5: 9/5; recall (9/5)/3 = 0.6, precision (9/5)/2 = 0.9.
    assert_scores(metrics, "ceafe", Fraction(9, 5) / 3, Fraction(9, 5) / 2)


def test_tc_a_3_false_alarm_mentions_and_entities():
    metrics = scores([[a], [b, c, x], [d, e, f, y], [z]], TC_A_KEY)
    # MUC recall: {bc} 1/1, {def} 2/2 -> 3/3; precision {bcx} parts {bc}{x}: 1/2,
    # {defy} parts {def}{y}: 2/3 -> 3/5.
    assert_scores(metrics, "muc", Fraction(3, 3), Fraction(3, 5))
    # B3 recall: (1 + 4/2 + 9/3) / 6 = 6/6; precision: (1 + 4/3 + 9/4 + 0) / 9 = (4 + 7/12) / 9.
    assert_scores(metrics, "b3", Fraction(6, 6), (4 + Fraction(7, 12)) / 9)
    # CEAF-e: 1 + 2*2/5 + 2*3/7 = 93/35; recall (93/35)/3 = 0.88571, precision /4 = 0.66429.
    assert_scores(metrics, "ceafe", Fraction(93, 35) / 3, Fraction(93, 35) / 4)


# TC-A-4 and the three cases that must reduce to it once repeated response mentions are removed.
TC_A_4_LIKE = {
    "tc_a_4": [[a], [b, c, x], [d, y], [z]],
    # TC-A-7: b repeated in its own cluster.
    "tc_a_7": [[a], [b, c, x, b], [d, y], [z]],
    # TC-A-8: b repeated in a later cluster: the first occurrence stays.
    "tc_a_8": [[a], [b, c, x], [d, y], [b, z]],
    # TC-A-9: b repeated ten times in a later cluster.
    "tc_a_9": [[a], [b, c, x], [d, y], [b] * 10 + [z]],
}


@pytest.mark.parametrize("response", TC_A_4_LIKE.values(), ids=TC_A_4_LIKE.keys())
def test_tc_a_4_and_repeated_mentions(response):
    metrics = scores(response, TC_A_KEY)
    # MUC recall: {bc} 1/1, {def} in three parts 0/2 -> 1/3; precision: {bcx} 1/2, {dy} 0/1 -> 1/3.
    assert_scores(metrics, "muc", Fraction(1, 3), Fraction(1, 3))
    # B3 recall: (1 + 4/2 + 1/3) / 6; precision: (1 + 4/3 + 1/2 + 0) / 7.
    assert_scores(
        metrics, "b3", (3 + Fraction(1, 3)) / 6, (1 + Fraction(4, 3) + Fraction(1, 2)) / 7
    )
    # CEAF-e: 1 + 4/5 + 2/5 = 2.2; recall 2.2/3, precision 2.2/4.
    assert_scores(metrics, "ceafe", Fraction(11, 5) / 3, Fraction(11, 5) / 4)


def test_tc_a_5_overlapping_mention_in_aligned_entity():
    metrics = scores([[a], [b, c, x, B], [d, y], [z]], TC_A_KEY)
    # MUC precision: {bcxB} parts {bc}{x}{B}: 1/3, {dy} 0/1 -> 1/4.
    assert_scores(metrics, "muc", Fraction(1, 3), Fraction(1, 4))
    # B3 precision: (1 + 4/4 + 1/2 + 0) / 8 = 2.5/8.
    assert_scores(metrics, "b3", (3 + Fraction(1, 3)) / 6, Fraction(5, 2) / 8)
    # CEAF-e: 1 + 2*2/6 + 2/5 = 31/15; recall (31/15)/3 = 0.68889, precision /4 = 0.51667.
    assert_scores(metrics, "ceafe", Fraction(31, 15) / 3, Fraction(31, 15) / 4)


def test_tc_a_6_overlapping_mention_in_unaligned_entity():
    metrics = scores([[a], [b, c, x], [d, y], [B, z]], TC_A_KEY)
    # MUC precision: {bcx} 1/2, {dy} 0/1, {Bz} two twinless parts 0/1 -> 1/4.
    assert_scores(metrics, "muc", Fraction(1, 3), Fraction(1, 4))
    # B3 precision: (1 + 4/3 + 1/2 + 0) / 8.
    assert_scores(metrics, "b3", Fraction(10, 3) / 6, (1 + Fraction(4, 3) + Fraction(1, 2)) / 8)
    assert_scores(metrics, "ceafe", Fraction(11, 5) / 3, Fraction(11, 5) / 4)


def test_all_singletons_response():
    # The expected MUC and B3 values of the scorer's TC-A-10 (response: every key mention alone).
    metrics = scores([[a], [b], [c], [d], [e], [f]], TC_A_KEY)
    # MUC: no response link: recall 0/3, precision 0/0.
    assert_scores(metrics, "muc", 0, 0)
    # B3 recall: (1 + 1/2 + 1/2 + 3 * 1/3) / 6 = 3/6; precision 6/6.
    assert_scores(metrics, "b3", Fraction(3, 6), Fraction(6, 6))
    # CEAF-e: a-{a} 1, bc-{b} 2/3, def-{d} 2/4: 13/6; recall (13/6)/3, precision (13/6)/6.
    assert_scores(metrics, "ceafe", Fraction(13, 18), Fraction(13, 36))


def test_single_entity_response():
    # The expected MUC and B3 values of the scorer's TC-A-11 (response: one entity of all).
    metrics = scores([[a, b, c, d, e, f]], TC_A_KEY)
    # MUC: recall 3/3; precision: one cluster in three parts, (6 - 3) / 5.
    assert_scores(metrics, "muc", Fraction(3, 3), Fraction(3, 5))
    # B3: recall 6/6; precision (1/6 + 2*2/6 + 3*3/6) / 6.
    assert_scores(
        metrics, "b3", Fraction(6, 6), (Fraction(1, 6) + Fraction(4, 6) + Fraction(9, 6)) / 6
    )
    # CEAF-e: best pair def-abcdef 2*3/9 = 2/3; recall (2/3)/3, precision (2/3)/1.
    assert_scores(metrics, "ceafe", Fraction(2, 9), Fraction(2, 3))


def test_twinless_response_mentions_and_singletons():
    key = [[(0, 0), (1, 1)], [(2, 2)]]
    # (9, 9) and (8, 8) are not in the key; (8, 8) is a twinless singleton, (2, 2) is missed.
    response = [[(0, 0), (1, 1), (9, 9)], [(8, 8)]]
    metrics = scores(response, key)
    # MUC recall: {01} one part, 1/1 (the key singleton adds 0/0); precision: {0 1 9} parts
    # {01}{9}: (3 - 2) / 2, {8}: 0/0 -> 1/2.
    assert_scores(metrics, "muc", Fraction(1, 1), Fraction(1, 2))
    # B3 recall: 2^2/2 / 3 key mentions = 2/3; precision: 2^2/3 / 4 response mentions = 1/3.
    assert_scores(metrics, "b3", Fraction(2, 3), Fraction(1, 3))
    # CEAF-e: {01}-{019} 2*2/5 = 4/5; recall (4/5)/2 key clusters, precision (4/5)/2 response
    # clusters: the twinless singleton {8} counts, as in v8.01 (no Cai and Strube removal).
    assert_scores(metrics, "ceafe", Fraction(2, 5), Fraction(2, 5))
    # Average F1: MUC 2/3, B3 4/9, CEAF-e 2/5 -> (30 + 20 + 18) / 45 / 3 = 68/135.
    assert metrics["avg_f1"] == exactly(Fraction(68, 135))


def test_empty_response():
    metrics = scores([], [[(0, 0), (1, 1)], [(2, 2)]])
    # Recall 0 / (1 link, 3 mentions, 2 clusters); precision 0/0.
    assert set(metrics.values()) == {0.0}


def test_empty_key():
    metrics = scores([[(0, 0), (1, 1)]], [])
    # Precision 0 / (1 link, 2 mentions, 1 cluster); recall 0/0; mention recall 0/0.
    assert set(metrics.values()) == {0.0}


def test_nothing_scored_gives_zeros():
    assert set(CorefScores().get_metric().values()) == {0.0}


def test_documents_are_micro_averaged():
    metric = CorefScores()
    # TC-A-2 and TC-A-3 as two documents of one batch.
    metric(
        [[[a], [d, e]], [[a], [b, c, x], [d, e, f, y], [z]]],
        [TC_A_KEY, TC_A_KEY],
    )
    metrics = metric.get_metric()
    # MUC: recall (1 + 3) / (3 + 3), precision (1 + 3) / (1 + 5).
    assert_scores(metrics, "muc", Fraction(4, 6), Fraction(4, 6))
    # B3: recall (7/3 + 6) / (6 + 6) = 25/36; precision (3 + 55/12) / (3 + 9) = 91/144.
    assert_scores(metrics, "b3", Fraction(25, 36), Fraction(91, 144))
    # CEAF-e: (9/5 + 93/35) = 156/35; recall over 3 + 3 key clusters, precision over 2 + 4.
    assert_scores(metrics, "ceafe", Fraction(156, 35) / 6, Fraction(156, 35) / 6)


def test_mention_recall_uses_the_predicted_mentions():
    key = [[(0, 0), (1, 1)], [(2, 2)]]
    metrics = scores([[(0, 0), (1, 1)]], key, predicted_mentions=[(0, 0), (2, 2), (5, 5)])
    # (0, 0) and (2, 2) of the 3 gold mentions are among the predicted mentions.
    assert metrics["mention_recall"] == exactly(Fraction(2, 3))
    # Without them, the mentions of the predicted clusters: (0, 0) and (1, 1).
    assert scores([[(0, 0), (1, 1)]], key)["mention_recall"] == exactly(Fraction(2, 3))
    assert scores([[(5, 5), (1, 1)]], key)["mention_recall"] == exactly(Fraction(1, 3))


def test_get_metric_keys_and_reset():
    metric = CorefScores()
    metric([[[a], [b, c]]], [TC_A_KEY])
    assert list(metric.get_metric(reset=True)) == [
        "muc_precision", "muc_recall", "muc_f1",
        "b3_precision", "b3_recall", "b3_f1",
        "ceafe_precision", "ceafe_recall", "ceafe_f1",
        "avg_f1", "mention_recall",
    ]  # fmt: skip
    assert set(metric.get_metric().values()) == {0.0}


def test_counts_of_one_document():
    key = deduplicated_clusters([[[0, 0], [1, 1]], [[2, 2]], []])
    response = deduplicated_clusters([[(1, 1), (0, 0)], [(0, 0), (2, 2)]])
    # Lists become tuples, empty clusters go, the repeated (0, 0) keeps its first occurrence.
    assert key == [((0, 0), (1, 1)), ((2, 2),)]
    assert response == [((1, 1), (0, 0)), ((2, 2),)]
    # (recall numerator, recall denominator, precision numerator, precision denominator)
    assert muc_counts(key, response) == (1, 1, 1, 1)
    assert b_cubed_counts(key, response) == (3.0, 3, 3.0, 3)
    assert ceafe_counts(key, response) == (2.0, 2, 2.0, 2)


def test_registered():
    assert Metric.by_name("conll_coref") is CorefScores
