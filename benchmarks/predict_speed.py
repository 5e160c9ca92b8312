"""
Prediction throughput of an archived HMTL model with the "hmtl" predictor: tokens per second
over a JSON-lines file of documents, every task of the archive predicted, one document at a
time and in batches (as `allennlp predict --batch-size N` runs them).

    .venv/bin/python benchmarks/predict_speed.py [--archive ARCHIVE] [--input FILE] [--documents N]
        [--batch-sizes 1 16] [--repeats 3] [--threads N] [--cuda-device -1]
        [--clock wall|process] [--predictor-args JSON]
        [--output benchmarks/results/predict_speed.json]

The archive defaults to the newest quick-start archive (output/quickstart-*/model.tar.gz, as
`make quickstart` writes it), the input to the bundled sample's dev split (`--documents N`: its
first N lines). Each batch size is
timed `repeats` times after one warm-up pass; the best pass counts. Prints a table and writes the
numbers, with the machine and settings, as JSON. Outputs are also checked to be the same for
every batch size (and, apart from the relations' scores, the same predictions: with
`sentence_batch_tokens` among `--predictor-args` a score can differ in its last digits).
`--predictor-args` are the predictor's settings, as `allennlp predict --predictor-args` takes
them, e.g. '{"sentence_batch_tokens": 2048}' or '{"quantize": "int8"}'.
"""

import argparse
import json
import logging
import os
import platform
from pathlib import Path
from typing import Any, Dict, List

import torch
from allennlp.common.util import lazy_groups_of

from benchmark_setup import CLOCKS, REPOSITORY, newest_quickstart_archive, shown
from hmtl_allennlp.predictors import HmtlPredictor


def predict_all(predictor: HmtlPredictor, lines: List[str], batch_size: int) -> List[dict]:
    outputs = []
    for batch in lazy_groups_of(iter(lines), batch_size):
        outputs.extend(predictor.predict_batch_json([predictor.load_line(line) for line in batch]))
    return outputs


def without_scores(outputs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The outputs without the relations' scores."""
    return [
        {
            **output,
            "relations": [
                {key: value for key, value in relation.items() if key != "score"}
                for relation in output.get("relations", [])
            ],
        }
        for output in outputs
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--input", type=Path, default=REPOSITORY / "fixtures/sample/dev.jsonl")
    parser.add_argument("--documents", type=int, help="only the input's first N lines")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("--cuda-device", type=int, default=-1)
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="process: this process's CPU time (with one thread, the cost without the waits "
        "for a core that other work holds)",
    )
    parser.add_argument(
        "--predictor-args", type=json.loads, default={}, help="the predictor's settings, JSON"
    )
    parser.add_argument(
        "--output", type=Path, default=REPOSITORY / "benchmarks/results/predict_speed.json"
    )
    arguments = parser.parse_args()
    archive = arguments.archive or newest_quickstart_archive()
    if archive is None:
        parser.error("no --archive given and no output/quickstart-*/model.tar.gz found")
    if arguments.threads is not None:
        torch.set_num_threads(arguments.threads)
    logging.getLogger("allennlp").setLevel(logging.WARNING)

    predictor = HmtlPredictor.from_path(
        archive, cuda_device=arguments.cuda_device, **arguments.predictor_args
    )
    clock = CLOCKS[arguments.clock]
    text = arguments.input.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()][: arguments.documents]
    reference = predict_all(predictor, lines, 1)  # also the warm-up
    errors = [output for output in reference if "error" in output]
    if errors:
        parser.error(f"{len(errors)} documents failed, e.g. {errors[0]}")
    num_tokens = sum(len(sentence) for output in reference for sentence in output["sentences"])
    tasks = [key for key in ("ner", "mentions", "relations", "clusters") if key in reference[0]]

    print(
        f"{shown(archive)} on {shown(arguments.input)}: {len(lines)} documents, {num_tokens} "
        f"tokens, outputs {', '.join(tasks)}; torch threads {torch.get_num_threads()}"
    )
    print(
        f"{'batch size':>10} {'seconds':>8} {'tokens/s':>9} {'documents/s':>11}  same output"
        "  same predictions"
    )
    results = []
    for batch_size in arguments.batch_sizes:
        best = float("inf")
        for _ in range(arguments.repeats):
            start = clock()
            outputs = predict_all(predictor, lines, batch_size)
            best = min(best, clock() - start)
        same = outputs == reference
        same_predictions = without_scores(outputs) == without_scores(reference)
        results.append(
            {
                "batch_size": batch_size,
                "seconds": round(best, 3),
                "tokens_per_second": round(num_tokens / best),
                "documents_per_second": round(len(lines) / best, 2),
                "same_output_as_batch_size_1": same,
                "same_predictions_as_batch_size_1": same_predictions,
            }
        )
        print(
            f"{batch_size:>10} {best:8.3f} {num_tokens / best:9.0f} "
            f"{len(lines) / best:11.2f}  {str(same):<11}  {same_predictions}"
        )

    device = "cpu"
    if arguments.cuda_device >= 0:
        device = torch.cuda.get_device_name(arguments.cuda_device)
    report = {
        "command": "python benchmarks/predict_speed.py "
        f"--archive {shown(archive)} --input {shown(arguments.input)} "
        + (f"--documents {arguments.documents} " if arguments.documents is not None else "")
        + f"--batch-sizes {' '.join(map(str, arguments.batch_sizes))} --repeats {arguments.repeats}"
        + (f" --threads {arguments.threads}" if arguments.threads is not None else "")
        + f" --clock {arguments.clock}"
        + (
            f" --predictor-args '{json.dumps(arguments.predictor_args)}'"
            if arguments.predictor_args
            else ""
        ),
        "machine": {
            "python": platform.python_version(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
            "device": device,
            "torch_threads": torch.get_num_threads(),
        },
        "archive": shown(archive),
        "input": shown(arguments.input),
        "documents": len(lines),
        "tokens": num_tokens,
        "outputs": tasks,
        "predictor_args": arguments.predictor_args,
        "note": "best of the repeats, after one warm-up pass with batch size 1",
        "results": results,
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {shown(arguments.output)}")


if __name__ == "__main__":
    main()
