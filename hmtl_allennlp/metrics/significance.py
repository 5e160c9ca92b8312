"""
Paired significance tests of the difference between two systems' corpus scores, over items
(sentences for span and relation F1, documents for coreference), as recommended for NLP by
Dror et al. (2018), "The Hitchhiker's Guide to Testing Statistical Significance in Natural
Language Processing".

Each item carries, for each system, additive counts whose sums over the items give the corpus
score: (true positives, predicted, gold) for micro-averaged F1; for the CoNLL coreference F1 the
recall and precision numerators and denominators of MUC, B-cubed and CEAF-e, which the reference
scorer sums over documents before dividing (`hmtl_allennlp.metrics.conll_coref_scores`). The
statistic is the difference of the two corpus scores, so the tests respect that F1 is not a mean
over items.

- Approximate randomization (Noreen 1989, "Computer-Intensive Methods for Testing Hypotheses"):
  under the null hypothesis that the systems are interchangeable, swapping their counts on any
  item is as likely as not. Each trial swaps every item's counts with probability 1/2, and
  `p = (trials with |difference| >= observed + 1) / (trials + 1)`; with `exact`, all 2^n
  swaps of n items are enumerated instead, and p is their fraction with |difference| >=
  observed (the identity among them).
- Paired bootstrap (Efron and Tibshirani 1993; Berg-Kirkpatrick, Burkett and Klein 2012, "An
  Empirical Investigation of Statistical Significance in NLP"): items resampled with
  replacement, the same items for both systems; the distribution of the difference, shifted to
  mean zero, gives the two-sided
  `p = (samples with |difference - observed| >= |observed| + 1) / (samples + 1)`.
"""

from dataclasses import dataclass
from typing import Callable, Dict, List

import numpy

# A corpus score from counts summed over items: (..., number of counts) -> (...).
ScoreFunction = Callable[[numpy.ndarray], numpy.ndarray]

F1_COUNTS = ["true_positives", "predicted", "gold"]
"""The counts of one item for micro-averaged F1 (spans, relations)."""

COREF_METRICS = ["muc", "b3", "ceafe"]
COREF_COUNTS = [
    f"{metric}_{part}"
    for metric in COREF_METRICS
    for part in (
        "recall_numerator",
        "recall_denominator",
        "precision_numerator",
        "precision_denominator",
    )
]
"""The counts of one document for the CoNLL coreference F1, in the order of `CorefCounts`."""

# Differences closer than this are ties: the same score computed from counts summed in another
# order can differ in the last bits.
_TIE_TOLERANCE = 1e-12
# Trials per matrix product, to bound the memory of the swap masks (trials x items).
_CHUNK = 1000
# The most items `exact` enumerates (2^20 swaps).
MAX_EXACT_ITEMS = 20


def _ratio(numerator: numpy.ndarray, denominator: numpy.ndarray) -> numpy.ndarray:
    # 0 where the denominator is 0, as the metrics have it.
    return numpy.divide(
        numerator, denominator, out=numpy.zeros_like(numerator), where=denominator != 0
    )


def _f1(precision: numpy.ndarray, recall: numpy.ndarray) -> numpy.ndarray:
    return _ratio(2 * precision * recall, precision + recall)


def f1_from_counts(counts: numpy.ndarray) -> numpy.ndarray:
    """Micro-averaged F1 from summed `F1_COUNTS`, along the last axis."""
    counts = numpy.asarray(counts, dtype=numpy.float64)
    true_positives, predicted, gold = counts[..., 0], counts[..., 1], counts[..., 2]
    return _f1(_ratio(true_positives, predicted), _ratio(true_positives, gold))


def coref_f1_from_counts(counts: numpy.ndarray) -> numpy.ndarray:
    """The CoNLL F1 (mean of MUC, B-cubed and CEAF-e F1) from summed `COREF_COUNTS`."""
    counts = numpy.asarray(counts, dtype=numpy.float64)
    total = numpy.zeros(counts.shape[:-1])
    for index in range(len(COREF_METRICS)):
        recall_numerator, recall_denominator, precision_numerator, precision_denominator = (
            counts[..., 4 * index + position] for position in range(4)
        )
        total = total + _f1(
            _ratio(precision_numerator, precision_denominator),
            _ratio(recall_numerator, recall_denominator),
        )
    return total / len(COREF_METRICS)


SCORES: Dict[str, ScoreFunction] = {"f1": f1_from_counts, "coref_avg_f1": coref_f1_from_counts}
"""The corpus score of each kind of counts, by the name the counts files give it."""

COUNT_NAMES: Dict[str, List[str]] = {"f1": F1_COUNTS, "coref_avg_f1": COREF_COUNTS}


@dataclass
class SignificanceResult:
    """
    # Parameters

    score_a : `float`
        The corpus score of system A (from its summed counts).
    score_b : `float`
        The corpus score of system B.
    p_value : `float`
        Two-sided: how likely a difference at least as large as `score_a - score_b` is under the
        null hypothesis that the systems do equally well.
    trials : `int`
        The shuffles or bootstrap samples drawn (for `exact`, the 2^n swaps enumerated).
    items : `int`
        The number of paired items.
    test : `str`
        "approximate_randomization", "exact_randomization" or "bootstrap".
    """

    score_a: float
    score_b: float
    p_value: float
    trials: int
    items: int
    test: str

    @property
    def difference(self) -> float:
        return self.score_a - self.score_b


