"""
The tables of docs/RESULTS.md over seeds, from a summary of scripts/results/summarize.py whose
runs were trained with several seeds (scripts/results/converge.sh, SEEDS): per task and run, the
dev score of the checkpoint each run kept, as mean +- standard deviation over the seeds, the
epochs run, the updates to that checkpoint (all, and the task's own), and a lower-bound mark for
seeds that stopped at their epoch cap still improving (kept checkpoint = last epoch = cap). Each
full model is compared with each task alone, with the p-value of a paired approximate
randomization test (hmtl_allennlp.metrics.significance) over dev sentences (documents for
coreference) on the runs' per-item counts:

- "p (largest)": the test of the full model against the single-task run of the same seed, for
  every seed both have, and the largest p of them (significant only if it is for every seed);
- "p (pooled)": one test over the items of all those seeds together, each (seed, item) a pair,
  which asks whether the full model is better on average over the seeds.

Each variant of the full model (annealed sampling, per-task patience, learned loss weights, ...)
is compared in the same way with the paper's full model (proportional sampling), seed by seed.

    .venv/bin/python scripts/results/seeds_table.py docs/results/converge_conll04.json \\
        --item-counts docs/results/item_counts/conll04 --output docs/results/seeds_conll04.json

Run names: <run> for the configs' own seeds (seed "default"), <run>_seed<S> for seed S.
"""

import argparse
import json
import re
import statistics
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy

from hmtl_allennlp.metrics.item_counts import paired_counts, read_item_counts
from hmtl_allennlp.metrics.significance import SCORES, approximate_randomization

# The tasks' names and their single-task rows are those of the tables of one seed (a script of
# this folder, which Python finds beside this one when this script runs).
from convergence_table import ROWS, TASK_NAMES  # noqa: E402

# The full models, in table order: (run, what it is).
FULL_RUNS = [
    ("full_conll_coref", "HMTL full model"),
    ("full", "HMTL full model"),
    ("full_annealed", "HMTL full model, annealed sampling"),
    ("full_floor", "HMTL full model, 10 % floor per task"),
    ("full_temperature", "HMTL full model, temperature 2"),
    ("full_task_patience", "HMTL full model, per-task patience"),
    ("full_uncertainty", "HMTL full model, learned loss weights"),
    ("full_pos", "HMTL full model + POS level"),
]
# The paper's full models (proportional sampling, fixed loss weights): every other full run of
# the summary is a variant of the first of these found, and is compared with it as well.
PROPORTIONAL_RUNS = ["full_conll_coref", "full"]
# The single-task runs each task of a full model is compared with, the first one found (EMD:
# alone, or else the EMD level of EMD + relations, the setups of the seeds run so far).
SINGLE = {
    "ner": ["ner"],
    "emd": ["emd", "emd_relation"],
    "relation": ["emd_relation"],
    "coref": ["coref_conll", "coref"],
}
RUN_NAME = re.compile(r"^(?P<run>.+?)(_seed(?P<seed>\d+))?$")
DEFAULT_SEED = "default"


