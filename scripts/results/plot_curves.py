"""
Plots dev score against parameter updates, one panel per task, for the full HMTL model, HMTL's
single-task setups and the allennlp-models baselines, from the summary that
scripts/results/summarize.py writes (docs/results/CORPUS.json).

    python scripts/results/plot_curves.py docs/results/redocred.json \
        docs/learning_curves_redocred.png [RUN ...]

With RUN names, only those runs are drawn (all of the summary's otherwise); RUN=LABEL names the
run's curve in the legend. `--epochs` (before the runs) puts epochs on the x axis instead of
updates, for comparisons at equal epochs with baselines that do not count their updates.

Runs without a label below are named by their directory. Runs with any Python that has
matplotlib (the project's .venv does not install it), e.g. a throwaway one:
    python3 -m venv plot-env && plot-env/bin/pip install matplotlib
The x axis counts all updates of a run; for the full model the updates of the task itself are
fewer (the tables of docs/RESULTS.md give both).
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {
    "full": "HMTL full model",
    "full_transformer": "HMTL full model, MiniLM",
    "ner": "HMTL single task",
    "emd": "HMTL single task",
    "relation": "HMTL single task",
    "coref": "HMTL single task",
    "crf_ner": "allennlp-models crf_tagger",
    "crf_emd": "allennlp-models crf_tagger",
    "coref_baseline": "allennlp-models coref",
}
STYLES = {"full": "o-", "crf_ner": "s--", "crf_emd": "s--", "coref_baseline": "s--"}
TITLES = {"ner": "NER", "emd": "EMD", "relation": "RE, strict F1", "coref": "CR, avg. F1"}


def main() -> None:
    summary_path, image_path, chosen_runs = sys.argv[1], sys.argv[2], sys.argv[3:]
    by_epoch = bool(chosen_runs) and chosen_runs[0] == "--epochs"
    if by_epoch:
        chosen_runs = chosen_runs[1:]
    with open(summary_path) as file:
        summary = json.load(file)
    labels = dict(LABELS)
    if chosen_runs:
        runs = [chosen.split("=", 1) for chosen in chosen_runs]
        summary["runs"] = {run[0]: summary["runs"][run[0]] for run in runs}
        labels.update({run[0]: run[1] for run in runs if len(run) == 2})
    tasks = [
        task
        for task in ["ner", "emd", "relation", "coref"]
        if any(task in result["tasks"] for result in summary["runs"].values())
    ]
    figure, axes = plt.subplots(1, len(tasks), figsize=(4 * len(tasks), 3.4), squeeze=False)
    for axis, task in zip(axes[0], tasks):
        for run, result in summary["runs"].items():
            if task not in result["tasks"]:
                continue
            curve = result["tasks"][task]["curve"]
            axis.plot(
                [point["epoch"] + 1 if by_epoch else point["updates"] for point in curve],
                [point["dev"] for point in curve],
                STYLES.get(run, "^-"),
                label=labels.get(run, run),
            )
        # CoNLL04 has no coreference: its full model takes coreference from GUM, as NER.
        from_gum = task == "ner" or (task == "coref" and summary["corpus"] == "conll04")
        corpus = "GUM" if from_gum else summary["corpus_name"]
        axis.set_title(f"{TITLES[task]} ({corpus})")
        axis.set_xlabel("epochs" if by_epoch else "parameter updates")
        axis.set_ylabel("dev F1")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(image_path, dpi=110)


if __name__ == "__main__":
    main()
