"""
`allennlp hmtl-annotate` against the number of workers: documents per second with 1 and 2
worker processes (or `--workers ...`), the peak memory of each worker, and the same run on the
largest number of workers with one worker killed halfway (what was predicted again, and what
was lost: the outputs are compared with those of the run without a kill).

    .venv/bin/python benchmarks/annotate_scaling.py [--archive models/hmtl_gum_conll04/model.tar.gz]
        [--input fixtures/sample/dev.jsonl] [--documents 400] [--shard-size 20]
        [--workers 1 2] [--output benchmarks/results/annotate_scaling.json]

The `--documents` documents are the lines of `--input`, repeated as needed, cut into shards of
`--shard-size` documents. Each run has a local Dask cluster of its own, set up as the command
sets up its one (one process per worker, one thread each, the command's allowed failures), and
annotates into a fresh output directory through `hmtl_allennlp.commands.annotate.annotate`;
documents per second count the annotating only (after the cluster has started and every worker
has loaded the model: the summary's `seconds`), the start-up is reported apart. Prints a
markdown table for docs/BENCHMARKS.md and writes the numbers as JSON. Run it on otherwise idle
cores: the workers are processes that compete with anything else running.
"""

import argparse
import json
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

import dask
import distributed

from benchmark_setup import REPOSITORY, machine, shown
from hmtl_allennlp.commands.annotate import (
    ALLOWED_FAILURES,
    PROGRESS_TOPIC,
    AnnotationSummary,
    annotate,
)


def write_shards(lines: List[bytes], documents: int, shard_size: int, directory: Path) -> List[str]:
    corpus = [lines[index % len(lines)] for index in range(documents)]
    paths = []
    for start in range(0, documents, shard_size):
        path = directory / f"shard-{start // shard_size:05d}.jsonl"
        path.write_bytes(b"\n".join(corpus[start : start + shard_size]) + b"\n")
        paths.append(str(path))
    return paths


def comparable(path: Path) -> List[Any]:
    """An output shard's JSON, relation scores rounded (float sums may differ in the last bits
    from one process to another)."""
    outputs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for output in outputs:
        for relation in output.get("relations", []):
            relation["score"] = round(relation["score"], 4)
    return outputs


def run(
    archive: str,
    inputs: List[str],
    output_dir: Path,
    workers: int,
    kill_after: Optional[float] = None,
) -> Dict[str, Any]:
    """One annotation run on a fresh local cluster; with `kill_after`, the worker that last
    reported progress is killed (SIGKILL) that many seconds after the first shard started."""
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    killed: Dict[str, Any] = {}
    with distributed.Client(cluster) as client:
        process_ids = client.run(os.getpid)
        last_worker: List[str] = []
        timer: List[threading.Timer] = []

        def kill() -> None:
            if last_worker:
                killed["worker"] = last_worker[-1]
                os.kill(process_ids[last_worker[-1]], signal.SIGKILL)

        def on_progress(event: Any) -> None:
            last_worker.append(event[1]["worker"])
            if kill_after is not None and not timer:
                timer.append(threading.Timer(kill_after, kill))
                timer[0].start()

        client.subscribe_topic(PROGRESS_TOPIC, on_progress)
        summary: AnnotationSummary = annotate(
            archive, inputs, str(output_dir), address=cluster.scheduler_address, progress=False
        )
        for started in timer:
            started.cancel()
    cluster.close()
    memory = list(summary.peak_memory_mb.values())
    return {
        "workers": workers,
        "documents": summary.documents,
        "seconds": summary.seconds,
        "documents_per_second": summary.documents / summary.seconds,
        "startup_seconds": summary.startup_seconds,
        "peak_memory_mb_per_worker": memory,
        "failed": summary.failed,
        "redone": summary.redone,
        "killed_worker": bool(killed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument(
        "--archive", type=Path, default=REPOSITORY / "models/hmtl_gum_conll04/model.tar.gz"
    )
    parser.add_argument("--input", type=Path, default=REPOSITORY / "fixtures/sample/dev.jsonl")
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--shard-size", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--output", type=Path, default=REPOSITORY / "benchmarks/results/annotate_scaling.json"
    )
    arguments = parser.parse_args()
    lines = [line for line in arguments.input.read_bytes().splitlines() if line.strip()]
    archive = str(arguments.archive.resolve())

    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        (directory / "in").mkdir()
        inputs = write_shards(lines, arguments.documents, arguments.shard_size, directory / "in")
        runs = [
            run(archive, inputs, directory / f"out-{workers}", workers)
            for workers in arguments.workers
        ]
        most = max(arguments.workers)
        clean = next(result for result in runs if result["workers"] == most)
        killed = run(
            archive, inputs, directory / "out-killed", most, kill_after=clean["seconds"] / 2
        )
        names = [Path(path).name for path in inputs]
        killed["lost_shards"] = [
            name
            for name in names
            if not (directory / "out-killed" / name).exists()
            or comparable(directory / "out-killed" / name)
            != comparable(directory / f"out-{most}" / name)
        ]

    base = runs[0]["documents_per_second"]
    print(
        f"{shown(arguments.archive)}: {arguments.documents} documents of "
        f"{shown(arguments.input)} in shards of {arguments.shard_size}\n"
    )
    print("| workers | documents/s | speed-up | peak memory per worker (MiB) | start-up (s) |")
    print("|---|---|---|---|---|")
    for result in runs:
        memory = ", ".join(f"{value:.0f}" for value in result["peak_memory_mb_per_worker"])
        print(
            f"| {result['workers']} | {result['documents_per_second']:.2f} | "
            f"x{result['documents_per_second'] / base:.2f} | {memory} | "
            f"{result['startup_seconds']:.1f} |"
        )
    redone = ", ".join(
        f"{name} ({documents} documents predicted again)"
        for name, documents in killed["redone"].items()
    )
    print(
        f"\nOne of {most} workers killed after {clean['seconds'] / 2:.0f} s "
        f"({'done' if killed['killed_worker'] else 'the run ended first'}): "
        f"{killed['documents_per_second']:.2f} documents/s against "
        f"{clean['documents_per_second']:.2f}; started again: {redone or 'none'}; shards lost or "
        f"different: {len(killed['lost_shards'])}; failed: {len(killed['failed'])}."
    )
    result = {
        "archive": shown(arguments.archive),
        "input": shown(arguments.input),
        "documents": arguments.documents,
        "shard_size": arguments.shard_size,
        "machine": machine(1),
        "runs": runs,
        "killed_run": killed,
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWritten to {shown(arguments.output)}")


if __name__ == "__main__":
    main()
