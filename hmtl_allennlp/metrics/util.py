"""
Helpers shared by the metrics: summing counts over distributed workers and turning counts into
precision, recall and F1.
"""

from typing import List, Sequence, Set, Tuple

import torch
import torch.distributed as dist
from allennlp.common.util import is_distributed
from allennlp.nn.util import dist_reduce_sum


def sum_over_workers(counts: Sequence) -> torch.Tensor:
    """
    Sums `counts` (numbers, or nested lists of numbers, of the same shape on every worker)
    element-wise over the distributed workers; outside distributed training it just returns
    them as a tensor. Float64 keeps integer counts exact and fractional numerators (B-cubed,
    CEAF) as precise as the scorer's own arithmetic.

    This is a collective operation under `torch.distributed`: every worker must call it the
    same number of times, in the same order.
    """
    return dist_reduce_sum(torch.tensor(counts, dtype=torch.float64))


def union_over_workers(labels: Set[str]) -> List[str]:
    """
    The sorted union of the `labels` seen by every distributed worker (each worker may have
    seen different labels, but the per-label counts must be summed in one shared order).
    A collective operation under `torch.distributed`, like `sum_over_workers`.
    """
    if not is_distributed():
        return sorted(labels)
    labels_of_each_worker: List[Set[str]] = [set() for _ in range(dist.get_world_size())]
    dist.all_gather_object(labels_of_each_worker, labels)
    return sorted(set().union(*labels_of_each_worker))


def precision_recall_f1(
    true_positives: float, num_predicted: float, num_gold: float
) -> Tuple[float, float, float]:
    """
    Precision, recall and their harmonic mean from counts; a ratio with a zero denominator is
    0.0, as in AllenNLP's metrics.
    """
    precision = true_positives / num_predicted if num_predicted else 0.0
    recall = true_positives / num_gold if num_gold else 0.0
    return precision, recall, f1_score(precision, recall)


def f1_score(precision: float, recall: float) -> float:
    """The harmonic mean of `precision` and `recall`, 0.0 when both are 0."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def check_same_length(predicted: Sequence, gold: Sequence, what: str) -> None:
    """Raises a `ValueError` when a batch has a different number of predictions and golds."""
    if len(predicted) != len(gold):
        raise ValueError(
            f"Got {len(predicted)} predicted {what} lists but {len(gold)} gold ones: "
            "the metric needs one of each per instance of the batch."
        )
