"""
The tables of docs/RESULTS.md "Runs to convergence" from a summary of scripts/results/summarize.py:
per task, the best dev F1 of the full model, of HMTL's single-task run and of the allennlp-models
baseline, with the updates each needed to reach it (all of the run's, and the task's own) and
its wall time; then whether the full model matches each single-task run, and the updates that
the four single-task runs needed in all against the full model's.

    python scripts/results/convergence_table.py docs/results/converge_conll04.json

Needs only the standard library.
"""

import json
import sys
from typing import Any, Dict, List, Optional

TASK_NAMES = {"ner": "NER", "emd": "EMD", "relation": "RE (strict)", "coref": "CR (CoNLL F1)"}
# The runs of each row, in order: (run, what it is).
ROWS = {
    "ner": [("ner", "HMTL, NER alone"), ("crf_ner", "allennlp-models crf_tagger")],
    "emd": [
        ("emd", "HMTL, EMD alone"),
        ("emd_relation", "HMTL, EMD + RE (end to end)"),
        ("crf_emd", "allennlp-models crf_tagger"),
    ],
    "relation": [
        ("emd_relation", "HMTL, EMD + RE (end to end)"),
        ("relation", "HMTL, RE alone, gold mentions"),
    ],
    "coref": [
        ("coref_conll", "HMTL, CR alone"),
        ("coref", "HMTL, CR alone"),
        ("coref_baseline_conll", "allennlp-models coref"),
        ("coref_baseline", "allennlp-models coref"),
    ],
}
FULL_RUNS = ("full_conll_coref", "full")
# The single-task run each task of the full model is compared with.
SINGLE = {"ner": "ner", "emd": "emd", "relation": "emd_relation", "coref": ("coref_conll", "coref")}


def _minutes(seconds: Optional[int]) -> str:
    return "-" if seconds is None else f"{seconds / 60:.0f}"


def _updates(value: Optional[int]) -> str:
    return "-" if value is None else f"{value:,}"


def main() -> None:
    summary = json.load(open(sys.argv[1]))
    runs: Dict[str, Any] = summary["runs"]
    full_name = next(name for name in FULL_RUNS if name in runs)
    full = runs[full_name]
    lines: List[str] = [
        "| task | run | best dev F1 | epoch | updates (all) | updates (task) | epochs run | "
        "wall (min) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    comparisons = []
    single_updates = 0
    for task, rows in ROWS.items():
        if task not in full["tasks"]:
            continue
        entries = [(full_name, "HMTL full model")] + [(run, label) for run, label in rows]
        for run, label in entries:
            if run not in runs or task not in runs[run]["tasks"]:
                continue
            best = runs[run]["tasks"][task]["best"]
            lines.append(
                f"| {TASK_NAMES[task]} | {label} (`{run}`) | {best['dev']:.2f} | "
                f"{best['epoch'] + 1} | {_updates(best['updates'])} | "
                f"{_updates(best['task_updates'])} | {runs[run]['epochs_run']} | "
                f"{_minutes(runs[run]['wall_seconds'])} |"
            )
        single = SINGLE[task]
        single_run = next(
            (name for name in (single if isinstance(single, tuple) else (single,)) if name in runs),
            None,
        )
        if single_run is not None:
            full_best = full["tasks"][task]["best"]["dev"]
            single_best = runs[single_run]["tasks"][task]["best"]
            single_updates += single_best["updates"] or 0
            comparisons.append(
                f"- {TASK_NAMES[task]}: full model {full_best:.2f}, alone (`{single_run}`) "
                f"{single_best['dev']:.2f}: "
                + (
                    "matched or beaten"
                    if full_best >= single_best["dev"]
                    else f"behind by {single_best['dev'] - full_best:.2f}"
                )
            )
    print("\n".join(lines))
    print()
    print("\n".join(comparisons))
    # The full model's single checkpoint: the epoch of its best combined F1.
    combined = max(
        range(full["epochs_run"]),
        key=lambda epoch: sum(
            result["curve"][epoch]["dev"]
            for result in full["tasks"].values()
            if epoch < len(result["curve"])
        ),
    )
    full_updates = next(iter(full["tasks"].values()))["curve"][combined]["updates"]
    print(
        f"- updates: the full model's best checkpoint (epoch {combined + 1}, the best mean of "
        f"its tasks' F1) after {full_updates:,} updates for all tasks; the single-task runs "
        f"above needed {single_updates:,} updates in all to reach their best"
    )


if __name__ == "__main__":
    main()
