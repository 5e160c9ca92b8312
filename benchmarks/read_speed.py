"""
Reading speed of the dataset readers on the public train files in `../shared/data` (beside the
repository): every applicable task of every corpus, instances made but not indexed.

    .venv/bin/python benchmarks/read_speed.py [--data-dir ../shared/data]
        [--output benchmarks/results/read_speed.json]

Prints a table of tokens per second and writes the numbers as JSON.
"""

import argparse
import json
import logging
import os
import platform
import time
from pathlib import Path

from hmtl_allennlp.dataset_readers import Ace05Reader, OntonotesReader

REPOSITORY = Path(__file__).resolve().parent.parent

# corpus, train file, reader class, tasks the corpus has annotations for
CASES = [
    ("gum", "gum/train.gum.gold_conll", OntonotesReader, ("ner", "coref")),
    ("scierc", "scierc/train.json", Ace05Reader, ("emd", "relation", "coref")),
    ("litbank", "litbank/train.jsonl", Ace05Reader, ("emd", "coref")),
    ("redocred", "redocred/train.jsonl", Ace05Reader, ("emd", "relation", "coref")),
    ("conll04", "conll04/train.jsonl", Ace05Reader, ("emd", "relation")),
]


def measure(reader, path: Path) -> dict:
    start = time.perf_counter()
    instances = list(reader.read(path))
    seconds = time.perf_counter() - start
    tokens = sum(len(instance["tokens"]) for instance in instances)
    return {
        "instances": len(instances),
        "tokens": tokens,
        "seconds": round(seconds, 3),
        "tokens_per_second": round(tokens / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPOSITORY.parent / "shared" / "data")
    parser.add_argument(
        "--output", type=Path, default=REPOSITORY / "benchmarks" / "results" / "read_speed.json"
    )
    arguments = parser.parse_args()
    logging.getLogger("hmtl_allennlp").setLevel(logging.WARNING)

    results = []
    print(
        f"{'corpus':<10} {'task':<9} {'instances':>9} {'tokens':>8} {'seconds':>8} {'tokens/s':>9}"
    )
    for corpus, file_name, reader_class, tasks in CASES:
        path = arguments.data_dir / file_name
        if not path.exists():
            print(f"{corpus:<10} (no {file_name} in {arguments.data_dir})")
            continue
        for task in tasks:
            result = {"corpus": corpus, "file": file_name, "task": task}
            result.update(measure(reader_class(task=task), path))
            results.append(result)
            print(
                f"{corpus:<10} {task:<9} {result['instances']:>9} {result['tokens']:>8} "
                f"{result['seconds']:>8.2f} {result['tokens_per_second']:>9}"
            )
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "command": "python benchmarks/read_speed.py",
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "note": "instances made without token indexing; coref includes candidate spans",
        "results": results,
    }
    arguments.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {arguments.output}")


if __name__ == "__main__":
    main()
