import logging
from typing import TYPE_CHECKING, Any, Dict, List, Optional, cast

from allennlp.common.checks import ConfigurationError
from allennlp.data import TensorDict
from allennlp.training.callbacks.callback import TrainerCallback
from allennlp.training.metric_tracker import MetricTracker

from hmtl_allennlp.data_loaders.hmtl_multitask_data_loader import HmtlMultiTaskDataLoader
from hmtl_allennlp.training.task_checks import check_multitask_setup

if TYPE_CHECKING:
    from allennlp.training.gradient_descent_trainer import GradientDescentTrainer

logger = logging.getLogger(__name__)


@TrainerCallback.register("hmtl_task_patience")
class TaskPatienceCallback(TrainerCallback):
    """
    Per-task early stopping, as in HMTL: a task whose validation score has not improved for
    `patience` validated epochs is no longer drawn by the "hmtl_multitask" data loader from the
    next epoch on (this is logged), and training ends once every task has stopped (or at the
    trainer's `num_epochs`). The other tasks' draws are renormalized among themselves, and an
    epoch becomes the sum of their numbers of batches (unless the scheduler has
    `steps_per_epoch`). Its state is checkpointed, so a run resumed with `--recover` keeps the
    stopped tasks stopped.

    # Parameters

    patience : `int`
        The number of validated epochs without improvement after which a task stops.
    metrics : `Dict[str, str]`, optional (default = `None`)
        The validation metric of each task, as the model names it, "+" (the default) or "-"
        first for higher- or lower-is-better: e.g. `{"coref": "+coref_avg_f1"}`. A task not
        named uses its level's main metric (e.g. "ner_f1", "relation_strict_f1",
        "coref_avg_f1": the head's `main_metric`, prefixed), or, with a model other than "hmtl",
        "<task>_f1".

    Registered as a `TrainerCallback` with name "hmtl_task_patience".
    """

    def __init__(
        self, serialization_dir: str, patience: int, metrics: Optional[Dict[str, str]] = None
    ) -> None:
        super().__init__(serialization_dir)
        if patience < 1:
            raise ConfigurationError(f"patience must be at least 1, got {patience}.")
        self._patience = patience
        self._metric_names = metrics or {}
        self._trackers: Dict[str, MetricTracker] = {}
        self._tracker_states: Dict[str, Dict[str, Any]] = {}
        self._first_epoch_without: Dict[str, int] = {}
        self._validated_this_epoch = False

    def on_start(
        self, trainer: "GradientDescentTrainer", is_primary: bool = True, **kwargs: Any
    ) -> None:
        super().on_start(trainer, is_primary)
        loader = trainer.data_loader
        if not isinstance(loader, HmtlMultiTaskDataLoader):
            raise ConfigurationError(
                'The "hmtl_task_patience" callback needs the "hmtl_multitask" data loader, got '
                f"{type(loader).__name__}."
            )
        check_multitask_setup(trainer)
        unknown = [task for task in self._metric_names if task not in loader.tasks]
        if unknown:
            raise ConfigurationError(
                f"hmtl_task_patience names metrics of tasks without training data: "
                f"{', '.join(unknown)} (tasks: {', '.join(loader.tasks)})."
            )
        # An "hmtl" model names each level's main metric; another model: "<task>_f1".
        main_metrics: Dict[str, str] = getattr(trainer.model, "main_metrics", dict)()
        for task in loader.tasks:
            name = self._metric_names.get(task, main_metrics.get(task, f"{task}_f1"))
            tracker = MetricTracker(name if name[:1] in "+-" else f"+{name}", self._patience)
            if task in self._tracker_states:
                tracker.load_state_dict(self._tracker_states[task])
            self._trackers[task] = tracker
        for task, epoch in self._first_epoch_without.items():
            loader.stop_task(task, epoch)

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
        # The trainer's epoch metrics keep the last validation scores in epochs it does not
        # validate, so whether this epoch validated is seen here.
        if not is_training:
            self._validated_this_epoch = True

    def on_epoch(
        self,
        trainer: "GradientDescentTrainer",
        metrics: Dict[str, Any],
        epoch: int,
        is_primary: bool = True,
        **kwargs: Any,
    ) -> None:
        if not self._validated_this_epoch:
            return
        self._validated_this_epoch = False
        validation_metrics = {
            name[len("validation_") :]: value
            for name, value in metrics.items()
            if name.startswith("validation_")
        }
        for task, tracker in self._trackers.items():
            if task in self._first_epoch_without:
                continue
            # `tracked_metrics` is [(sign, name)], with one metric here.
            name = tracker.tracked_metrics[0][1]
            if name not in validation_metrics:
                raise ConfigurationError(
                    f"hmtl_task_patience: no validation metric {name!r} for task {task!r}; the "
                    f"validation metrics are {', '.join(sorted(validation_metrics))}."
                )
            tracker.add_metrics(validation_metrics)
            if tracker.should_stop_early():
                self._first_epoch_without[task] = epoch + 1
                # on_start checked that the loader is a HmtlMultiTaskDataLoader.
                cast(HmtlMultiTaskDataLoader, trainer.data_loader).stop_task(task, epoch + 1)
                logger.info(
                    "Task %s: no improvement of %s for %d epochs; it is no longer trained.",
                    task,
                    name,
                    self._patience,
                )
        if len(self._first_epoch_without) == len(self._trackers):
            logger.info("Every task ran out of patience. Stopping training.")
            # GradientDescentTrainer (2.10) has no public way for a callback to end training;
            # right after the callbacks' `on_epoch` it ends the epoch loop when its metric
            # tracker says to stop early, so that tracker is made to say so.
            trainer._metric_tracker.should_stop_early = lambda: True  # type: ignore[method-assign]

    def state_dict(self) -> Dict[str, Any]:
        return {
            "trackers": {task: tracker.state_dict() for task, tracker in self._trackers.items()},
            "first_epoch_without": dict(self._first_epoch_without),
        }

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        # The trainer loads checkpoints before `on_start`, which builds the trackers.
        self._tracker_states = state_dict["trackers"]
        self._first_epoch_without = dict(state_dict["first_epoch_without"])
