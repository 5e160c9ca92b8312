"""
The plot of docs/PROBING.md: for each probing task, the dev accuracy of each level of a model (the
better of its linear and MLP probes) above the task's majority baseline, tasks grouped as Conneau
et al. group them (surface, syntactic, semantic).

    python scripts/results/plot_probing.py RESULTS.json OUTPUT.png [TITLE]

Needs matplotlib (the project's .venv does not install it), e.g. a throwaway environment:
    python3 -m venv plot-env && plot-env/bin/pip install matplotlib
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GROUPS = {
    "surface": ["sentence_length", "word_content"],
    "syntactic": ["tree_depth", "top_constituents", "bigram_shift"],
    "semantic": ["tense", "subject_number", "object_number", "coordination_inversion"],
}


def main() -> None:
    results = json.load(open(sys.argv[1], encoding="utf-8"))
    title = sys.argv[3] if len(sys.argv) > 3 else sys.argv[1]
    tasks = [task for group in GROUPS.values() for task in group if task in results["tasks"]]
    levels = results["levels"]
    width = 0.8 / len(levels)
    figure, axes = plt.subplots(figsize=(11, 4.5))
    for position, level in enumerate(levels):
        gains = []
        for task in tasks:
            result = results["tasks"][task]
            best = max(result["levels"][level].values())
            gains.append(100 * (best - result["majority_baseline"]))
        offsets = [
            index + (position - (len(levels) - 1) / 2) * width for index in range(len(tasks))
        ]
        axes.bar(offsets, gains, width, label=level)
    axes.set_xticks(range(len(tasks)))
    axes.set_xticklabels([task.replace("_", "\n") for task in tasks], fontsize=8)
    axes.set_ylabel("dev accuracy above majority (points)")
    axes.axhline(0, color="black", linewidth=0.5)
    boundaries = [
        len(GROUPS["surface"]) - 0.5,
        len(GROUPS["surface"]) + len(GROUPS["syntactic"]) - 0.5,
    ]
    for boundary in boundaries:
        axes.axvline(boundary, color="grey", linestyle=":")
    axes.set_title(title)
    axes.legend(title="level", fontsize=8)
    figure.tight_layout()
    figure.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
