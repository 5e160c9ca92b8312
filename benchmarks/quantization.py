"""
Dynamic int8 quantization (`HmtlPredictor(quantize="int8")`) against the model as trained: each
task's dev score, and prediction speed, for both, in one session on one machine.

    .venv/bin/python benchmarks/quantization.py [--archive models/hmtl_gum_conll04/model.tar.gz]
        [--dev '{"ner": GUM_DEV, "coref": GUM_DEV, "emd": CONLL04_DEV, "relation": CONLL04_DEV}']
        [--speed-input fixtures/sample/dev.jsonl] [--documents 50] [--repeats 3] [--threads 1]
        [--clock wall|process] [--output benchmarks/results/quantization.json]

Dev scores: the archive's validation data loader over `--dev` (by default the shared dev files
of the pretrained model's card: GUM for NER and coreference, CoNLL04 for EMD and relations), as
`allennlp evaluate` runs it, for the float model and for its int8 copy; each task's main
metric (the one `combined_f1` averages) and the change in points. The issue's rule: int8 by
default only if every task moves by at most 0.3 points.

Speed: the first `--documents` documents of `--speed-input` (JSON lines, any input form of the
predictor), predicted one at a time by the "hmtl" predictor as `allennlp predict` does, every
task; the float and int8 passes alternate, `--repeats` rounds after one warm-up pass each, the
best pass counting. `--clock process` counts the CPU time of this process (what a shared
machine disturbs least; with `--threads 1` it is the time of one core). Prints a markdown
table for docs/BENCHMARKS.md and writes the numbers as JSON.
"""

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any, Dict, List

import torch
from allennlp.common import Params
from allennlp.data import DataLoader
from allennlp.evaluation import Evaluator
from allennlp.models import Model

from benchmark_setup import REPOSITORY, machine, shown
from hmtl_allennlp.models import load_model_archive
from hmtl_allennlp.models.quantization import quantize_model
from hmtl_allennlp.predictors import HmtlPredictor
from hmtl_allennlp.predictors.json_lines import read_json_lines

SHARED_DATA = "../shared/data"
DEFAULT_DEV = {
    "ner": f"{SHARED_DATA}/gum/dev.gum.gold_conll",
    "coref": f"{SHARED_DATA}/gum/dev.gum.gold_conll",
    "emd": f"{SHARED_DATA}/conll04/dev.jsonl",
    "relation": f"{SHARED_DATA}/conll04/dev.jsonl",
}
CLOCKS = {"wall": time.perf_counter, "process": time.process_time}
# The largest change of a task's dev score (in points) that allows int8 by default.
F1_BUDGET = 0.3


def dev_scores(model: Model, archive: Any, dev: Dict[str, str]) -> Dict[str, float]:
    """Every metric of `model` on the dev files, as `allennlp evaluate` computes them."""
    config: Params = archive.config.duplicate()
    evaluator_params = config.pop("evaluation", {})
    evaluator_params["cuda_device"] = -1
    evaluator = Evaluator.from_params(evaluator_params)
    loader_params = config.get("validation_data_loader", None) or config.get("data_loader")
    data_loader = DataLoader.from_params(
        params=loader_params, reader=archive.validation_dataset_reader, data_path=dev
    )
    data_loader.index_with(model.vocab)
    return evaluator(model, data_loader)


def timed_pass(predictor: HmtlPredictor, lines: List[bytes], clock) -> float:
    start = clock()
    for document in read_json_lines(lines):
        predictor.predict_json(document)
    return clock() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument(
        "--archive", type=Path, default=REPOSITORY / "models/hmtl_gum_conll04/model.tar.gz"
    )
    parser.add_argument("--dev", type=json.loads, default=DEFAULT_DEV, help="{task: dev file}")
    parser.add_argument(
        "--speed-input", type=Path, default=REPOSITORY / "fixtures/sample/dev.jsonl"
    )
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="process")
    parser.add_argument("--skip-dev", action="store_true", help="measure the speed only")
    parser.add_argument(
        "--output", type=Path, default=REPOSITORY / "benchmarks/results/quantization.json"
    )
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    logging.getLogger("allennlp").setLevel(logging.WARNING)
    # The dev paths are relative to the repository root, as in the model card.
    dev = {task: str(REPOSITORY / path) for task, path in arguments.dev.items()}
    missing = [path for path in dev.values() if not Path(path).is_file()]
    if missing and not arguments.skip_dev:
        parser.error(f"dev file(s) not found: {', '.join(sorted(set(missing)))}")

    archive = load_model_archive(str(arguments.archive))
    float_model = archive.model.eval()
    int8_model = quantize_model(float_model)
    models = {"float": float_model, "int8": int8_model}
    reader = archive.validation_dataset_reader

    scores: Dict[str, Dict[str, float]] = {}
    if not arguments.skip_dev:
        main_metrics = float_model.main_metrics()
        for name, model in models.items():
            metrics = dev_scores(model, archive, dev)
            scores[name] = {task: 100 * metrics[metric] for task, metric in main_metrics.items()}

    lines = arguments.speed_input.read_bytes().splitlines()[: arguments.documents]
    predictors = {name: HmtlPredictor(model, reader) for name, model in models.items()}
    outputs = [predictors["float"].predict_json(document) for document in
               read_json_lines(lines)]  # fmt: skip
    num_tokens = sum(len(s) for output in outputs for s in output.get("sentences", []))
    clock = CLOCKS[arguments.clock]
    best = {name: float("inf") for name in predictors}
    for name, predictor in predictors.items():
        timed_pass(predictor, lines, clock)  # warm-up
    for round_index in range(arguments.repeats):
        order = list(predictors) if round_index % 2 == 0 else list(reversed(predictors))
        for name in order:
            best[name] = min(best[name], timed_pass(predictors[name], lines, clock))
    speed = {
        name: {"seconds": seconds, "tokens_per_second": num_tokens / seconds}
        for name, seconds in best.items()
    }

    print(
        f"{shown(arguments.archive)}: speed on {len(lines)} documents of "
        f"{shown(arguments.speed_input)} ({num_tokens} tokens), torch threads "
        f"{arguments.threads}, clock {arguments.clock}, best of {arguments.repeats}\n"
    )
    print("| | float32 | int8 | change |")
    print("|---|---|---|---|")
    within_budget = True
    for task in scores.get("float", {}):
        change = scores["int8"][task] - scores["float"][task]
        within_budget &= abs(change) <= F1_BUDGET
        print(
            f"| {task} dev ({float_model.main_metrics()[task]}) | {scores['float'][task]:.2f} | "
            f"{scores['int8'][task]:.2f} | {change:+.2f} |"
        )
    ratio = speed["int8"]["tokens_per_second"] / speed["float"]["tokens_per_second"]
    print(
        f"| tokens/s | {speed['float']['tokens_per_second']:.0f} | "
        f"{speed['int8']['tokens_per_second']:.0f} | x{ratio:.2f} |"
    )
    if scores:
        if within_budget:
            print(f"\nEvery task's change is within the {F1_BUDGET} point budget.")
        else:
            print(f"\nAt least one task's change is outside the {F1_BUDGET} point budget.")

    result = {
        "archive": shown(arguments.archive),
        "dev": arguments.dev,
        "speed_input": shown(arguments.speed_input),
        "documents": len(lines),
        "tokens": num_tokens,
        "repeats": arguments.repeats,
        "clock": arguments.clock,
        "machine": machine(arguments.threads),
        "dev_scores": scores,
        "within_budget": within_budget if scores else None,
        "speed": speed,
        "speedup": ratio,
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWritten to {shown(arguments.output)}")


if __name__ == "__main__":
    main()
