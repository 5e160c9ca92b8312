"""
The "hmtl_gradient_norms" callback and the stop on a non-finite loss, on the tiny model-test
config (all four tasks).
"""

import json
import struct
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.training.callbacks.callback import TrainerCallback
from tensorboardX.proto.event_pb2 import Event

import hmtl_allennlp  # noqa: F401 - registers everything
from hmtl_allennlp.common.errors import NonFiniteLossError

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPOSITORY_ROOT / "fixtures" / "configs" / "hmtl.jsonnet"
TASKS = ["ner", "emd", "relation", "coref"]
BATCH_SIZE = {"ner": 8, "emd": 8, "relation": 4, "coref": 1}


def read_scalars(log_dir: Path) -> Dict[str, List[float]]:
    """The scalars of the TensorBoard event files of a folder: TFRecord framing (length, its
    checksum, the event, its checksum) around `Event` protos."""
    scalars: Dict[str, List[float]] = defaultdict(list)
    for path in log_dir.glob("events.out.tfevents.*"):
        data = path.read_bytes()
        position = 0
        while position < len(data):
            (length,) = struct.unpack("<Q", data[position : position + 8])
            event = Event.FromString(data[position + 12 : position + 12 + length])
            position += 12 + length + 4
            for value in event.summary.value:
                scalars[value.tag].append(value.simple_value)
    return scalars


def overrides(callbacks, epochs: int = 1) -> str:
    return json.dumps(
        {
            "data_loader": {
                "type": "hmtl_multitask",
                "scheduler": {"type": "hmtl_sampling", "batch_size": BATCH_SIZE},
            },
            "validation_data_loader": {
                "type": "hmtl_multitask",
                "scheduler": {
                    "type": "hmtl_sampling",
                    "batch_size": BATCH_SIZE,
                    "sampling": "sequential",
                },
            },
            "trainer.num_epochs": epochs,
            "trainer.callbacks": callbacks,
        }
    )


@TrainerCallback.register("test_poison_after_first_epoch")
class PoisonAfterFirstEpoch(TrainerCallback):
    """Turns one weight of the NER level into NaN after the first update of the second epoch,
    as a diverging update would."""

    def on_batch(
        self,
        trainer,
        batch_inputs,
        batch_outputs,
        batch_metrics,
        epoch,
        batch_number,
        is_training,
        **kwargs,
    ) -> None:
        if is_training and epoch == 1 and batch_number == 1:
            with torch.no_grad():
                next(trainer.model._encoders["ner"].parameters()).view(-1)[0] = float("nan")


@pytest.fixture(autouse=True)
def one_torch_thread(monkeypatch):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    # The config's data paths are relative to the repository root.
    monkeypatch.chdir(REPOSITORY_ROOT)
    yield
    torch.set_num_threads(threads)


@pytest.mark.slow
def test_each_tasks_gradient_norm_on_each_shared_level_is_logged(tmp_path):
    params = Params.from_file(
        str(CONFIG),
        params_overrides=overrides([{"type": "hmtl_gradient_norms"}, {"type": "hmtl_task_counts"}]),
    )
    train_model(params, str(tmp_path / "run"))
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    norms = {key: value for key, value in metrics.items() if key.startswith("gradient_norm_")}
    # Shared: the embeddings (every task), the NER level (under all four tasks) and the EMD
    # level (under EMD, relations and coreference); the relation and coreference levels are
    # their own task's only.
    shared = (
        [("embeddings", task) for task in TASKS]
        + [("ner", task) for task in TASKS]
        + [("emd", task) for task in ["emd", "relation", "coref"]]
    )
    expected = [f"gradient_norm_{module}_{task}" for module, task in shared]
    assert sorted(norms) == sorted(expected)
    assert all(0 < value < float("inf") for value in norms.values())
    epoch_metrics = json.loads((tmp_path / "run" / "metrics_epoch_0.json").read_text())
    assert epoch_metrics["gradient_norm_ner_ner"] == norms["gradient_norm_ner_ner"]

    scalars = read_scalars(tmp_path / "run" / "log" / "gradient_norms")
    assert sorted(scalars) == sorted(f"gradient_norm/{module}/{task}" for module, task in shared)
    # One point per training batch of the task, whose mean is the epoch's metric.
    for task in TASKS:
        points = scalars[f"gradient_norm/embeddings/{task}"]
        assert len(points) == metrics[f"trained_{task}_batches"]
        assert sum(points) / len(points) == pytest.approx(
            norms[f"gradient_norm_embeddings_{task}"], rel=1e-5
        )


@pytest.mark.slow
def test_a_non_finite_loss_stops_training_naming_the_task_and_keeps_the_last_checkpoint(
    tmp_path,
):
    params = Params.from_file(
        str(CONFIG),
        params_overrides=overrides([{"type": "test_poison_after_first_epoch"}], epochs=3),
    )
    diverged = r"diverged on a batch of task '\w+': (its loss is nan|.*_encoders\.ner\..* NaN)"
    with pytest.raises(NonFiniteLossError, match=diverged):
        train_model(params, str(tmp_path / "run"))
    saved = sorted(path.name for path in (tmp_path / "run").glob("model_state_*"))
    assert saved, "the first epoch's checkpoint is kept"
    state = torch.load(tmp_path / "run" / saved[0])
    assert all(torch.isfinite(tensor).all() for tensor in state.values())


@pytest.mark.slow
def test_an_infinite_loss_stops_training_at_its_first_batch(tmp_path):
    params = Params.from_file(
        str(CONFIG), params_overrides=overrides([{"type": "hmtl_task_counts"}])
    )
    # A finite weight whose product with any float32 loss overflows.
    params["model"]["levels"]["relation"]["loss_weight"] = 1e39
    with pytest.raises(NonFiniteLossError, match=r"task 'relation': its loss is inf"):
        train_model(params, str(tmp_path / "run"))


def test_gradient_norms_need_the_hmtl_model(tmp_path):
    from hmtl_allennlp.training import GradientNormsCallback

    class Trainer:
        model = torch.nn.Linear(1, 1)
        _use_amp = False

    with pytest.raises(ConfigurationError, match='needs the "hmtl" model'):
        GradientNormsCallback(str(tmp_path)).on_start(Trainer())
