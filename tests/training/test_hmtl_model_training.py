"""
Training and evaluating the "hmtl" model of the tiny model-test config (all four tasks) with
the "hmtl_multitask" loaders, the training callbacks and the learning-rate scheduler.
"""

import json
from pathlib import Path

import pytest
import torch
from allennlp.commands.evaluate import evaluate_from_archive
from allennlp.commands.train import train_model
from allennlp.common import Params

import hmtl_allennlp  # noqa: F401 - registers everything

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPOSITORY_ROOT / "fixtures" / "configs" / "hmtl.jsonnet"
TASKS = ["ner", "emd", "relation", "coref"]
MAIN_METRICS = ["ner_f1", "emd_f1", "relation_strict_f1", "coref_avg_f1", "combined_f1"]
BATCH_SIZE = {"ner": 8, "emd": 8, "relation": 4, "coref": 1}
OVERRIDES = {
    "data_loader": {
        "type": "hmtl_multitask",
        "scheduler": {"type": "hmtl_sampling", "batch_size": BATCH_SIZE},
    },
    "validation_data_loader": {
        "type": "hmtl_multitask",
        "scheduler": {"type": "hmtl_sampling", "batch_size": BATCH_SIZE, "sampling": "sequential"},
    },
    "trainer.num_epochs": 2,
    "trainer.callbacks": [
        {"type": "hmtl_task_counts"},
        {"type": "hmtl_task_patience", "patience": 5},
    ],
    "trainer.learning_rate_scheduler": {"type": "reduce_lr_on_plateau", "factor": 0.5},
}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # The models are tiny: more threads only contend for the few cores tests share, which
    # makes them many times slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.slow
def test_trains_then_evaluates_every_task_in_one_go(tmp_path, monkeypatch):
    # The config's data paths are relative to the repository root.
    monkeypatch.chdir(REPOSITORY_ROOT)
    params = Params.from_file(str(CONFIG), params_overrides=json.dumps(OVERRIDES))
    data_paths = params["train_data_path"].as_dict()
    train_model(params, str(tmp_path / "run"))

    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    # The config reads two batches of each task (max_instances): 4 x 2 steps per epoch.
    assert sum(metrics[f"trained_{task}_batches"] for task in TASKS) == 2 * 8
    for task in TASKS:
        batches = metrics[f"trained_{task}_batches"]
        assert metrics[f"trained_{task}_instances"] == BATCH_SIZE[task] * batches
    for name in MAIN_METRICS:
        assert f"validation_{name}" in metrics

    archive = str(tmp_path / "run" / "model.tar.gz")
    every_task = evaluate_from_archive(archive, json.dumps(data_paths))
    for name in MAIN_METRICS:
        assert name in every_task
    # Every validation instance once: the two batches of each task.
    assert all(every_task[f"{task}_batches"] == 2 for task in TASKS)

    relation_only = evaluate_from_archive(
        archive,
        data_paths["relation"],
        cmd_overrides=json.dumps({"validation_data_loader.tasks": ["relation"]}),
    )
    assert relation_only["relation_batches"] == 2
    assert not any(name.startswith(("ner_", "emd_", "coref_")) for name in relation_only)
