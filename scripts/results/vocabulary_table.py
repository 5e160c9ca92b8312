"""
The tables of docs/RESULTS.md "The vocabulary": for each run and vocabulary variant trained by
scripts/results/vocabulary_runs.sh, each task's dev score at the checkpoint the run kept (its best
validation metric), as mean +- standard deviation over the seeds found, with the seeds' values.

    python scripts/results/vocabulary_table.py [OUT_DIR]    (default output/results/conll04)
"""

import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

# The main metric of each task as the HMTL and allennlp-models models name it.
TASK_METRICS = {
    "ner_f1": "NER F1",
    "emd_f1": "EMD F1",
    "relation_strict_f1": "RE strict F1",
    "coref_avg_f1": "CR CoNLL F1",
    "f1-measure-overall": "span F1",
    "coref_f1": "CR CoNLL F1",
}
VARIANTS = ["old", "fine_tuned", "frozen", "frozen_projection"]
RUN_DIR = re.compile(r"(?P<run>.+)_vocab_(?P<variant>[a-z_]+?)(_seed(?P<seed>\d+))?$")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "output/results/conll04")
    # (run, variant) -> metric -> [(seed, value)]; plus epochs and wall time per seed
    scores: Dict[Tuple[str, str], Dict[str, List[Tuple[str, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    details: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for metrics_file in sorted(out.glob("*_vocab_*/metrics.json")):
        match = RUN_DIR.match(metrics_file.parent.name)
        if match is None or match["variant"] not in VARIANTS:
            continue
        key, seed = (match["run"], match["variant"]), match["seed"] or "default"
        metrics = json.loads(metrics_file.read_text())
        for metric in TASK_METRICS:
            value = metrics.get(f"best_validation_{metric}")
            if value is not None:
                scores[key][metric].append((seed, 100 * value))
        wall = metrics_file.parent / "wall_seconds"
        minutes = f"{int(wall.read_text()) / 60:.0f} min" if wall.exists() else "?"
        details[key].append(
            f"{seed}: best epoch {metrics['best_epoch'] + 1} of {metrics['epoch'] + 1}, {minutes}"
        )
    print("| run | variant | " + "score (mean +- sd over seeds) | seeds | epochs, wall |")
    print("|---|---|---|---|---|")
    for run in sorted({run for run, _ in scores}):
        for variant in VARIANTS:
            if (run, variant) not in scores:
                continue
            cells = []
            for metric, values in scores[(run, variant)].items():
                numbers = [value for _, value in values]
                spread = f" +- {statistics.stdev(numbers):.2f}" if len(numbers) > 1 else ""
                per_seed = ", ".join(f"{value:.2f}" for _, value in values)
                cells.append(
                    f"{TASK_METRICS[metric]} {statistics.mean(numbers):.2f}{spread} ({per_seed})"
                )
            print(
                f"| `{run}` | {variant} | {'; '.join(cells)} | {len(details[(run, variant)])} "
                f"| {'; '.join(details[(run, variant)])} |"
            )


if __name__ == "__main__":
    main()
