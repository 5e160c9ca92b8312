"""
Plots dev score against parameter updates, one panel per task, for the full HMTL model, HMTL's
single-task setups and the allennlp-models baselines, from the summary that
scripts/results/summarize.py writes (docs/results/CORPUS.json).

    python scripts/results/plot_curves.py docs/results/redocred.json \
        docs/learning_curves_redocred.png [RUN ...]

With RUN names, only those runs are drawn (all of the summary's otherwise); RUN=LABEL names the
run's curve in the legend. `--epochs` puts epochs on the x axis instead of updates, for
comparisons at equal epochs with baselines that do not count their updates; `--task-updates` puts
each task's own updates there, for comparisons of a full model with each task alone at an equal
number of that task's updates.

Runs without a label below are named by their directory. Runs with any Python that has
matplotlib (the project's .venv does not install it), e.g. a throwaway one:
    python3 -m venv plot-env && plot-env/bin/pip install matplotlib
By default the x axis counts all updates of a run; for the full model the updates of the task
itself are fewer (the tables of docs/RESULTS.md give both).
"""

import argparse
import json

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


# The x axis: (the point's key, its label).
X_AXES = {
    "updates": ("updates", "parameter updates"),
    "epochs": ("epoch", "epochs"),
    "task_updates": ("task_updates", "the task's own updates"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("summary_path")
    parser.add_argument("image_path")
    parser.add_argument("chosen_runs", nargs="*", metavar="RUN[=LABEL]")
    x_axis = parser.add_mutually_exclusive_group()
    x_axis.add_argument("--epochs", dest="x_axis", action="store_const", const="epochs")
    x_axis.add_argument("--task-updates", dest="x_axis", action="store_const", const="task_updates")
    args = parser.parse_intermixed_args()
    summary_path, image_path, chosen_runs = args.summary_path, args.image_path, args.chosen_runs
    x_key, x_label = X_AXES[args.x_axis or "updates"]
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
    # One colour per run in every panel, although not every run has every task.
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colours = {run: palette[i % len(palette)] for i, run in enumerate(summary["runs"])}
    for axis, task in zip(axes[0], tasks):
        for run, result in summary["runs"].items():
            if task not in result["tasks"]:
                continue
            curve = result["tasks"][task]["curve"]
            axis.plot(
                # Epochs count from 1 on the axis (the point's is the trainer's, from 0).
                [point[x_key] + (x_key == "epoch") for point in curve],
                [point["dev"] for point in curve],
                STYLES.get(run, "^-"),
                color=colours[run],
                label=labels.get(run, run),
            )
        # CoNLL04 has no coreference: its full model takes coreference from GUM, as NER.
        from_gum = task == "ner" or (task == "coref" and summary["corpus"] == "conll04")
        corpus = "GUM" if from_gum else summary["corpus_name"]
        axis.set_title(f"{TITLES[task]} ({corpus})")
        axis.set_xlabel(x_label)
        axis.set_ylabel("dev F1")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(image_path, dpi=110)


if __name__ == "__main__":
    main()
