"""
Checks, before training starts, that the multi-task data and the model fit together.
"""

from typing import TYPE_CHECKING, List, Optional

from allennlp.common.checks import ConfigurationError

from hmtl_allennlp.data_loaders import HmtlMultiTaskDataLoader, HmtlSamplingScheduler

if TYPE_CHECKING:
    from allennlp.training.gradient_descent_trainer import GradientDescentTrainer


def check_multitask_setup(trainer: "GradientDescentTrainer") -> None:
    """
    Raises a `ConfigurationError` when the training data has a task the model has no level for,
    when a model level has no training data, when the validation data has a task the model has
    no level for (models without a `tasks` attribute are not checked), or when validation
    batches would be drawn at random rather than cover the validation data: AllenNLP builds the
    validation loader from `data_loader` when there is no `validation_data_loader`.
    """
    # The trainer keeps its validation loader in a private attribute only.
    validation_loader = getattr(trainer, "_validation_data_loader", None)
    if (
        isinstance(validation_loader, HmtlMultiTaskDataLoader)
        and isinstance(validation_loader.scheduler, HmtlSamplingScheduler)
        and validation_loader.scheduler.sampling != "sequential"
    ):
        raise ConfigurationError(
            "The validation data loader draws tasks at random; give a `validation_data_loader` "
            'whose "hmtl_sampling" scheduler has `sampling: "sequential"`.'
        )
    model_tasks: Optional[List[str]] = getattr(trainer.model, "tasks", None)
    if model_tasks is None:
        return
    train_tasks: Optional[List[str]] = getattr(trainer.data_loader, "tasks", None)
    if train_tasks is not None:
        _check_known(train_tasks, model_tasks, "training")
        without_data = [task for task in model_tasks if task not in train_tasks]
        if without_data:
            raise ConfigurationError(
                f"The model has levels without training data: {', '.join(without_data)} "
                f"(training data: {', '.join(train_tasks)})."
            )
    validation_tasks: Optional[List[str]] = getattr(validation_loader, "tasks", None)
    if validation_tasks is not None:
        _check_known(validation_tasks, model_tasks, "validation")


def _check_known(data_tasks: List[str], model_tasks: List[str], split: str) -> None:
    unknown = [task for task in data_tasks if task not in model_tasks]
    if unknown:
        raise ConfigurationError(
            f"The {split} data has tasks the model has no level for: {', '.join(unknown)} "
            f"(model levels: {', '.join(model_tasks)})."
        )
