"""
`allennlp train` with the "hmtl_multitask" loader, the "hmtl_sampling" scheduler and the
training callbacks, on toy readers and a toy model defined here (distributed workers import
this module by name to register them).
"""

import copy
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import torch
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance, TextFieldTensors, Vocabulary
from allennlp.data.fields import MetadataField, TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer
from allennlp.data.tokenizers import Token
from allennlp.models import Model
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding
from allennlp.nn.util import get_text_field_mask, masked_mean

import hmtl_allennlp  # noqa: F401 - registers the loader, scheduler and callbacks

BATCH_SIZE = {"ner": 4, "relation": 2, "coref": 1}
# Each training batch, (task, first line of the batch), in the order trained on.
TRAINED_BATCHES: List[tuple] = []
# Raises `SimulatedCrash` in the forward pass of this training batch (1-based), when set.
CRASH_AT_BATCH: Dict[str, Optional[int]] = {"batch": None}


class SimulatedCrash(Exception):
    pass


@DatasetReader.register("hmtl_training_test_lines")
class LinesReader(DatasetReader):
    """One instance per line of a file."""

    def _read(self, file_path: str) -> Iterator[Instance]:
        with open(file_path) as lines:
            for line in lines:
                yield Instance(
                    {
                        "tokens": TextField(
                            [Token(word) for word in line.split()],
                            {"tokens": SingleIdTokenIndexer()},
                        ),
                        "metadata": MetadataField({"line": line.strip()}),
                    }
                )


@Model.register("hmtl_training_test_model")
class TaskModel(Model):
    """
    One linear scorer per task over mean token embeddings. Its validation `<task>_f1` is read
    from `dev_scores[task][number of the validation]` (0.5 when not given).
    """

    def __init__(
        self, vocab: Vocabulary, tasks: List[str], dev_scores: Dict[str, List[float]] = None
    ) -> None:
        super().__init__(vocab)
        self.tasks = tasks
        self._embedder = BasicTextFieldEmbedder(
            {"tokens": Embedding(embedding_dim=4, num_embeddings=vocab.get_vocab_size())}
        )
        self._scorers = torch.nn.ModuleDict({task: torch.nn.Linear(4, 1) for task in tasks})
        self._dev_scores = dev_scores or {}
        self._validations = 0
        self._seen: Dict[str, int] = defaultdict(int)

    def forward(  # type: ignore
        self, tokens: TextFieldTensors, task: List[str], metadata: List[Dict[str, Any]]
    ) -> Dict[str, torch.Tensor]:
        if self.training:
            TRAINED_BATCHES.append((task[0], metadata[0]["line"]))
            if len(TRAINED_BATCHES) == CRASH_AT_BATCH["batch"]:
                raise SimulatedCrash()
        mask = get_text_field_mask(tokens)
        # Shape: (batch_size, embedding_dim)
        pooled = masked_mean(self._embedder(tokens), mask.unsqueeze(-1), dim=1)
        # Shape: (batch_size,)
        scores = self._scorers[task[0]](pooled).squeeze(-1)
        self._seen[task[0]] += 1
        return {"loss": ((scores - 1) ** 2).mean()}

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        metrics = {}
        for task in sorted(self._seen):
            scores = self._dev_scores.get(task, [0.5])
            metrics[f"{task}_f1"] = scores[min(self._validations, len(scores) - 1)]
        if metrics:
            metrics["combined_f1"] = sum(metrics.values()) / len(metrics)
        if reset:
            self._seen.clear()
            if not self.training:
                self._validations += 1
        return metrics


def write_lines(path: Path, task: str, count: int) -> str:
    path.write_text("".join(f"{task} {index}\n" for index in range(count)))
    return str(path)


