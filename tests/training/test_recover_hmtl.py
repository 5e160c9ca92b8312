"""
`allennlp train --recover` on the HMTL model itself: a run interrupted mid-epoch and resumed
ends where the same run without the interruption ends (same batches of each task in each
epoch, same best epoch, same weights), early stopping and learning-rate schedule included.
"""

import json
import os
from typing import Any, Dict, List, Optional

import pytest
import torch
from allennlp.commands.train import train_model_from_file
from allennlp.data import TensorDict
from allennlp.training.callbacks.callback import TrainerCallback

from tests.predictors.hmtl_fixture_archive import CONFIG, REPOSITORY_ROOT

pytestmark = pytest.mark.slow

# The training batch at which the armed callback interrupts the run (None: it does not).
CRASH_AT: Dict[str, Optional[int]] = {"batch": None}
NUM_EPOCHS = 4
OVERRIDES = json.dumps(
    {
        "trainer.num_epochs": NUM_EPOCHS,
        "trainer.patience": 2,
        "trainer.learning_rate_scheduler": {
            "type": "reduce_lr_on_plateau",
            "factor": 0.5,
            "patience": 0,
        },
        "trainer.callbacks": [{"type": "hmtl_task_counts"}, {"type": "hmtl_test_interrupt"}],
    }
)


class Interrupted(Exception):
    pass


@TrainerCallback.register("hmtl_test_interrupt")
class InterruptCallback(TrainerCallback):
    """Raises `Interrupted` at training batch `CRASH_AT["batch"]` of the run (counted from 1)."""

    def __init__(self, serialization_dir: str) -> None:
        super().__init__(serialization_dir)
        self._batches = 0

    def on_batch(
        self,
        trainer: Any,
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
        self._batches += 1
        if CRASH_AT["batch"] is not None and self._batches == CRASH_AT["batch"]:
            raise Interrupted(f"interrupted at batch {self._batches}")


def train(serialization_dir, recover=False):
    working_directory = os.getcwd()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    # The fixture config's data paths are relative to the repository root.
    os.chdir(REPOSITORY_ROOT)
    try:
        train_model_from_file(CONFIG, str(serialization_dir), OVERRIDES, recover=recover)
    finally:
        os.chdir(working_directory)
        torch.set_num_threads(threads)


def epoch_metrics(serialization_dir):
    return [
        json.loads((serialization_dir / f"metrics_epoch_{epoch}.json").read_text())
        for epoch in range(NUM_EPOCHS)
        if (serialization_dir / f"metrics_epoch_{epoch}.json").exists()
    ]


def test_an_interrupted_run_resumed_with_recover_ends_as_the_uninterrupted_one(tmp_path):
    CRASH_AT["batch"] = None
    train(tmp_path / "uninterrupted")
    uninterrupted = epoch_metrics(tmp_path / "uninterrupted")
    batches_per_epoch = sum(
        value
        for key, value in uninterrupted[0].items()
        if key.startswith("trained_") and key.endswith("_batches")
    )

    # Interrupted in the middle of the second epoch, after the first epoch's checkpoint.
    CRASH_AT["batch"] = batches_per_epoch + batches_per_epoch // 2
    with pytest.raises(Interrupted):
        train(tmp_path / "interrupted")
    assert len(epoch_metrics(tmp_path / "interrupted")) == 1
    CRASH_AT["batch"] = None
    train(tmp_path / "interrupted", recover=True)
    resumed = epoch_metrics(tmp_path / "interrupted")

    assert len(resumed) == len(uninterrupted)
    for expected, got in zip(uninterrupted, resumed):
        counts = {key: value for key, value in expected.items() if key.startswith("trained_")}
        assert counts and {key: got[key] for key in counts} == counts
        assert got["validation_combined_f1"] == pytest.approx(expected["validation_combined_f1"])
    final = {
        name: json.loads((tmp_path / name / "metrics.json").read_text())
        for name in ("uninterrupted", "interrupted")
    }
    assert final["interrupted"]["best_epoch"] == final["uninterrupted"]["best_epoch"]
    weights = {
        name: torch.load(tmp_path / name / "best.th") for name in ("uninterrupted", "interrupted")
    }
    for parameter, value in weights["uninterrupted"].items():
        assert torch.allclose(weights["interrupted"][parameter], value, atol=1e-5), parameter
