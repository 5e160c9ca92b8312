"""
Runs a benchmark of this folder on an earlier commit and on the working tree, alternately, in
one session on one machine, and compares their numbers: what a speed claim of the form "N times
faster than commit X" needs, since absolute times on a shared machine drift by tens of percent
from one hour to the next.

    .venv/bin/python benchmarks/side_by_side.py --base COMMIT [--rounds 3] \\
        [--keys tokens_per_second ms_per_step] [--output FILE] -- BENCHMARK [ARGS ...]

e.g. `.venv/bin/python benchmarks/side_by_side.py --base 8694311 -- train_speed.py --threads 1`.

The earlier commit is checked out (without touching the working tree) into a temporary git
worktree, whose `benchmarks/` folder is then replaced by the working tree's, so that one
benchmark script measures both copies' package and configs; both copies read the same data
(the HMTL_* variables are resolved here to absolute paths, defaulting to the public corpora as
every benchmark does) and run with this `.venv`'s
Python, the earlier one importing its own `hmtl_allennlp`. Each round runs the benchmark once
on each copy, the order alternating between rounds. The benchmark must take `--output FILE`
(every benchmark here does). Every numeric value of its JSON whose key is one of `--keys` is
reported as the median over the rounds, for both copies, with their ratio (working tree over
base). Writes the per-round JSON of both copies and the comparison to `--output`.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from public_data import PUBLIC_DATA

REPOSITORY = Path(__file__).resolve().parent.parent


def numeric_leaves(value: Any, keys: List[str], path: Tuple[str, ...] = ()) -> Iterator:
    """(path, number) for every number under one of `keys` in a JSON value."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key in keys and isinstance(child, (int, float)) and not isinstance(child, bool):
                yield path + (key,), float(child)
            else:
                yield from numeric_leaves(child, keys, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from numeric_leaves(child, keys, path + (str(index),))


def relative_paths(value: Any, root: Path) -> Any:
    """`value` with every string that is a path under `root`'s parent written relative to
    `root` (the data paths were made absolute for the two copies; the results do not keep this
    machine's folders)."""
    if isinstance(value, dict):
        return {key: relative_paths(child, root) for key, child in value.items()}
    if isinstance(value, list):
        return [relative_paths(child, root) for child in value]
    if isinstance(value, str) and value.startswith(str(root.parent) + os.sep):
        return os.path.relpath(value, root)
    return value


def run_benchmark(copy: Path, benchmark: List[str], output: Path, environment: Dict) -> Dict:
    command = [sys.executable, str(copy / "benchmarks" / benchmark[0]), *benchmark[1:]]
    command += ["--output", str(output)]
    print(f"$ (in {copy.name}) {' '.join(command[1:])}", flush=True)
    environment = {**environment, "PYTHONPATH": f"{copy}:{copy / 'benchmarks'}"}
    subprocess.run(command, cwd=copy, env=environment, check=True)
    return relative_paths(json.loads(output.read_text()), REPOSITORY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the earlier commit to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keys", nargs="+", default=["tokens_per_second", "ms_per_step"])
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("benchmark", nargs=argparse.REMAINDER)
    arguments = parser.parse_args()
    benchmark = [part for part in arguments.benchmark if part != "--"]
    if not benchmark or not (REPOSITORY / "benchmarks" / benchmark[0]).exists():
        parser.error("name a benchmark of benchmarks/ after --, e.g. -- train_speed.py")
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    name = Path(benchmark[0]).stem
    output = arguments.output or REPOSITORY / "benchmarks" / "results" / f"{name}_side_by_side.json"
    base = subprocess.run(
        ["git", "rev-parse", "--short", arguments.base],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    environment = dict(os.environ)
    for variable, default in PUBLIC_DATA.items():
        environment[variable] = str((REPOSITORY / environment.get(variable, default)).resolve())

    runs: Dict[str, List[Dict]] = {"base": [], "working_tree": []}
    with tempfile.TemporaryDirectory(prefix="hmtl-side-by-side-") as scratch:
        base_copy = Path(scratch) / f"base-{base}"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base_copy), base],
            cwd=REPOSITORY,
            check=True,
            capture_output=True,
        )
        try:
            shutil.rmtree(base_copy / "benchmarks")
            shutil.copytree(
                REPOSITORY / "benchmarks",
                base_copy / "benchmarks",
                ignore=shutil.ignore_patterns("results", "__pycache__"),
            )
            copies = {"base": base_copy, "working_tree": REPOSITORY}
            for round_index in range(arguments.rounds):
                order = ["base", "working_tree"]
                if round_index % 2 == 1:
                    order.reverse()
                for label in order:
                    result_file = Path(scratch) / f"{label}-{round_index}.json"
                    runs[label].append(
                        run_benchmark(copies[label], benchmark, result_file, environment)
                    )
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base_copy)],
                cwd=REPOSITORY,
                check=False,
                capture_output=True,
            )

    medians = {
        label: _medians([dict(numeric_leaves(run, arguments.keys)) for run in label_runs])
        for label, label_runs in runs.items()
    }
    comparison = {
        "/".join(path): {
            "base": medians["base"][path],
            "working_tree": medians["working_tree"][path],
            "ratio": (
                round(medians["working_tree"][path] / medians["base"][path], 3)
                if medians["base"][path]
                else None
            ),
        }
        for path in medians["base"]
        if path in medians["working_tree"]
    }
    print(
        f"\n{'value (median of ' + str(arguments.rounds) + ' rounds)':<60} "
        f"{base:>10} {head + ('+' if dirty else ''):>10} {'ratio':>7}"
    )
    for path, row in comparison.items():
        print(f"{path:<60} {row['base']:>10} {row['working_tree']:>10} {row['ratio']:>7}")
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w") as file:
        json.dump(
            {
                "command": "python benchmarks/side_by_side.py "
                f"--base {arguments.base} --rounds {arguments.rounds} "
                f"--keys {' '.join(arguments.keys)} -- {' '.join(benchmark)}",
                "base": base,
                "working_tree": head + (" with uncommitted changes" if dirty else ""),
                "comparison": comparison,
                "runs": runs,
            },
            file,
            indent=2,
        )
        file.write("\n")
    shown = output.relative_to(REPOSITORY) if output.is_relative_to(REPOSITORY) else output
    print(f"\nwritten: {shown}")


def _medians(rounds: List[Dict[Tuple[str, ...], float]]) -> Dict[Tuple[str, ...], float]:
    paths = [path for path in rounds[0] if all(path in values for values in rounds)]
    return {path: round(statistics.median(values[path] for values in rounds), 1) for path in paths}


if __name__ == "__main__":
    main()
