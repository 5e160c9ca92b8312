"""
The archived model that the predictor and command tests share: trained once per test session
(a few seconds) from `fixtures/configs/predictor/hmtl_predictor.jsonnet`.
"""

import os
from pathlib import Path

import torch
from allennlp.commands.train import train_model_from_file
from allennlp.models.archival import archive_model

import hmtl_allennlp  # noqa: F401  (registers the readers, model, heads and predictor)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPOSITORY_ROOT / "fixtures" / "configs" / "predictor" / "hmtl_predictor.jsonnet"


def archived_fixture_model(serialization_dir: Path) -> Path:
    """
    The path of the fixture model's `model.tar.gz` in `serialization_dir`, trained there unless
    an earlier test already did.

    Trained for seconds, the tiny model tags mentions but scores no relation above its
    threshold and prefers the dummy antecedent everywhere. So that the tests see relations and
    clusters, its weights are then set so that the first relation label is predicted for every
    pair of mentions of a sentence (and no other label), and every kept span links to its best
    antecedent.
    """
    archive = serialization_dir / "model.tar.gz"
    if archive.exists():
        return archive
    working_directory = os.getcwd()
    threads = torch.get_num_threads()
    # The tensors are tiny: more threads only wait for each other on a busy machine.
    torch.set_num_threads(1)
    # The config's data paths are relative to the repository root.
    os.chdir(REPOSITORY_ROOT)
    try:
        train_model_from_file(CONFIG, serialization_dir, force=True)
    finally:
        os.chdir(working_directory)
        torch.set_num_threads(threads)

    weights = serialization_dir / "best.th"
    state = torch.load(weights)
    # score(i, j, k) = V_k . relu(U h_i + W h_j + b): b large, V_0 positive, other V_k negative.
    state["_heads.relation._tail_projection.bias"].fill_(2.0)
    label_scorer = state["_heads.relation._label_scorer.weight"]
    label_scorer.fill_(-0.5)
    label_scorer[0].fill_(0.5)
    # Antecedent scores above the dummy antecedent's 0.
    state["_heads.coref._antecedent_scorer.bias"] += 100.0
    torch.save(state, weights)
    archive_model(serialization_dir)
    return archive
