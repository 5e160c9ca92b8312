"""
Turns the runs of scripts/results/train_runs.sh into the numbers of docs/RESULTS.md: for every
run and task, the best dev score, the epoch and the number of parameter updates (all tasks, and
the task's own) at which it was reached, and the run's wall time; plus the curve of dev score
against updates that scripts/results/plot_curves.py draws, the epoch of the checkpoint the run
kept (its best validation metric; for a multi-task run one epoch for all tasks) with each task's
point there (`kept`), and the run's epoch cap.

    .venv/bin/python scripts/results/summarize.py CORPUS [--runs output/results]
        [--output docs/results/CORPUS.json] [--item-counts docs/results/item_counts/CORPUS]

With --item-counts, each run's per-item counts (item_counts.json, written by train_runs.sh) are
copied there as <run>.json, small files to commit for the significance tests of
scripts/results/seeds_table.py.

Needs only the standard library (it reads the runs' JSON files).
"""

import argparse
import json
import shutil
from pathlib import Path
from typing import Optional

# The dev metric that scores each task of an HMTL run (its levels are its tasks); the baselines'
# metrics have allennlp-models' names.
HMTL_METRICS = {
    "ner": "ner_f1",
    "emd": "emd_f1",
    "relation": "relation_strict_f1",
    "coref": "coref_avg_f1",
}
BASELINES = {
    "crf_ner": {"ner": "f1-measure-overall"},
    "crf_emd": {"emd": "f1-measure-overall"},
    "coref_baseline": {"coref": "coref_f1"},
}
CORPUS_NAMES = {"redocred": "Re-DocRED", "scierc": "SciERC", "conll04": "CoNLL04"}
# Secondary scores shown beside the main one.
EXTRA = {
    "relation_strict_f1": [
        "relation_strict_precision",
        "relation_strict_recall",
        "relation_boundaries_f1",
        "relation_hmtl_f1",
    ],
    "coref_avg_f1": ["coref_muc_f1", "coref_b3_f1", "coref_ceafe_f1"],
}


def tasks_of(run: str, config: dict) -> dict:
    """{task: the dev metric that scores it} of a run, from its name or its config."""
    for baseline, tasks in BASELINES.items():
        # A variant of a baseline carries a suffix (train_runs.sh's TAG): crf_ner_seed2.
        if run == baseline or run.startswith(baseline + "_"):
            return tasks
    # Levels outside HMTL's four (e.g. part-of-speech tags) are not rows of the tables.
    return {task: HMTL_METRICS[task] for task in config["model"]["levels"] if task in HMTL_METRICS}


def updates_until(values: dict, epoch: int, per_epoch: Optional[int], tasks: dict) -> Optional[int]:
    """All parameter updates up to the end of `epoch` (None where the run did not count them:
    a baseline trained on one pass over its data per epoch)."""
    if per_epoch is not None:
        return (epoch + 1) * per_epoch
    # One pass over the data per epoch: HMTL's task-count callback has the cumulative batches.
    counts = [values.get(f"trained_{task}_batches") for task in tasks]
    return None if None in counts else sum(counts)


def training_seconds(metrics: list) -> Optional[int]:
    """The time spent training, from the per-epoch `training_duration` (time since the trainer
    started), which starts again at 0 in a run continued with `--recover`: the sum of each
    part's last value. Unlike `wall_seconds` it keeps the part of a run killed before its end
    (the epochs after its last checkpoint excepted)."""
    if not metrics or any("training_duration" not in values for values in metrics):
        return None
    durations = []
    for values in metrics:
        hours, minutes, seconds = values["training_duration"].split(":")
        durations.append(3600 * int(hours) + 60 * int(minutes) + float(seconds))
    ends = [earlier for earlier, later in zip(durations, durations[1:]) if later < earlier]
    return round(sum(ends) + durations[-1])


def summarize_run(directory: Path) -> dict:
    config = json.loads((directory / "config.json").read_text())
    tasks = tasks_of(directory.name, config)
    loader = config["data_loader"]
    steps = loader.get("scheduler", {}).get("steps_per_epoch") or loader.get("batches_per_epoch")
    per_epoch = None if steps is None else int(steps)
    epochs = sorted(
        directory.glob("metrics_epoch_*.json"), key=lambda path: int(path.stem.split("_")[-1])
    )
    metrics = [json.loads(path.read_text()) for path in epochs]
    wall = directory / "wall_seconds"
    # The epoch of the checkpoint the trainer kept (its best validation metric so far).
    kept = metrics[-1].get("best_epoch") if metrics else None
    result = {
        "epochs_run": len(metrics),
        "epoch_cap": config.get("trainer", {}).get("num_epochs"),
        "kept_epoch": kept,
        "updates_per_epoch": per_epoch,
        "wall_seconds": int(wall.read_text()) if wall.exists() else None,
        "training_duration": metrics[-1].get("training_duration") if metrics else None,
        "training_seconds": training_seconds(metrics),
        "tasks": {},
    }
    for task, metric in tasks.items():
        curve = []
        for epoch, values in enumerate(metrics):
            point = {
                "epoch": epoch,
                "updates": updates_until(values, epoch, per_epoch, tasks),
                # HMTL's task-count callback counts the batches of each task; a single-task
                # baseline trains on its task at every update.
                "task_updates": values.get(
                    f"trained_{task}_batches", updates_until(values, epoch, per_epoch, tasks)
                ),
                "dev": round(100 * values[f"validation_{metric}"], 2),
            }
            for extra in EXTRA.get(metric, []):
                point[extra] = round(100 * values[f"validation_{extra}"], 2)
            curve.append(point)
        best = max(curve, key=lambda point: point["dev"]) if curve else None
        result["tasks"][task] = {
            "metric": metric,
            "best": best,
            "kept": curve[kept] if kept is not None and kept < len(curve) else None,
            "curve": curve,
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--runs", default="output/results")
    parser.add_argument("--output")
    parser.add_argument("--item-counts", help="copy the runs' item_counts.json here")
    arguments = parser.parse_args()
    root = Path(arguments.runs) / arguments.corpus
    summary = {
        "corpus": arguments.corpus,
        "corpus_name": CORPUS_NAMES.get(arguments.corpus, arguments.corpus),
        "runs": {},
    }
    for directory in sorted(root.iterdir()):
        if (directory / "config.json").exists() and list(directory.glob("metrics_epoch_*")):
            summary["runs"][directory.name] = summarize_run(directory)
    print(
        f"{'run':<28} {'task':<9} {'best dev':>8} {'epoch':>5} {'updates':>8} "
        f"{'task upd.':>9} {'wall s':>7}"
    )
    for run, result in summary["runs"].items():
        for task, scores in result["tasks"].items():
            best = scores["best"]
            print(
                f"{run:<28} {task:<9} {best['dev']:>8} {best['epoch']:>5} "
                f"{best['updates'] or '-':>8} {best['task_updates'] or '-':>9} "
                f"{result['wall_seconds'] or '-':>7}"
            )
    if arguments.item_counts:
        counts_directory = Path(arguments.item_counts)
        counts_directory.mkdir(parents=True, exist_ok=True)
        for run in summary["runs"]:
            counts = root / run / "item_counts.json"
            if counts.exists():
                shutil.copyfile(counts, counts_directory / f"{run}.json")
    output = Path(arguments.output or f"docs/results/{arguments.corpus}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
