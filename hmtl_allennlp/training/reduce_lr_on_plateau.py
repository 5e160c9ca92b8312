from typing import List, Literal, Union, cast

import torch
from allennlp.training.learning_rate_schedulers.learning_rate_scheduler import (
    LearningRateScheduler,
    _PyTorchLearningRateSchedulerWithMetricsWrapper,
)
from allennlp.training.optimizers import Optimizer


@LearningRateScheduler.register("reduce_lr_on_plateau")
class ReduceLrOnPlateauScheduler(_PyTorchLearningRateSchedulerWithMetricsWrapper):
    """
    Torch's `ReduceLROnPlateau`: multiplies the learning rates by `factor` when the trainer's
    validation metric has not improved for `patience` epochs.

    It replaces AllenNLP's "reduce_on_plateau", which passes torch a `verbose` argument that
    current torch versions no longer accept. It has no `mode`: `GradientDescentTrainer` steps it
    with the combined score of its `validation_metric`, which is always higher-is-better (a
    "-loss" metric is negated), so the mode is always "max". (HMTL's original release used "min"
    on an F1 score, which cut the learning rate every few epochs whatever happened.)

    # Parameters

    optimizer : `Optimizer`
    factor : `float`, optional (default = `0.1`)
        The factor the learning rates are multiplied by, below 1.
    patience : `int`, optional (default = `10`)
        The number of epochs without improvement after which the learning rates are cut.
    threshold_mode : `str`, optional (default = `"rel"`)
        "rel": an improvement is a score above `best * (1 + threshold)`; "abs": above
        `best + threshold`.
    threshold : `float`, optional (default = `1e-4`)
    cooldown : `int`, optional (default = `0`)
        The number of epochs to wait after a cut before counting epochs without improvement.
    min_lr : `Union[float, List[float]]`, optional (default = `0`)
        The lowest learning rate, or one per parameter group.
    eps : `float`, optional (default = `1e-8`)
        A cut smaller than this is not made.

    Registered as a `LearningRateScheduler` with name "reduce_lr_on_plateau". The optimizer is
    given by the trainer and has no entry in a configuration file.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 0.1,
        patience: int = 10,
        threshold_mode: str = "rel",
        threshold: float = 1e-4,
        cooldown: int = 0,
        min_lr: Union[float, List[float]] = 0,
        eps: float = 1e-8,
    ) -> None:
        # AllenNLP's wrapper is annotated with `_LRScheduler`, which torch 2's ReduceLROnPlateau
        # (an `LRScheduler`) is not; the wrapper only calls its step(metric).
        super().__init__(
            torch.optim.lr_scheduler.ReduceLROnPlateau(  # type: ignore[arg-type]
                optimizer=optimizer,
                mode="max",
                factor=factor,
                patience=patience,
                # torch checks the value; AllenNLP builds the argument from a plain string.
                threshold_mode=cast(Literal["rel", "abs"], threshold_mode),
                threshold=threshold,
                cooldown=cooldown,
                min_lr=min_lr,
                eps=eps,
            )
        )