def by_seed(runs: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """{run: {seed: its summary}} of a summary's runs, from their names."""
    grouped: Dict[str, Dict[str, Any]] = {}
    for name, result in runs.items():
        match = RUN_NAME.match(name)
        assert match is not None  # the pattern matches any name
        grouped.setdefault(match["run"], {})[match["seed"] or DEFAULT_SEED] = result
    return grouped


def seed_order(seed: str) -> Tuple[int, int]:
    """The configs' own seed first, then the numbered ones in order."""
    return (0, 0) if seed == DEFAULT_SEED else (1, int(seed))


def run_name(run: str, seed: str) -> str:
    return run if seed == DEFAULT_SEED else f"{run}_seed{seed}"


def kept_point(result: Dict[str, Any], task: str) -> Dict[str, Any]:
    """The task's dev point at the checkpoint the run kept (its best epoch in older summaries)."""
    scores = result["tasks"][task]
    return scores.get("kept") or scores["best"]


def capped_while_improving(result: Dict[str, Any]) -> bool:
    """Whether the run kept its last epoch and that was its cap: more epochs might do better."""
    kept = result.get("kept_epoch")
    cap = result.get("epoch_cap")
    return kept is not None and cap is not None and kept + 1 == result["epochs_run"] == cap


def row_summary(seeds: Dict[str, Any], task: str) -> Dict[str, Any]:
    """Mean, standard deviation and per-seed values of one row."""
    per_seed = {}
    for seed, result in sorted(seeds.items(), key=lambda item: seed_order(item[0])):
        if task not in result["tasks"]:
            continue
        point = kept_point(result, task)
        per_seed[seed] = {
            "dev": point["dev"],
            "epoch": point["epoch"] + 1,
            "epochs_run": result["epochs_run"],
            "updates": point["updates"],
            "task_updates": point["task_updates"],
            "lower_bound": capped_while_improving(result),
        }
    values = [entry["dev"] for entry in per_seed.values()]
    return {
        "mean": round(statistics.mean(values), 2) if values else None,
        "std": round(statistics.stdev(values), 2) if len(values) > 1 else None,
        "seeds": per_seed,
    }


def significance(
    first: str,
    second: str,
    task: str,
    seeds: List[str],
    item_counts: Path,
    trials: int,
) -> Dict[str, Any]:
    """
    The p-values of the first run against the second on `task` (a full run against a
    single-task run, or a variant of the full model against the paper's), per seed both have
    counts for, their largest, and the pooled test; `missing` lists the counts files not found.
    """
    per_seed: Dict[str, float] = {}
    missing: List[str] = []
    pooled: List[Tuple[numpy.ndarray, numpy.ndarray]] = []
    score_name = None
    for seed in seeds:
        paths = [item_counts / f"{run_name(run, seed)}.json" for run in (first, second)]
        absent = [path.name for path in paths if not path.exists()]
        if absent:
            missing.extend(absent)
            continue
        first_file, second_file = (read_item_counts(str(path)) for path in paths)
        _, counts_first, counts_second, score_name = paired_counts(
            first_file, second_file, task, (paths[0].name, paths[1].name)
        )
        result = approximate_randomization(
            counts_first, counts_second, SCORES[score_name], trials=trials
        )
        per_seed[seed] = result.p_value
        pooled.append((counts_first, counts_second))
    summary: Dict[str, Any] = {"per_seed": per_seed, "missing": missing}
    summary["largest"] = max(per_seed.values()) if per_seed else None
    summary["pooled"] = None
    if len(pooled) > 1 and score_name is not None:
        summary["pooled"] = approximate_randomization(
            numpy.concatenate([counts_first for counts_first, _ in pooled]),
            numpy.concatenate([counts_second for _, counts_second in pooled]),
            SCORES[score_name],
            trials=trials,
        ).p_value
    elif len(pooled) == 1:
        summary["pooled"] = summary["largest"]
    return summary


def _mean_cell(row: Dict[str, Any]) -> str:
    if row["mean"] is None:
        return "-"
    spread = f" +- {row['std']:.2f}" if row["std"] is not None else ""
    return f"{row['mean']:.2f}{spread}"


def _mean_of(row: Dict[str, Any], field: str) -> Optional[float]:
    values = [entry[field] for entry in row["seeds"].values() if entry[field] is not None]
    return statistics.mean(values) if values else None


def _count(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _p(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.4f}"


def mean_over(row: Dict[str, Any], seeds: List[str]) -> float:
    """A row's mean dev score over the given seeds: a comparison's means are over the seeds
    both of its runs have, so that a run with more seeds does not shift its side's mean."""
    return round(statistics.mean(row["seeds"][seed]["dev"] for seed in seeds), 2)


def has_task(seeds: Dict[str, Any], task: str) -> bool:
    """Whether any seed of a run has `task`."""
    return any(task in result["tasks"] for result in seeds.values())


def make_tables(summary: Dict[str, Any], item_counts: Path, trials: int) -> Dict[str, Any]:
    """The rows, comparisons and update totals of the tables, as the summary JSON holds them."""
    runs = by_seed(summary["runs"])
    full_runs = [(run, label) for run, label in FULL_RUNS if run in runs]
    rows: List[Dict[str, Any]] = []
    comparisons: List[Dict[str, Any]] = []
    for task in TASK_NAMES:
        entries = full_runs + ROWS[task]
        for run, label in entries:
            if run not in runs or not has_task(runs[run], task):
                continue
            rows.append({"task": task, "run": run, "label": label, **row_summary(runs[run], task)})
        single = next((run for run in SINGLE[task] if run in runs), None)
        if single is None:
            continue
        single_row = row_summary(runs[single], task)
        for full, _ in full_runs:
            if not has_task(runs[full], task):
                continue
            full_row = row_summary(runs[full], task)
            seeds = sorted(set(full_row["seeds"]) & set(single_row["seeds"]), key=seed_order)
            if not seeds:
                continue
            comparisons.append(
                {
                    "task": task,
                    "full": full,
                    "single": single,
                    "full_mean": mean_over(full_row, seeds),
                    "single_mean": mean_over(single_row, seeds),
                    "difference": round(
                        mean_over(full_row, seeds) - mean_over(single_row, seeds), 2
                    ),
                    "seeds": seeds,
                    "p": significance(full, single, task, seeds, item_counts, trials),
                }
            )
    proportional = next((run for run in PROPORTIONAL_RUNS if run in runs), None)
    variants: List[Dict[str, Any]] = []
    for task in TASK_NAMES:
        if proportional is None or not has_task(runs[proportional], task):
            continue
        proportional_row = row_summary(runs[proportional], task)
        for variant, _ in full_runs:
            if variant in PROPORTIONAL_RUNS or not has_task(runs[variant], task):
                continue
            variant_row = row_summary(runs[variant], task)
            seeds = sorted(
                set(variant_row["seeds"]) & set(proportional_row["seeds"]), key=seed_order
            )
            if not seeds:
                continue
            variants.append(
                {
                    "task": task,
                    "variant": variant,
                    "proportional": proportional,
                    "variant_mean": mean_over(variant_row, seeds),
                    "proportional_mean": mean_over(proportional_row, seeds),
                    "difference": round(
                        mean_over(variant_row, seeds) - mean_over(proportional_row, seeds), 2
                    ),
                    "seeds": seeds,
                    "p": significance(variant, proportional, task, seeds, item_counts, trials),
                }
            )
    updates = {}
    for full, _ in full_runs:
        # A multi-task run keeps one checkpoint for all tasks: any task's point has its updates.
        full_row = row_summary(runs[full], next(iter(next(iter(runs[full].values()))["tasks"])))
        singles = {}
        for task in TASK_NAMES:
            single = next((run for run in SINGLE[task] if run in runs), None)
            if single is not None and task in next(iter(runs[full].values()))["tasks"]:
                singles[single] = _mean_of(row_summary(runs[single], task), "updates")
        updates[full] = {"full": _mean_of(full_row, "updates"), "single_runs": singles}
    return {
        "corpus": summary.get("corpus"),
        "trials": trials,
        "rows": rows,
        "comparisons": comparisons,
        "variants": variants,
        "updates": updates,
    }


def _p_cells(comparison: Dict[str, Any]) -> str:
    """The cells of a comparison's seeds and p-values."""
    p = comparison["p"]
    notes = [", ".join(f"{seed}: {value:.4f}" for seed, value in p["per_seed"].items())]
    if p["missing"]:
        notes.append(f"(no counts: {', '.join(p['missing'])})")
    per_seed = " ".join(note for note in notes if note)
    return (
        f"{len(comparison['seeds'])} | {_p(p['largest'])} | {_p(p['pooled'])} | "
        f"{per_seed or '-'}"
    )


def format_tables(tables: Dict[str, Any]) -> str:
    lines = [
        "| task | run | dev F1, mean +- sd | seeds (each seed's F1) | epochs run | "
        "updates (all) | updates (task) | stopped at the cap, still improving |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in tables["rows"]:
        seeds = row["seeds"]
        per_seed = ", ".join(f"{seed}: {entry['dev']:.2f}" for seed, entry in seeds.items())
        capped = [seed for seed, entry in seeds.items() if entry["lower_bound"]]
        lines.append(
            f"| {TASK_NAMES[row['task']]} | {row['label']} (`{row['run']}`) | "
            f"{_mean_cell(row)}{' (lower bound)' if capped else ''} | {len(seeds)} ({per_seed}) | "
            f"{', '.join(str(entry['epochs_run']) for entry in seeds.values())} | "
            f"{_count(_mean_of(row, 'updates'))} | {_count(_mean_of(row, 'task_updates'))} | "
            f"{', '.join(capped) if capped else 'no'} |"
        )
    lines += [
        "",
        f"Full model against each task alone: paired approximate randomization, "
        f"{tables['trials']:,} shuffles, over dev sentences (documents for coreference); "
        "p (largest): the largest p of the same-seed pairs; p (pooled): one test over the "
        "items of all those seeds.",
        "",
        "| task | full model | alone | full - alone (mean F1) | seeds | p (largest) | "
        "p (pooled) | p per seed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for comparison in tables["comparisons"]:
        lines.append(
            f"| {TASK_NAMES[comparison['task']]} | `{comparison['full']}` "
            f"{comparison['full_mean']:.2f} | `{comparison['single']}` "
            f"{comparison['single_mean']:.2f} | {comparison['difference']:+.2f} | "
            f"{_p_cells(comparison)} |"
        )
    if tables.get("variants"):
        lines += [
            "",
            "Each variant of the full model against the paper's (proportional sampling), "
            "with the same tests:",
            "",
            "| task | variant | proportional | variant - proportional (mean F1) | seeds | "
            "p (largest) | p (pooled) | p per seed |",
            "|---|---|---|---|---|---|---|---|",
        ]
    for variant in tables.get("variants", []):
        lines.append(
            f"| {TASK_NAMES[variant['task']]} | `{variant['variant']}` "
            f"{variant['variant_mean']:.2f} | `{variant['proportional']}` "
            f"{variant['proportional_mean']:.2f} | {variant['difference']:+.2f} | "
            f"{_p_cells(variant)} |"
        )
    lines.append("")
    for full, counts in tables["updates"].items():
        single_total = sum(value for value in counts["single_runs"].values() if value is not None)
        lines.append(
            f"- updates to the kept checkpoint, mean over seeds: `{full}` "
            f"{_count(counts['full'])}; the single-task runs "
            f"({', '.join(f'`{run}`' for run in counts['single_runs'])}) "
            f"{_count(single_total)} together"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("summary", help="a summary JSON of scripts/results/summarize.py")
    parser.add_argument(
        "--item-counts", required=True, help="the directory of the runs' counts, <run>.json"
    )
    parser.add_argument("--output", help="write the tables' numbers here as JSON")
    parser.add_argument("--trials", type=int, default=10000, help="shuffles per test")
    arguments = parser.parse_args()
    summary = json.loads(Path(arguments.summary).read_text())
    tables = make_tables(summary, Path(arguments.item_counts), arguments.trials)
    print(format_tables(tables))
    if arguments.output:
        Path(arguments.output).write_text(json.dumps(tables, indent=1) + "\n")


if __name__ == "__main__":
    main()
