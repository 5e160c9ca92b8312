from collections import Counter
from typing import Dict, Iterable, Sequence, Set, Tuple

from allennlp.training.metrics.metric import Metric

from hmtl_allennlp.common.documents import Mention, as_mention
from hmtl_allennlp.metrics.util import (
    check_same_length,
    precision_recall_f1,
    sum_over_workers,
    union_over_workers,
)


@Metric.register("labelled_span_f1")
class SpanF1(Metric):
    """
    Micro-averaged and per-label precision, recall and F1 over labelled spans (named entities,
    entity mentions), counting a predicted span as right only when its start, end and label are
    all exactly those of a gold span.

    Unlike AllenNLP's `SpanBasedF1Measure` it takes decoded spans rather than tag tensors, so the
    model can score against the gold spans of the metadata (nested or overlapping spans that a
    tag sequence cannot encode are then counted as missed), and it sums its counts over
    distributed workers in `get_metric` (AllenNLP 2.10's `SpanBasedF1Measure` raises there).
    AllenNLP already registers that one as "span_f1", hence the name below.

    The spans of one instance are compared as sets: a span listed twice counts once.

    Registered as a `Metric` with name "labelled_span_f1".
    """

    supports_distributed = True

    def __init__(self) -> None:
        self._true_positives: Counter = Counter()
        self._false_positives: Counter = Counter()
        self._false_negatives: Counter = Counter()

    def __call__(  # type: ignore[override]
        self,
        predicted_spans: Sequence[Iterable[Mention]],
        gold_spans: Sequence[Iterable[Mention]],
    ) -> None:
        """
        # Parameters

        predicted_spans : `Sequence[Iterable[Mention]]`
            For each instance of the batch, its predicted labelled spans.
        gold_spans : `Sequence[Iterable[Mention]]`
            For each instance of the batch, its gold labelled spans, in the same offsets as the
            predictions.
        """
        check_same_length(predicted_spans, gold_spans, "span")
        for instance_predicted, instance_gold in zip(predicted_spans, gold_spans):
            predicted = _as_span_set(instance_predicted)
            gold = _as_span_set(instance_gold)
            self._true_positives.update(span.label for span in predicted & gold)
            self._false_positives.update(span.label for span in predicted - gold)
            self._false_negatives.update(span.label for span in gold - predicted)

    def get_metric(self, reset: bool = False) -> Dict[str, float]:
        """
        # Returns

        `Dict[str, float]`
            "precision", "recall" and "f1" (micro-averaged over all labels), then
            "<label>_precision", "<label>_recall" and "<label>_f1" for every label seen in the
            gold or predicted spans, labels in sorted order.
        """
        labels = union_over_workers(
            set(self._true_positives) | set(self._false_positives) | set(self._false_negatives)
        )
        # One row of (true positives, false positives, false negatives) per label.
        counts = sum_over_workers(
            [
                [
                    self._true_positives[label],
                    self._false_positives[label],
                    self._false_negatives[label],
                ]
                for label in labels
            ]
        ).reshape(len(labels), 3)
        true_positives, false_positives, false_negatives = counts.sum(dim=0).tolist()
        precision, recall, f1 = precision_recall_f1(
            true_positives, true_positives + false_positives, true_positives + false_negatives
        )
        metrics = {"precision": precision, "recall": recall, "f1": f1}
        for label, (true_positives, false_positives, false_negatives) in zip(
            labels, counts.tolist()
        ):
            precision, recall, f1 = precision_recall_f1(
                true_positives, true_positives + false_positives, true_positives + false_negatives
            )
            metrics[f"{label}_precision"] = precision
            metrics[f"{label}_recall"] = recall
            metrics[f"{label}_f1"] = f1
        if reset:
            self.reset()
        return metrics

    def reset(self) -> None:
        self._true_positives = Counter()
        self._false_positives = Counter()
        self._false_negatives = Counter()


def span_counts(predicted: Iterable[Mention], gold: Iterable[Mention]) -> Tuple[int, int, int]:
    """
    (true positives, predicted, gold) of one instance's labelled spans, compared as sets as
    `SpanF1` compares them: summed over instances, they give its micro-averaged scores.
    """
    predicted_set = _as_span_set(predicted)
    gold_set = _as_span_set(gold)
    return len(predicted_set & gold_set), len(predicted_set), len(gold_set)


def _as_span_set(spans: Iterable[Mention]) -> Set[Mention]:
    # Metadata read from JSON gives lists; hashable tuples of plain types make them comparable.
    return {as_mention(span) for span in spans}
