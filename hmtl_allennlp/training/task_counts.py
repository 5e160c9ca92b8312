from collections import Counter
from typing import TYPE_CHECKING, Any, Dict, List, Optional, cast

import torch
from allennlp.data import TensorDict
from allennlp.nn.util import dist_reduce_sum
from allennlp.training.callbacks.callback import TrainerCallback

from hmtl_allennlp.training.epoch_metrics import rewrite_epoch_metrics
from hmtl_allennlp.training.task_checks import check_multitask_setup

if TYPE_CHECKING:
    from allennlp.training.gradient_descent_trainer import GradientDescentTrainer


@TrainerCallback.register("hmtl_task_counts")
class TaskCountsCallback(TrainerCallback):
    """
    Counts the training batches and instances of each task, from the `task` field of the
    batches, over the whole run (a run resumed with `--recover` goes on from the checkpoint's
    counts), and adds them to the epoch metrics, so that `metrics_epoch_<n>.json` and
    `metrics.json` show them:

    - `trained_<task>_batches`: the number of the task's batches trained on (in distributed
      training every worker trains on a batch of the same task at each step: counted once);
    - `trained_<task>_instances`: the number of the task's instances trained on, summed over the
      distributed workers.

    Before training starts it also checks that the data and the model fit together (see
    `check_multitask_setup`).

    # Parameters

    serialization_dir : `str`
        The run's directory (given by the trainer).
    task : `str`, optional (default = `None`)
        The task of every batch, for single-task models whose batches have no `task` field
        (the allennlp-models baselines), so that their runs count updates the same way.

    Registered as a `TrainerCallback` with name "hmtl_task_counts".
    """

    def __init__(self, serialization_dir: str, task: Optional[str] = None) -> None:
        super().__init__(serialization_dir)
        self._task = task
        self._batches: Counter = Counter()
        self._instances: Counter = Counter()

    def on_start(
        self, trainer: "GradientDescentTrainer", is_primary: bool = True, **kwargs: Any
    ) -> None:
        super().on_start(trainer, is_primary)
        check_multitask_setup(trainer)

    def on_batch(
        self,
        trainer: "GradientDescentTrainer",
        batch_inputs: List[TensorDict],
        batch_outputs: List[Dict[str, Any]],
        batch_metrics: Dict[str, Any],
        epoch: int,
        batch_number: int,
        is_training: bool,
        is_primary: bool = True,
        batch_grad_norm: Optional[float] = None,
        **kwargs: Any,
    ) -> None:
        if not is_training:
            return
        # With gradient accumulation a parameter update takes several batches.
        for batch in batch_inputs:
            # Batches are homogeneous in task: `task` is the same string for every instance.
            task = self._task if self._task is not None else batch_task(batch)
            self._batches[task] += 1
            self._instances[task] += _batch_size(batch)

    def on_epoch(
        self,
        trainer: "GradientDescentTrainer",
        metrics: Dict[str, Any],
        epoch: int,
        is_primary: bool = True,
        **kwargs: Any,
    ) -> None:
        tasks = sorted(set(self._batches) | set(getattr(trainer.data_loader, "tasks", [])))
        # Every worker counts the instances of its own shard.
        # Shape: (num_tasks,)
        instances = dist_reduce_sum(torch.tensor([self._instances[task] for task in tasks]))
        for task, task_instances in zip(tasks, instances.tolist()):
            metrics[f"trained_{task}_batches"] = self._batches[task]
            metrics[f"trained_{task}_instances"] = task_instances
        rewrite_epoch_metrics(self.serialization_dir, epoch, metrics, is_primary)

    def state_dict(self) -> Dict[str, Any]:
        return {"batches": dict(self._batches), "instances": dict(self._instances)}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        self._batches = Counter(state_dict["batches"])
        self._instances = Counter(state_dict["instances"])


def batch_task(batch: TensorDict) -> str:
    """The task of a batch of the "hmtl_multitask" data loader (its batches have one task)."""
    # `task` is a MetadataField: a list of strings, not one of TensorDict's tensors.
    return cast(List[str], batch["task"])[0]


def _batch_size(batch: TensorDict) -> int:
    """The number of instances in a batch: the length of its `task` field, or else of its first
    field (a text field's first tensor)."""
    value: Any = batch["task"] if "task" in batch else next(iter(batch.values()))
    while isinstance(value, dict):
        value = next(iter(value.values()))
    return len(value)
