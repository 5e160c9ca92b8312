"""
Checks that `allennlp predict` outputs what `allennlp evaluate` scores: evaluates an archive on
data files and scores the "hmtl" predictor's outputs on the same documents with the same
metrics, and prints both (see `hmtl_allennlp.commands.parity`).

    .venv/bin/python scripts/prediction_parity.py ARCHIVE DATA_PATHS

DATA_PATHS: a JSON object {task: file}, as `allennlp evaluate` takes it for an HMTL archive.
Exits with 1 when a score differs by more than 1e-9.
"""

import argparse
import json
import sys

from hmtl_allennlp.commands.parity import format_parity, prediction_parity


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("archive")
    parser.add_argument("data_paths", help='e.g. {"ner": "dev.gold_conll", "emd": "dev.jsonl"}')
    arguments = parser.parse_args()
    compared = prediction_parity(arguments.archive, json.loads(arguments.data_paths))
    print(format_parity(compared))
    differing = [
        name
        for name, (evaluated, predicted) in compared.items()
        if abs(evaluated - predicted) > 1e-9
    ]
    if differing:
        print(f"predict and evaluate differ on {', '.join(differing)}", file=sys.stderr)
        return 1
    print("predict scores what evaluate scores.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
