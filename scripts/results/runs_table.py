"""
A table of chosen runs from a summary of scripts/results/summarize.py (docs/RESULTS.md: the
embedding ablation, the pairs and triples of tasks): one row per run, with each task's dev F1
at the checkpoint the run kept, the updates to it (all of the run's), the epochs run (marked
"capped" when the run stopped at its epoch cap with the kept checkpoint in its last epoch, so
that its scores are lower bounds) and the wall time per epoch.

    python scripts/results/runs_table.py SUMMARY RUN[=LABEL] [RUN[=LABEL] ...]

e.g. python scripts/results/runs_table.py docs/results/embeddings_conll04.json \\
    emd_relation_characters=characters emd_relation_glove=GloVe \\
    emd_relation_transformer="GloVe + characters + MiniLM (frozen)"

Needs only the standard library.
"""

import json
import sys
from typing import Any, Dict, List

from convergence_table import TASK_NAMES  # noqa: E402  (this folder's table of one seed)


def row(run: str, label: str, summary: Dict[str, Any], tasks: List[str]) -> str:
    result = summary[run]
    cells = []
    kept_updates = None
    for task in tasks:
        point = result["tasks"].get(task, {}).get("kept")
        cells.append("-" if point is None else f"{point['dev']:.2f}")
        if point is not None:
            kept_updates = point["updates"]
    epochs = result["epochs_run"]
    kept = result.get("kept_epoch")
    capped = epochs == result.get("epoch_cap") and kept == epochs - 1
    seconds = result.get("wall_seconds")
    per_epoch = "-" if not seconds or not epochs else f"{seconds / epochs / 60:.1f}"
    updates = "-" if kept_updates is None else f"{kept_updates:,}"
    return (
        f"| {label} (`{run}`) | " + " | ".join(cells) + f" | {updates} | "
        f"{'-' if kept is None else kept + 1} of {epochs}{' (capped)' if capped else ''} | "
        f"{per_epoch} |"
    )


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs: Dict[str, Any] = json.load(open(sys.argv[1]))["runs"]
    wanted = [argument.partition("=") for argument in sys.argv[2:]]
    missing = [run for run, _, _ in wanted if run not in runs]
    if missing:
        sys.exit(f"{sys.argv[1]}: no run {', '.join(missing)} (runs: {', '.join(sorted(runs))})")
    tasks = [task for task in TASK_NAMES if any(task in runs[run]["tasks"] for run, _, _ in wanted)]
    print(
        "| run | "
        + " | ".join(TASK_NAMES[task] for task in tasks)
        + " | updates | kept epoch of epochs run | min per epoch |"
    )
    print("|---|" + "---|" * (len(tasks) + 3))
    for run, _, label in wanted:
        print(row(run, label or run, runs, tasks))


if __name__ == "__main__":
    main()
