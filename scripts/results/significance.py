"""
Compares two runs' per-item counts (`allennlp hmtl-item-counts`, or the item_counts.json that
scripts/results/train_runs.sh writes next to each run) level by level: each run's score, their
difference and the p-value of a paired significance test over the items both were scored on
(hmtl_allennlp.metrics.significance).

    .venv/bin/python scripts/results/significance.py A.json B.json [--level ner ...]
        [--trials 10000] [--seed 0] [--bootstrap]

Levels: those both files have, unless named. Exits with 2 when the files do not pair up.
"""

import argparse
import sys

from hmtl_allennlp.metrics.item_counts import paired_counts, read_item_counts
from hmtl_allennlp.metrics.significance import SCORES, approximate_randomization, paired_bootstrap


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--level", nargs="*", help="the levels to compare (default: all shared)")
    parser.add_argument("--trials", type=int, default=10000, help="shuffles or samples")
    parser.add_argument("--seed", type=int, default=0, help="seeds the shuffles")
    parser.add_argument(
        "--bootstrap", action="store_true", help="the paired bootstrap instead of randomization"
    )
    arguments = parser.parse_args()
    try:
        first, second = read_item_counts(arguments.first), read_item_counts(arguments.second)
        levels = arguments.level or [
            level for level in first["levels"] if level in second["levels"]
        ]
        print(f"{'level':<10} {'first':>7} {'second':>7} {'difference':>10} {'items':>6} {'p':>8}")
        for level in levels:
            _, counts_a, counts_b, score = paired_counts(
                first, second, level, (arguments.first, arguments.second)
            )
            test = paired_bootstrap if arguments.bootstrap else approximate_randomization
            result = test(counts_a, counts_b, SCORES[score], arguments.trials, arguments.seed)
            print(
                f"{level:<10} {100 * result.score_a:7.2f} {100 * result.score_b:7.2f} "
                f"{100 * result.difference:+10.2f} {result.items:>6} {result.p_value:8.4f}"
            )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    test_name = "paired bootstrap" if arguments.bootstrap else "approximate randomization"
    print(f"({test_name}, {arguments.trials:,} trials)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
