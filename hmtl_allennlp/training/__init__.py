"""
Training pieces for HMTL's multi-task training with AllenNLP's `GradientDescentTrainer`:
callbacks that count each task's batches, measure each task's gradients on the shared levels
and stop each task on its own patience, and a
learning-rate scheduler that reduces the rate on a plateau of the validation metric.
"""

from hmtl_allennlp.training.gradient_norms import GradientNormsCallback
from hmtl_allennlp.training.reduce_lr_on_plateau import ReduceLrOnPlateauScheduler
from hmtl_allennlp.training.task_checks import check_multitask_setup
from hmtl_allennlp.training.task_counts import TaskCountsCallback
from hmtl_allennlp.training.task_patience import TaskPatienceCallback

__all__ = [
    "GradientNormsCallback",
    "ReduceLrOnPlateauScheduler",
    "TaskCountsCallback",
    "TaskPatienceCallback",
    "check_multitask_setup",
]