def make_config(tmp_path: Path, **trainer: Any) -> Dict[str, Any]:
    sizes = {"ner": 24, "relation": 10, "coref": 6}
    train = {task: write_lines(tmp_path / f"{task}.train", task, n) for task, n in sizes.items()}
    dev = {task: write_lines(tmp_path / f"{task}.dev", task, 4) for task in sizes}
    loader = {"type": "hmtl_multitask", "scheduler": {"type": "hmtl_sampling"}}
    return {
        "dataset_reader": {
            "type": "multitask",
            "readers": {task: {"type": "hmtl_training_test_lines"} for task in sizes},
        },
        "train_data_path": train,
        "validation_data_path": dev,
        "model": {"type": "hmtl_training_test_model", "tasks": list(sizes)},
        "data_loader": {
            **loader,
            "scheduler": {"type": "hmtl_sampling", "batch_size": BATCH_SIZE, "seed": 7},
        },
        "validation_data_loader": {
            **loader,
            "scheduler": {"type": "hmtl_sampling", "batch_size": 3, "sampling": "sequential"},
        },
        "trainer": {
            "num_epochs": 2,
            "optimizer": {"type": "adam", "lr": 0.01},
            "validation_metric": "+combined_f1",
            "learning_rate_scheduler": {"type": "reduce_lr_on_plateau", "factor": 0.5},
            "callbacks": [{"type": "hmtl_task_counts"}],
            **trainer,
        },
    }


def read_json(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text())


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # The models are tiny: more threads only contend for the few cores tests share, which
    # makes them many times slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def clear_records():
    TRAINED_BATCHES.clear()
    CRASH_AT_BATCH["batch"] = None


def test_trains_with_sampled_tasks_and_records_task_counts(tmp_path):
    config = make_config(tmp_path)
    train_model(Params(config), str(tmp_path / "run"))
    # An epoch is N_ner + N_relation + N_coref = 6 + 5 + 6 steps; each a batch of one task.
    assert len(TRAINED_BATCHES) == 2 * 17
    for epoch in (0, 1):
        metrics = read_json(tmp_path / "run" / f"metrics_epoch_{epoch}.json")
        trained = TRAINED_BATCHES[: 17 * (epoch + 1)]
        for task in BATCH_SIZE:
            batches = sum(1 for batch_task, _ in trained if batch_task == task)
            assert metrics[f"trained_{task}_batches"] == batches
            assert metrics[f"trained_{task}_instances"] == batches * BATCH_SIZE[task]
    final = read_json(tmp_path / "run" / "metrics.json")
    assert final["trained_ner_batches"] == metrics["trained_ner_batches"]
    assert "validation_combined_f1" in final
    assert (tmp_path / "run" / "model.tar.gz").exists()


def test_recover_continues_the_task_sequence(tmp_path):
    config = make_config(tmp_path)
    train_model(Params(copy.deepcopy(config)), str(tmp_path / "uninterrupted"))
    uninterrupted = list(TRAINED_BATCHES)

    TRAINED_BATCHES.clear()
    # Crashes in the middle of the second epoch, after the first one's checkpoint.
    CRASH_AT_BATCH["batch"] = 17 + 5
    with pytest.raises(SimulatedCrash):
        train_model(Params(copy.deepcopy(config)), str(tmp_path / "crashed"))
    assert TRAINED_BATCHES[:-1] == uninterrupted[: 17 + 4]

    TRAINED_BATCHES.clear()
    CRASH_AT_BATCH["batch"] = None
    train_model(Params(copy.deepcopy(config)), str(tmp_path / "crashed"), recover=True)
    # The resumed run trains the second epoch only, on the batches of the uninterrupted run.
    assert TRAINED_BATCHES == uninterrupted[17:]
    resumed = read_json(tmp_path / "crashed" / "metrics.json")
    expected = read_json(tmp_path / "uninterrupted" / "metrics.json")
    for task in BATCH_SIZE:
        for kind in ("batches", "instances"):
            key = f"trained_{task}_{kind}"
            assert resumed[key] == expected[key]


def test_tasks_stop_on_their_own_patience_then_training_ends(tmp_path):
    dev_scores = {
        "ner": [0.1, 0.2, 0.3, 0.3],
        "relation": [0.5, 0.5],
        "coref": [0.1, 0.2, 0.2],
    }
    config = make_config(
        tmp_path,
        num_epochs=10,
        callbacks=[
            {"type": "hmtl_task_counts"},
            {
                "type": "hmtl_task_patience",
                "patience": 1,
                # The toy model's names; ner's default is "ner_f1".
                "metrics": {"relation": "relation_f1", "coref": "+coref_f1"},
            },
        ],
    )
    config["model"]["dev_scores"] = dev_scores
    train_model(Params(config), str(tmp_path / "run"))
    epochs = [read_json(tmp_path / "run" / f"metrics_epoch_{n}.json") for n in range(4)]
    assert not (tmp_path / "run" / "metrics_epoch_4.json").exists()
    trained = [[epoch[f"trained_{task}_batches"] for epoch in epochs] for task in BATCH_SIZE]
    ner, relation, coref = trained
    # relation stops after epoch 1 (no gain over epoch 0), coref after epoch 2, ner after 3.
    assert relation[1] == relation[2] == relation[3] > 0
    assert coref[2] == coref[3] > coref[1]
    assert ner[0] < ner[1] < ner[2] < ner[3]
    # With relation stopped, an epoch is N_ner + N_coref steps.
    assert sum(task[2] - task[1] for task in trained) == 6 + 6


