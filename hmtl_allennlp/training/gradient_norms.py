import logging
import math
import os
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Dict, List, Optional, cast

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import TensorDict
from allennlp.training.callbacks.callback import TrainerCallback
from tensorboardX import SummaryWriter  # what AllenNLP's "tensorboard" callback writes with

from hmtl_allennlp.training.epoch_metrics import rewrite_epoch_metrics
from hmtl_allennlp.training.task_counts import batch_task

if TYPE_CHECKING:
    from allennlp.training.gradient_descent_trainer import GradientDescentTrainer

    from hmtl_allennlp.models import HierarchicalMultiTaskModel

logger = logging.getLogger(__name__)


@TrainerCallback.register("hmtl_gradient_norms")
class GradientNormsCallback(TrainerCallback):
    """
    Measures how strongly each task pulls on the modules that several tasks share: after the
    backward pass of every training batch (before gradient clipping), the L2 norm of the
    gradient of each shared module of the "hmtl" model (`shared_modules()`: the embeddings and
    every level under two or more tasks), attributed to the batch's task. Batches are
    homogeneous in task, so a batch's gradient is its task's.

    - Every batch's norms go to TensorBoard (`<serialization_dir>/log/gradient_norms/`), as
      `gradient_norm/<module>/<task>` against the number of updates.
    - Each epoch's mean norm per task and module is added to the epoch metrics
      (`gradient_norm_<module>_<task>`), so that `metrics_epoch_<n>.json` and `metrics.json`
      show it.

    It calls `loss.backward()` itself (AllenNLP's hook for callbacks that need the gradients
    before the update), so it does not combine with mixed precision (`use_amp`) or with other
    callbacks that do the backward pass.

    # Parameters

    serialization_dir : `str`
        Given by the trainer.
    tensorboard : `bool`, optional (default = `True`)
        Whether to write every batch's norms to TensorBoard; the epoch means are kept either way.

    Registered as a `TrainerCallback` with name "hmtl_gradient_norms".
    """

    def __init__(self, serialization_dir: str, tensorboard: bool = True) -> None:
        super().__init__(serialization_dir)
        self._tensorboard = tensorboard
        self._writer = None
        self._shared: Dict[str, torch.nn.Module] = {}
        self._pending: Dict[str, float] = {}
        self._sums: Dict[str, float] = defaultdict(float)
        self._counts: Dict[str, int] = defaultdict(int)

    def on_start(
        self, trainer: "GradientDescentTrainer", is_primary: bool = True, **kwargs: Any
    ) -> None:
        super().on_start(trainer, is_primary)
        if getattr(trainer, "_use_amp", False):
            raise ConfigurationError(
                'The "hmtl_gradient_norms" callback does the backward pass itself and cannot be '
                "used with use_amp."
            )
        shared_modules = getattr(trainer.model, "shared_modules", None)
        if shared_modules is None:
            raise ConfigurationError(
                'The "hmtl_gradient_norms" callback needs the "hmtl" model, got '
                f"{type(trainer.model).__name__}."
            )
        self._shared = shared_modules()
        if not self._shared:
            logger.warning("hmtl_gradient_norms: the model has one task, so nothing is shared.")
        if self._tensorboard and is_primary and self.serialization_dir:
            self._writer = SummaryWriter(
                os.path.join(self.serialization_dir, "log", "gradient_norms")
            )

    def on_backward(
        self,
        trainer: "GradientDescentTrainer",
        batch_outputs: Dict[str, torch.Tensor],
        backward_called: bool,
        **kwargs: Any,
    ) -> bool:
        if backward_called:
            raise ConfigurationError(
                'Another callback did the backward pass; "hmtl_gradient_norms" must do it to '
                "measure each batch's gradients."
            )
        # As the trainer scales it: the mean over the batches of one update.
        (batch_outputs["loss"] / trainer._num_gradient_accumulation_steps).backward()
        self._pending = {name: _gradient_norm(module) for name, module in self._shared.items()}
        return True

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
        if not is_training or not self._pending:
            return
        # With gradient accumulation an update's gradient is that of all its batches: the task
        # of its first batch names it.
        task = batch_task(batch_inputs[0])
        # A module outside the task's levels (the EMD level, under a NER batch) has no gradient
        # from it.
        model = cast("HierarchicalMultiTaskModel", trainer.model)  # checked by on_start
        trained = set(model.levels_under(task)) | {"embeddings"}
        for name, norm in self._pending.items():
            if name not in trained:
                continue
            key = f"{name}_{task}"
            self._sums[key] += norm
            self._counts[key] += 1
            if self._writer is not None:
                self._writer.add_scalar(
                    f"gradient_norm/{name}/{task}", norm, trainer._total_batches_completed
                )
        self._pending = {}

    def on_epoch(
        self,
        trainer: "GradientDescentTrainer",
        metrics: Dict[str, Any],
        epoch: int,
        is_primary: bool = True,
        **kwargs: Any,
    ) -> None:
        for key in sorted(self._sums):
            metrics[f"gradient_norm_{key}"] = self._sums[key] / self._counts[key]
        self._sums.clear()
        self._counts.clear()
        if self._writer is not None:
            self._writer.flush()
        rewrite_epoch_metrics(self.serialization_dir, epoch, metrics, is_primary)

    def on_end(
        self,
        trainer: "GradientDescentTrainer",
        metrics: Optional[Dict[str, Any]] = None,
        epoch: Optional[int] = None,
        is_primary: bool = True,
        **kwargs: Any,
    ) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _gradient_norm(module: torch.nn.Module) -> float:
    """The L2 norm of the gradients of a module's parameters (0 when none has a gradient)."""
    squares = [
        parameter.grad.detach().pow(2).sum()
        for parameter in module.parameters()
        if parameter.grad is not None
    ]
    return math.sqrt(float(torch.stack(squares).sum())) if squares else 0.0
