from typing import Dict, Sequence

from allennlp.training.metrics.metric import Metric

from hmtl_allennlp.metrics.util import check_same_length, sum_over_workers


@Metric.register("token_accuracy")
class TokenAccuracy(Metric):
    """
    The share of tokens whose predicted label is the gold one: the metric of a level with one
    label per token (part-of-speech tags). It takes decoded labels rather than tag tensors, so
    that the gold labels can come from the instance's metadata (a label that training never saw
    counts as wrong), and sums its counts over distributed workers in `get_metric`.

    Registered as a `Metric` with name "token_accuracy".
    """

    supports_distributed = True

    def __init__(self) -> None:
        self._correct = 0
        self._total = 0

    def __call__(  # type: ignore[override]
        self, predicted_labels: Sequence[Sequence[str]], gold_labels: Sequence[Sequence[str]]
    ) -> None:
        """
        # Parameters

        predicted_labels : `Sequence[Sequence[str]]`
            For each instance of the batch, the predicted label of each token.
        gold_labels : `Sequence[Sequence[str]]`
            For each instance of the batch, the gold label of each token.
        """
        check_same_length(predicted_labels, gold_labels, "label")
        for predicted, gold in zip(predicted_labels, gold_labels):
            check_same_length(predicted, gold, "token label")
            self._correct += sum(p == g for p, g in zip(predicted, gold))
            self._total += len(gold)

    def get_metric(self, reset: bool = False) -> Dict[str, float]:
        """
        # Returns

        `Dict[str, float]`
            "accuracy" (0.0 before any token).
        """
        correct, total = sum_over_workers([self._correct, self._total]).tolist()
        if reset:
            self.reset()
        return {"accuracy": correct / total if total else 0.0}

    def reset(self) -> None:
        self._correct = 0
        self._total = 0