@pytest.mark.parametrize(
    "tasks, message",
    [
        (["ner", "relation"], "tasks the model has no level for: coref"),
        (["ner", "relation", "coref", "emd"], "levels without training data: emd"),
    ],
)
def test_data_and_model_must_have_the_same_tasks(tmp_path, tasks, message):
    config = make_config(tmp_path)
    config["model"]["tasks"] = tasks
    with pytest.raises(ConfigurationError, match=message):
        train_model(Params(config), str(tmp_path / "run"))
    assert TRAINED_BATCHES == []


def test_validation_data_must_have_model_levels(tmp_path):
    config = make_config(tmp_path)
    config["dataset_reader"]["readers"]["emd"] = {"type": "hmtl_training_test_lines"}
    config["validation_data_path"]["emd"] = write_lines(tmp_path / "emd.dev", "emd", 4)
    with pytest.raises(ConfigurationError, match="validation data has tasks .* no level for: emd"):
        train_model(Params(config), str(tmp_path / "run"))


def test_patience_needs_the_hmtl_multitask_loader(tmp_path):
    config = make_config(tmp_path, callbacks=[{"type": "hmtl_task_patience", "patience": 2}])
    config["data_loader"] = {
        "type": "multitask",
        "scheduler": {"type": "homogeneous_roundrobin", "batch_size": 2},
    }
    with pytest.raises(ConfigurationError, match='needs the "hmtl_multitask" data loader'):
        train_model(Params(config), str(tmp_path / "run"))


def test_validation_batches_must_cover_the_validation_data(tmp_path):
    config = make_config(tmp_path)
    del config["validation_data_loader"]
    with pytest.raises(ConfigurationError, match="validation data loader draws tasks at random"):
        train_model(Params(config), str(tmp_path / "run"))


def test_patience_metrics_must_name_tasks_with_data(tmp_path):
    config = make_config(
        tmp_path,
        callbacks=[
            {"type": "hmtl_task_patience", "patience": 2, "metrics": {"emd": "emd_f1"}},
        ],
    )
    with pytest.raises(ConfigurationError, match="tasks without training data: emd"):
        train_model(Params(config), str(tmp_path / "run"))


@pytest.mark.slow
def test_two_cpu_workers_train_and_archive(tmp_path, monkeypatch):
    # One torch thread in each worker process too.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    config = make_config(
        tmp_path,
        callbacks=[
            {"type": "hmtl_task_counts"},
            {
                "type": "hmtl_task_patience",
                "patience": 3,
                "metrics": {"relation": "relation_f1", "coref": "coref_f1"},
            },
        ],
    )
    config["distributed"] = {
        "cuda_devices": [-1, -1],
        # Each step trains one task's scorer only.
        "ddp_accelerator": {"type": "torch", "find_unused_parameters": True},
    }
    train_model(Params(config), str(tmp_path / "run"), include_package=[__name__])
    assert (tmp_path / "run" / "model.tar.gz").exists()
    metrics = read_json(tmp_path / "run" / "metrics.json")
    # Each worker has half of every dataset: N = ner 12 / 4, relation 5 / 2 -> 3, coref 3.
    assert sum(metrics[f"trained_{task}_batches"] for task in BATCH_SIZE) == 2 * 9
    for task, size in BATCH_SIZE.items():
        # Both workers train on a batch of the same task at each step.
        assert metrics[f"trained_{task}_instances"] == 2 * size * metrics[f"trained_{task}_batches"]
    assert metrics["validation_combined_f1"] == pytest.approx(0.5)
    assert os.path.exists(tmp_path / "run" / "metrics_epoch_1.json")
