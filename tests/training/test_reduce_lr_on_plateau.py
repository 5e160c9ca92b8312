import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.training.learning_rate_schedulers import LearningRateScheduler

from hmtl_allennlp.training import ReduceLrOnPlateauScheduler


def make_scheduler(**params) -> ReduceLrOnPlateauScheduler:
    optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=1.0)
    return LearningRateScheduler.from_params(
        Params({"type": "reduce_lr_on_plateau", **params}), optimizer=optimizer
    )


def test_cuts_the_rate_when_a_higher_is_better_score_stalls():
    scheduler = make_scheduler(factor=0.5, patience=1)
    assert isinstance(scheduler, ReduceLrOnPlateauScheduler)
    # Rising F1 scores are improvements: the rate stays.
    for score in [0.1, 0.2, 0.3, 0.4]:
        scheduler.step(score)
    assert scheduler.get_values() == [1.0]
    # Two epochs without improvement exceed a patience of 1.
    scheduler.step(0.4)
    assert scheduler.get_values() == [1.0]
    scheduler.step(0.35)
    assert scheduler.get_values() == [0.5]


def test_state_survives_a_checkpoint():
    scheduler = make_scheduler(factor=0.5, patience=1)
    for score in [0.3, 0.3]:
        scheduler.step(score)
    restored = make_scheduler(factor=0.5, patience=1)
    restored.load_state_dict(scheduler.state_dict())
    restored.step(0.2)
    assert restored.get_values() == [0.5]


def test_needs_a_validation_metric():
    with pytest.raises(ConfigurationError, match="validation"):
        make_scheduler().step(None)