def _check_pair(counts_a: numpy.ndarray, counts_b: numpy.ndarray) -> None:
    if counts_a.ndim != 2 or counts_a.shape != counts_b.shape:
        raise ValueError(
            "The two systems need counts of the same shape (items, counts per item), got "
            f"{counts_a.shape} and {counts_b.shape}."
        )
    if counts_a.shape[0] == 0:
        raise ValueError("No items to test.")


def approximate_randomization(
    counts_a: numpy.ndarray,
    counts_b: numpy.ndarray,
    score: ScoreFunction,
    trials: int = 10000,
    seed: int = 0,
    exact: bool = False,
) -> SignificanceResult:
    """
    The paired approximate randomization test (Noreen 1989) of `score(A) - score(B)`.

    # Parameters

    counts_a : `numpy.ndarray`
        System A's counts, one row per item, whose column sums `score` turns into the corpus
        score.
    counts_b : `numpy.ndarray`
        System B's counts of the same items, in the same order.
    score : `ScoreFunction`
        The corpus score of summed counts, vectorised over leading axes (e.g. `f1_from_counts`).
    trials : `int`, optional (default = `10000`)
        The number of random shuffles.
    seed : `int`, optional (default = `0`)
        Seeds the shuffles.
    exact : `bool`, optional (default = `False`)
        Enumerate all 2^n swaps of the n items instead of sampling them (at most
        `MAX_EXACT_ITEMS` items): the exact permutation test, which the sampled one estimates.
    """
    counts_a = numpy.asarray(counts_a, dtype=numpy.float64)
    counts_b = numpy.asarray(counts_b, dtype=numpy.float64)
    _check_pair(counts_a, counts_b)
    num_items = counts_a.shape[0]
    sum_a, sum_b = counts_a.sum(axis=0), counts_b.sum(axis=0)
    score_a, score_b = float(score(sum_a)), float(score(sum_b))
    observed = abs(score_a - score_b)
    # Swapping item i moves (b_i - a_i) from B's sums to A's.
    moved = counts_b - counts_a

    def at_least_observed(masks: numpy.ndarray) -> int:
        shift = masks @ moved
        differences = score(sum_a + shift) - score(sum_b - shift)
        return int(numpy.sum(numpy.abs(differences) >= observed - _TIE_TOLERANCE))

    if exact:
        if num_items > MAX_EXACT_ITEMS:
            raise ValueError(
                f"exact enumerates 2^n swaps; {num_items} items is more than {MAX_EXACT_ITEMS}."
            )
        total = 2**num_items
        hits = 0
        for start in range(0, total, _CHUNK):
            codes = numpy.arange(start, min(start + _CHUNK, total))
            masks = ((codes[:, None] >> numpy.arange(num_items)) & 1).astype(numpy.float64)
            hits += at_least_observed(masks)
        return SignificanceResult(
            score_a, score_b, hits / total, total, num_items, "exact_randomization"
        )
    if trials < 1:
        raise ValueError(f"trials must be at least 1, got {trials}.")
    random = numpy.random.default_rng(seed)
    hits = 0
    for start in range(0, trials, _CHUNK):
        size = min(_CHUNK, trials - start)
        masks = (random.random((size, num_items)) < 0.5).astype(numpy.float64)
        hits += at_least_observed(masks)
    return SignificanceResult(
        score_a, score_b, (hits + 1) / (trials + 1), trials, num_items, "approximate_randomization"
    )


def paired_bootstrap(
    counts_a: numpy.ndarray,
    counts_b: numpy.ndarray,
    score: ScoreFunction,
    samples: int = 10000,
    seed: int = 0,
) -> SignificanceResult:
    """
    The paired bootstrap test of `score(A) - score(B)` (Berg-Kirkpatrick et al. 2012, made
    two-sided by centring the bootstrap distribution of the difference on zero). Parameters as
    for `approximate_randomization`, `samples` the number of bootstrap samples.
    """
    counts_a = numpy.asarray(counts_a, dtype=numpy.float64)
    counts_b = numpy.asarray(counts_b, dtype=numpy.float64)
    _check_pair(counts_a, counts_b)
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}.")
    num_items = counts_a.shape[0]
    score_a = float(score(counts_a.sum(axis=0)))
    score_b = float(score(counts_b.sum(axis=0)))
    observed = score_a - score_b
    random = numpy.random.default_rng(seed)
    hits = 0
    for start in range(0, samples, _CHUNK):
        size = min(_CHUNK, samples - start)
        # How often each item is drawn in each sample of n items with replacement.
        weights = random.multinomial(num_items, numpy.full(num_items, 1 / num_items), size=size)
        weights = weights.astype(numpy.float64)
        differences = score(weights @ counts_a) - score(weights @ counts_b)
        hits += int(numpy.sum(numpy.abs(differences - observed) >= abs(observed) - _TIE_TOLERANCE))
    return SignificanceResult(
        score_a, score_b, (hits + 1) / (samples + 1), samples, num_items, "bootstrap"
    )
