"""
Size and speed of the full HMTL model at the paper's sizes: builds the model of a training
config (by default `training_config/hmtl_full.jsonnet`: GloVe 50d + a character CNN of 16-d
characters and 64 filters of width 3; NER BiLSTM 64 x 2 layers, EMD 64 x 2, RE 64 x 3,
CR 200 x 1) with the vocabulary of the training data its data variables name (`source
scripts/sample_env.sh` for the bundled sample), and times one training step (forward +
backward) on batches of each task at the config's batch sizes (32 sentences for NER and EMD, 4
for RE, 1 document for CR).

    .venv/bin/python benchmarks/model_step_time.py [--config training_config/hmtl_full.jsonnet]
        [--overrides JSON] [--batches 10] [--threads N] [--device cpu|cuda]
        [--archive SERIALIZATION_DIR/model.tar.gz]
        [--output benchmarks/results/model_step_time.json]

`--archive` times a trained model (its config, vocabulary and weights, with the overrides), where
the cost of a step depends on what the model predicts: the relation arguments that a mention
level finds, the spans that coreference keeps.

Prints the parameter counts and a table of milliseconds per step, and writes them as JSON.
"""

import argparse
import json
import logging
import platform
import statistics
import time
from pathlib import Path
from typing import Dict, List

import torch
from allennlp.common import Params
from allennlp.data import Batch, DataLoader, DatasetReader, Instance, Vocabulary
from allennlp.models import Model
from allennlp.models.archival import load_archive
from allennlp.nn.util import move_to_device

import hmtl_allennlp  # noqa: F401  (registers the readers, loader, model and heads)

REPOSITORY = Path(__file__).resolve().parent.parent


def instances_by_task(params: Params) -> Dict[str, List[Instance]]:
    reader = DatasetReader.from_params(params["dataset_reader"].duplicate())
    data_loader = DataLoader.from_params(
        params["data_loader"].duplicate(),
        reader=reader,
        data_path=params["train_data_path"].duplicate().as_dict(),
    )
    by_task: Dict[str, List[Instance]] = {}
    for instance in data_loader.iter_instances():
        by_task.setdefault(instance["task"].metadata, []).append(instance)
    return by_task


def time_steps(
    model: Model, instances: List[Instance], batch_size: int, num_batches: int, device
) -> Dict[str, float]:
    """Milliseconds of forward + backward per batch, after one batch of warm-up."""
    batches = [
        instances[start : start + batch_size]
        for start in range(0, batch_size * (num_batches + 1), batch_size)
    ]
    seconds = []
    tokens = []
    model.train()
    for index, batch_instances in enumerate(batches):
        batch = Batch(batch_instances)
        batch.index_instances(model.vocab)
        tensors = move_to_device(batch.as_tensor_dict(), device)
        model.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        model(**tensors)["loss"].backward()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if index > 0:
            seconds.append(time.perf_counter() - start)
            tokens.append(sum(len(instance["tokens"]) for instance in batch_instances))
    return {
        "batch_size": batch_size,
        "batches_timed": len(seconds),
        "mean_tokens_per_batch": round(statistics.mean(tokens), 1),
        "mean_ms": round(1000 * statistics.mean(seconds), 1),
        "median_ms": round(1000 * statistics.median(seconds), 1),
        "min_ms": round(1000 * min(seconds), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument(
        "--config", type=Path, default=REPOSITORY / "training_config" / "hmtl_full.jsonnet"
    )
    parser.add_argument("-o", "--overrides", default="", help="JSON overrides of the config")
    parser.add_argument("--batches", type=int, default=10, help="timed batches per task")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--archive", type=Path, default=None, help="a trained model.tar.gz")
    parser.add_argument(
        "--output",
        type=Path,
        default=REPOSITORY / "benchmarks" / "results" / "model_step_time.json",
    )
    arguments = parser.parse_args()
    arguments.config = arguments.config.resolve()
    logging.getLogger("hmtl_allennlp").setLevel(logging.WARNING)
    if arguments.threads is not None:
        torch.set_num_threads(arguments.threads)
    torch.manual_seed(0)
    device = torch.device(arguments.device)

    if arguments.archive is None:
        params = Params.from_file(str(arguments.config), params_overrides=arguments.overrides)
        by_task = instances_by_task(params)
        vocab = Vocabulary.from_instances(
            instance for instances in by_task.values() for instance in instances
        )
        model = Model.from_params(vocab=vocab, params=params["model"].duplicate())
    else:
        archive = load_archive(str(arguments.archive), overrides=arguments.overrides)
        params, model = archive.config, archive.model
        by_task = instances_by_task(params)
        arguments.config = arguments.archive.resolve()
        vocab = model.vocab
    model = model.to(device)
    parameters = {
        "total": sum(parameter.numel() for parameter in model.parameters()),
        "trainable": sum(
            parameter.numel() for parameter in model.parameters() if parameter.requires_grad
        ),
        "by_part": {},
    }
    for name, parameter in model.named_parameters():
        part = ".".join(name.split(".")[:2])
        parameters["by_part"][part] = parameters["by_part"].get(part, 0) + parameter.numel()

    batch_sizes = params["data_loader"]["scheduler"]["batch_size"].as_dict()
    steps = {
        task: time_steps(model, by_task[task], batch_sizes[task], arguments.batches, device)
        for task in model._level_order
    }

    print(f"config: {arguments.config.relative_to(REPOSITORY)}")
    print(f"parameters: {parameters['total']:,} ({parameters['trainable']:,} trainable)")
    for part, count in parameters["by_part"].items():
        print(f"  {part:<52} {count:>10,}")
    print(f"{'task':<9} {'batch':>5} {'tokens':>7} {'mean ms':>8} {'median ms':>9} {'min ms':>7}")
    for task, step in steps.items():
        print(
            f"{task:<9} {step['batch_size']:>5} {step['mean_tokens_per_batch']:>7} "
            f"{step['mean_ms']:>8} {step['median_ms']:>9} {step['min_ms']:>7}"
        )

    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    results = {
        "config": str(arguments.config.relative_to(REPOSITORY)),
        "overrides": arguments.overrides,
        "archive": None if arguments.archive is None else str(arguments.archive),
        "vocabulary": {
            namespace: vocab.get_vocab_size(namespace) for namespace in vocab.get_namespaces()
        },
        "parameters": parameters,
        "steps": steps,
        "device": str(device),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
    }
    arguments.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {arguments.output}")


if __name__ == "__main__":
    main()
