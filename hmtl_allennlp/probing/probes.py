"""
Probing classifiers, as SentEval trains them on frozen sentence embeddings: a linear classifier
(logistic regression) and a multi-layer perceptron with one hidden layer, trained with Adam on
the training split, their L2 penalty and number of epochs chosen by accuracy on the dev split.
"""

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy
import torch

from hmtl_allennlp.common.errors import DataFormatError

PROBES = ("linear", "mlp")
# SentEval's MLP: 50 hidden units with a sigmoid.
MLP_HIDDEN = 50
WEIGHT_DECAYS = (0.0, 1e-4, 1e-3)
MAX_EPOCHS = 50
PATIENCE = 5
BATCH_SIZE = 64


@dataclass(frozen=True)
class ProbeResult:
    """The dev accuracy of the probe chosen on dev, and its L2 penalty and best epoch."""

    dev_accuracy: float
    weight_decay: float
    epoch: int


def train_probe(
    train: Tuple[numpy.ndarray, Sequence[str]],
    dev: Tuple[numpy.ndarray, Sequence[str]],
    probe: str = "linear",
    seed: int = 13,
) -> ProbeResult:
    """
    Trains a `probe` ("linear" or "mlp") on `train` (features of shape (num_sentences, dim),
    labels) for each L2 penalty of `WEIGHT_DECAYS`, stopping each after `PATIENCE` epochs
    without a better dev accuracy, and gives the best dev accuracy found. Features are
    standardised with the training split's mean and deviation.
    """
    if probe not in PROBES:
        raise ValueError(f"Unknown probe {probe!r} (one of {', '.join(PROBES)}).")
    classes = sorted(set(train[1]))
    index = {label: position for position, label in enumerate(classes)}
    mean, deviation = train[0].mean(axis=0), train[0].std(axis=0) + 1e-6

    def tensors(split: Tuple[numpy.ndarray, Sequence[str]]) -> Tuple[torch.Tensor, torch.Tensor]:
        features = torch.tensor((split[0] - mean) / deviation, dtype=torch.float32)
        # A dev label the training split lacks is never predicted right: -1 matches no class.
        labels = torch.tensor([index.get(label, -1) for label in split[1]], dtype=torch.long)
        return features, labels

    train_x, train_y = tensors(train)
    dev_x, dev_y = tensors(dev)
    best = ProbeResult(0.0, WEIGHT_DECAYS[0], 0)
    for weight_decay in WEIGHT_DECAYS:
        torch.manual_seed(seed)
        model = _classifier(probe, train_x.shape[1], len(classes))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=weight_decay)
        generator = torch.Generator().manual_seed(seed)
        best_epoch, best_accuracy = 0, -1.0
        for epoch in range(1, MAX_EPOCHS + 1):
            model.train()
            for batch in torch.randperm(len(train_x), generator=generator).split(BATCH_SIZE):
                optimizer.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(train_x[batch]), train_y[batch])
                loss.backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                accuracy = (model(dev_x).argmax(dim=-1) == dev_y).float().mean().item()
            if accuracy > best_accuracy:
                best_epoch, best_accuracy = epoch, accuracy
            elif epoch - best_epoch >= PATIENCE:
                break
        if best_accuracy > best.dev_accuracy:
            best = ProbeResult(best_accuracy, weight_decay, best_epoch)
    return best


def _classifier(probe: str, input_dim: int, num_classes: int) -> torch.nn.Module:
    if probe == "linear":
        return torch.nn.Linear(input_dim, num_classes)
    return torch.nn.Sequential(
        torch.nn.Linear(input_dim, MLP_HIDDEN),
        torch.nn.Sigmoid(),
        torch.nn.Linear(MLP_HIDDEN, num_classes),
    )


def read_senteval_task(path: str) -> Dict[str, List[Tuple[str, List[str]]]]:
    """A SentEval probing file (`split<TAB>label<TAB>sentence` per line): `{split: [(label,
    words)]}`, splits "tr", "va" (and "te" where there is one)."""
    splits: Dict[str, List[Tuple[str, List[str]]]] = {}
    with open(path, encoding="utf-8") as task_file:
        for line_number, line in enumerate(task_file, start=1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0] not in ("tr", "va", "te") or not parts[2].strip():
                raise DataFormatError(
                    f"{path}, line {line_number}: expected split (tr, va or te), label and "
                    "sentence, separated by tabs."
                )
            splits.setdefault(parts[0], []).append((parts[1], parts[2].split(" ")))
    return splits
