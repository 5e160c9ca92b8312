"""
Training throughput of the full HMTL model (training_config/hmtl_full.jsonnet: GloVe 50d +
character CNN, the paper's level sizes and batch sizes) on real text: tokens per second of
complete training steps (forward, backward, gradient clipping, Adam update), per task and for
the proportional task mix that `allennlp train` uses.

    .venv/bin/python benchmarks/train_speed.py [--steps 20] [--mix-steps 60] [--threads 1]
        [--clock wall|process] [--overrides JSON] [--output benchmarks/results/train_speed.json]

Data: NER on GUM, EMD/RE/CR on Re-DocRED (../shared/data; the HMTL_* variables override it).
Per task, `--steps` batches of the task, drawn as training draws them (the config's data
loader restricted to the task: its order, its bucketing by length), are timed after one warm-up
step; the mix draws `--mix-steps` batches with the config's own data loader
(proportional sampling), so it weighs the tasks as training does. Prints a table, writes JSON.
`--clock process` times the CPU time of this process instead of the wall-clock time: with one
thread, the cost of the steps without the time spent waiting for a core that other work holds
(on a shared machine wall-clock times drift by a factor of two).
"""

import argparse
import json
import logging
from itertools import islice
from typing import Dict, List

import torch
from allennlp.data import DataLoader, DatasetReader, Instance, Vocabulary

from benchmark_setup import (
    CLOCKS,
    REPOSITORY,
    build_model,
    config_params,
    data_paths,
    machine,
    use_public_data,
)

CONFIG = "training_config/hmtl_full.jsonnet"


def train_step(model, optimizer, batch: Dict) -> None:
    optimizer.zero_grad(set_to_none=True)
    model(**batch)["loss"].backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()


def timed(model, optimizer, batches: List[Dict], tokens: List[int], clock) -> Dict[str, float]:
    """Times every batch but the first (the warm-up)."""
    train_step(model, optimizer, batches[0])
    start = clock()
    for batch in batches[1:]:
        train_step(model, optimizer, batch)
    seconds = clock() - start
    return {
        "steps": len(batches) - 1,
        "tokens": sum(tokens[1:]),
        "seconds": round(seconds, 2),
        "ms_per_step": round(1000 * seconds / (len(batches) - 1), 1),
        "tokens_per_second": round(sum(tokens[1:]) / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per task")
    parser.add_argument("--mix-steps", type=int, default=60, help="timed steps of the task mix")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument(
        "--overrides", default="{}", help="config overrides, as `allennlp train -o` takes them"
    )
    parser.add_argument(
        "--output", default=str(REPOSITORY / "benchmarks" / "results" / "train_speed.json")
    )
    arguments = parser.parse_args()
    logging.getLogger("hmtl_allennlp").setLevel(logging.WARNING)
    torch.set_num_threads(arguments.threads)
    use_public_data()

    params = config_params(CONFIG, json.loads(arguments.overrides))
    batch_sizes = params["data_loader"]["scheduler"]["batch_size"].as_dict()
    reader = DatasetReader.from_params(params["dataset_reader"].duplicate())
    loader = DataLoader.from_params(
        params["data_loader"].duplicate(),
        reader=reader,
        data_path=params["train_data_path"].duplicate().as_dict(),
    )
    by_task: Dict[str, List[Instance]] = {}
    for instance in loader.iter_instances():
        by_task.setdefault(instance["task"].metadata, []).append(instance)
    vocab = Vocabulary.from_instances(i for instances in by_task.values() for i in instances)
    model = build_model(params, vocab)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    results: Dict[str, Dict[str, float]] = {}
    for task in by_task:
        # The task's batches as training draws them (in the config's order and bucketing).
        task_loader = DataLoader.from_params(
            params["data_loader"].duplicate(),
            reader=reader,
            data_path=params["train_data_path"].duplicate().as_dict(),
            tasks=[task],
        )
        task_loader.index_with(vocab)
        batches: List[Dict] = []
        while len(batches) < arguments.steps + 1:
            batches.extend(islice(task_loader, arguments.steps + 1 - len(batches)))
        results[task] = {
            "batch_size": batch_sizes[task],
            **timed(
                model,
                optimizer,
                batches,
                [int(batch["tokens"]["tokens"]["tokens"].ne(0).sum()) for batch in batches],
                CLOCKS[arguments.clock],
            ),
        }

    loader.index_with(vocab)
    mix_batches, mix_tokens, mix_tasks = [], [], {}
    for batch in loader:
        if len(mix_batches) == arguments.mix_steps + 1:
            break
        task = batch["task"][0]
        mix_tasks[task] = mix_tasks.get(task, 0) + 1
        mix_batches.append(batch)
        mix_tokens.append(int(batch["tokens"]["tokens"]["tokens"].ne(0).sum()))
    results["proportional mix"] = {
        "batches_per_task": mix_tasks,
        **timed(model, optimizer, mix_batches, mix_tokens, CLOCKS[arguments.clock]),
    }

    print(f"{'task':<17} {'batch':>5} {'steps':>5} {'ms/step':>8} {'tokens/s':>9}")
    for task, row in results.items():
        print(
            f"{task:<17} {row.get('batch_size', '-'):>5} {row['steps']:>5} "
            f"{row['ms_per_step']:>8} {row['tokens_per_second']:>9}"
        )
    with open(arguments.output, "w") as output:
        json.dump(
            {
                "command": "python benchmarks/train_speed.py "
                f"--steps {arguments.steps} --mix-steps {arguments.mix_steps} "
                f"--threads {arguments.threads} --clock {arguments.clock}"
                + (f" --overrides '{arguments.overrides}'" if arguments.overrides != "{}" else ""),
                "config": CONFIG,
                "data": data_paths(),
                "machine": machine(arguments.threads),
                "clock": arguments.clock,
                "note": "complete training steps (forward, backward, clipping, Adam); one "
                "warm-up step not counted; tokens are the unpadded tokens of the batch",
                "results": results,
            },
            output,
            indent=2,
        )
        output.write("\n")


if __name__ == "__main__":
    main()
