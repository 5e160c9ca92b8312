"""
The tables of docs/PROBING.md from `hmtl-probe` results: per task, the majority baseline and each
level's dev accuracy (linear probe / MLP probe), one table per results file.

    python scripts/results/probing_table.py RESULTS.json [RESULTS.json ...]
"""

import json
import sys
from pathlib import Path


def main() -> None:
    for path in sys.argv[1:]:
        results = json.loads(Path(path).read_text(encoding="utf-8"))
        levels = results["levels"]
        print(f"\n{Path(path).stem} ({results['pooling']} pooling; linear / MLP, dev accuracy %)\n")
        print("| task | classes | majority | " + " | ".join(levels) + " |")
        print("|---|---|---|" + "---|" * len(levels))
        for task, result in results["tasks"].items():
            cells = [
                " / ".join(
                    f"{100 * result['levels'][level][probe]:.1f}" for probe in results["probes"]
                )
                for level in levels
            ]
            print(
                f"| {task} | {result['classes']} | {100 * result['majority_baseline']:.1f} | "
                + " | ".join(cells)
                + " |"
            )


if __name__ == "__main__":
    main()
