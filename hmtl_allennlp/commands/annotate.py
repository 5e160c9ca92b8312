"""
`allennlp hmtl-annotate`: the "hmtl" predictor over a corpus of JSON-lines shards, on a Dask
distributed cluster: a local one started for the run, or an existing one (`--address`), so
that one command scales from the cores of one machine to many machines.

Dask is an optional dependency (`pip install .[annotate]`); this module imports it only when
the command runs, so the rest of the package never needs it.
"""

import argparse
import asyncio
import hashlib
import io
import json
import logging
import os
import resource
import sys
import time
import uuid
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Deque, Dict, Iterator, List, Optional, Sequence, Tuple, cast

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import open_compressed
from allennlp.common.tqdm import Tqdm
from allennlp.common.util import lazy_groups_of

from hmtl_allennlp.models.quantization import QUANTIZATIONS
from hmtl_allennlp.predictors import HmtlPredictor
from hmtl_allennlp.predictors.json_lines import read_json_lines

logger = logging.getLogger(__name__)

# Beside the output shards, what the command keeps of its runs: one completion record per
# written shard (`<shard>.done.json`) and the shards being written (`<shard>.partial`).
STATE_DIRECTORY = ".hmtl-annotate"
# The topic of the progress events that workers send (see `_annotate_shard`): dicts with the
# run, the shard, the attempt (one per worker that starts the shard), the documents done so
# far and the worker's address.
PROGRESS_TOPIC = "hmtl-annotate-progress"
# Seconds between two progress events of a worker, and between two looks at the tasks.
PROGRESS_INTERVAL = 0.5
# How many times a shard may be running on a worker that dies before it is given up (the
# scheduler's `distributed.scheduler.allowed-failures`, for the local cluster): a shard is
# tried on up to three workers, so that one killed worker costs nothing, while a shard that
# kills every worker it runs on (out of memory on a huge document) is reported instead of
# taking the whole cluster down in turn.
ALLOWED_FAILURES = 2
# Shards submitted per worker at a time: enough that a worker never waits for its next shard,
# few enough that the inputs held by the scheduler stay a few shards' worth.
SHARDS_IN_FLIGHT_PER_WORKER = 2
# The compressed inputs `allennlp predict` reads (by suffix); their outputs are not compressed.
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz")
RECORD_FORMAT = 1

# On a worker: the predictor of the archive it annotates with (one model per worker process).
_WORKER_PREDICTORS: Dict[Tuple[str, Optional[str]], HmtlPredictor] = {}


class AnnotateError(ConfigurationError):
    """What stops `hmtl-annotate` before any shard is annotated; the message is one line."""


@Subcommand.register("hmtl-annotate")
class Annotate(Subcommand):
    """
    `allennlp hmtl-annotate ARCHIVE INPUT... --output-dir DIR [--workers N] [--address ADDRESS]`
    predicts every document of the JSON-lines shards `INPUT...` with the archive's "hmtl"
    predictor and writes, for each shard, `DIR/<its file name>` (a `.gz`, `.bz2` or `.xz`
    suffix dropped): one line per non-blank input line, in order, exactly what
    `allennlp predict ARCHIVE INPUT --batch-size B` writes, the error line of an input that
    cannot be read included.

    The shards run on Dask distributed, one shard per task, one model per worker (loaded once
    per worker process, one torch thread each). Without `--address`, a local cluster of
    `--workers` processes (default: one per core) is started for the run; with
    `--address tcp://HOST:8786`, the shards go to the workers of that running scheduler
    (`dask scheduler` and `dask worker` on each machine; the archive's path must be readable
    on every worker, hmtl_allennlp installed there, and only this command's machine reads
    the inputs and writes `DIR`). A progress bar shows documents per second and the time
    left; a summary ends the run.

    Resuming: a shard whose output is complete (its completion record in
    `DIR/.hmtl-annotate/` matches the output file, the input and the model) is not redone, so
    running the same command again after an interruption does only the rest. An output is
    written as `DIR/.hmtl-annotate/<name>.partial`, then renamed: a partly written output is
    never taken for a complete one. A shard whose input or model changed is annotated again.
    A file in `DIR` that has an output's name but no completion record matching it (a file
    of the user's, or an output edited since) is never overwritten: the command refuses to
    start and names it.

    A worker that dies (killed, out of memory) loses nothing: the scheduler runs its shard on
    another worker. A shard that fails (its task raised, or it was running on three workers
    that all died) is listed with the reason at the end, the other shards are written, and
    the exit status is 1.

    Registered as a `Subcommand` with name "hmtl-annotate".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Predict every document of JSON-lines shards with an HMTL model on a Dask cluster "
            "(a local one, or an existing one), one output shard per input shard; resumable."
        )
        subparser = parser.add_parser(
            self.name, description=description, help="Annotate a corpus of JSON-lines shards."
        )
        subparser.add_argument("archive_file", type=str, help="the archived model")
        subparser.add_argument(
            "input_files", type=str, nargs="+", help="JSON-lines shards, one document a line"
        )
        subparser.add_argument(
            "--output-dir", type=str, required=True, help="where the output shards are written"
        )
        cluster = subparser.add_mutually_exclusive_group()
        cluster.add_argument(
            "--workers",
            type=_positive_int,
            help="worker processes of the local cluster (default: one per core)",
        )
        cluster.add_argument(
            "--address",
            type=str,
            help="the address of a running Dask scheduler to use instead of a local cluster, "
            "e.g. tcp://10.0.0.1:8786",
        )
        subparser.add_argument(
            "--batch-size",
            type=_positive_int,
            default=1,
            help="documents per prediction batch, as allennlp predict's --batch-size",
        )
        subparser.add_argument(
            "--quantize",
            choices=QUANTIZATIONS,
            help="predict with the model's LSTMs and linear layers quantized to int8",
        )
        subparser.add_argument(
            "--no-progress", action="store_true", help="no progress bar (the summary stays)"
        )
        subparser.set_defaults(func=_annotate_from_args)
        return subparser


@dataclass
class Shard:
    """An input shard, where its output goes, and whether this run annotates it."""

    input_path: Path
    output_path: Path
    input_sha256: str
    documents: int
    # "todo" (no complete output), "stale" (a complete output of another input or model,
    # written by this command) or "complete".
    status: str

    @property
    def name(self) -> str:
        return self.output_path.name

    @property
    def record_path(self) -> Path:
        return self.output_path.parent / STATE_DIRECTORY / f"{self.name}.done.json"

    @property
    def partial_path(self) -> Path:
        return self.output_path.parent / STATE_DIRECTORY / f"{self.name}.partial"


@dataclass
class AnnotationSummary:
    """
    What a run of `annotate` did.

    # Parameters

    written : `List[str]`
        The shards written by this run (their file names in the output directory).
    skipped : `List[str]`
        The shards whose output was already complete.
    failed : `Dict[str, str]`
        The shards that could not be annotated, with the reason.
    documents : `int`
        The output lines written by this run.
    errors : `int`
        Those of them that are error lines (inputs the predictor could not read).
    seconds : `float`
        The time spent annotating (from the first shard submitted to the last written).
    startup_seconds : `float`
        The time to start or join the cluster and load the model on its workers.
    workers : `int`
        The workers of the cluster when the run started.
    redone : `Dict[str, int]`
        The shards started again on another worker after the worker running them was lost,
        with the documents that the lost attempts had predicted (predicted again).
    peak_memory_mb : `Dict[str, float]`
        Per worker that wrote a shard, the peak resident memory of its process, in MiB.
    """

    written: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    failed: Dict[str, str] = field(default_factory=dict)
    documents: int = 0
    errors: int = 0
    seconds: float = 0.0
    startup_seconds: float = 0.0
    workers: int = 0
    redone: Dict[str, int] = field(default_factory=dict)
    peak_memory_mb: Dict[str, float] = field(default_factory=dict)

    def report(self) -> str:
        """The summary printed at the end of the command."""
        shards = len(self.written) + len(self.skipped) + len(self.failed)
        if shards == len(self.skipped):
            return f"hmtl-annotate: {shards} shards, all already complete: nothing to do."
        rate = self.documents / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"hmtl-annotate: {shards} shards: {len(self.written)} written, "
            f"{len(self.skipped)} already complete, {len(self.failed)} failed; "
            f"{self.documents} documents ({self.errors} error lines) in {self.seconds:.1f} s, "
            f"{rate:.1f} documents/s on {self.workers} workers "
            f"(start-up {self.startup_seconds:.1f} s)"
        ]
        for name, documents in sorted(self.redone.items()):
            lines.append(
                f"  {name}: started again after a worker was lost ({documents} documents "
                "predicted again)"
            )
        if self.failed:
            lines.append("Failed shards (run the same command again to retry them):")
            lines.extend(f"  {name}: {reason}" for name, reason in sorted(self.failed.items()))
        return "\n".join(lines)


def annotate(
    archive_file: str,
    input_files: Sequence[str],
    output_dir: str,
    workers: Optional[int] = None,
    address: Optional[str] = None,
    batch_size: int = 1,
    quantize: Optional[str] = None,
    progress: bool = True,
) -> AnnotationSummary:
    """
    Annotates the JSON-lines shards `input_files` into `output_dir` on a Dask cluster (see
    `Annotate` for the outputs, resuming and failures). Raises `AnnotateError` before any
    shard is annotated when an input is missing, an output would overwrite a file that is not
    this command's, the cluster cannot be reached or the archive cannot be loaded.

    # Parameters

    archive_file : `str`
        The archived "hmtl" model (a path readable by every worker, or a URL).
    input_files : `Sequence[str]`
        The input shards (JSON lines, optionally `.gz`, `.bz2` or `.xz`), with distinct names.
    output_dir : `str`
        Where the output shards are written (created if missing).
    workers : `int`, optional (default = `None`)
        The worker processes of the local cluster; `None`: one per core. Not with `address`.
    address : `str`, optional (default = `None`)
        The address of a running Dask scheduler to use instead of a local cluster.
    batch_size : `int`, optional (default = `1`)
        Documents per prediction batch, as `allennlp predict --batch-size`.
    quantize : `str`, optional (default = `None`)
        The predictor's `quantize` (`"int8"`, or `None` for the model as trained).
    progress : `bool`, optional (default = `True`)
        Whether to show a progress bar (on standard error).
    """
    if workers is not None and address is not None:
        raise AnnotateError("give either workers (a local cluster) or address, not both.")
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise AnnotateError(f"quantize must be one of {list(QUANTIZATIONS)}, got {quantize!r}.")
    archive = _checked_archive(archive_file)
    model_fingerprint = {"archive": _archive_fingerprint(archive), "quantize": quantize}
    shards = plan_shards(input_files, Path(output_dir), model_fingerprint)
    summary = AnnotationSummary(skipped=[s.name for s in shards if s.status == "complete"])
    todo = [shard for shard in shards if shard.status != "complete"]
    for shard in todo:
        if shard.status == "stale":
            logger.info("%s: written from another input or model; annotating it again", shard.name)
    if not todo:
        return summary
    (Path(output_dir) / STATE_DIRECTORY).mkdir(parents=True, exist_ok=True)

    try:
        import dask
        import distributed
    except ImportError as error:
        raise AnnotateError(
            f"hmtl-annotate runs on Dask distributed, which is not installed ({error}): "
            "pip install 'hmtl-allennlp[annotate]', or run `make setup`."
        ) from None

    started = time.perf_counter()
    # The scheduler's and workers' start, stop and reconnection messages (at INFO, some with
    # tracebacks, when a worker is lost or the cluster closes) are theirs to log, not the
    # command's: the summary says what happened.
    distributed_logger = logging.getLogger("distributed")
    distributed_level = distributed_logger.level
    distributed_logger.setLevel(max(logging.WARNING, distributed_level))
    try:
        with _cluster(dask, distributed, workers, address) as client:
            # The model is loaded on every worker before any shard is sent, so that an archive
            # a worker cannot load is reported at once, named, and the rate shown is the
            # annotating rate. A worker that joins later (or replaces a dead one) loads it with
            # its first shard.
            try:
                client.run(_load_on_worker, archive, quantize)
            except Exception as error:  # noqa: BLE001 - any worker's failure stops the run here
                raise AnnotateError(
                    f"the workers cannot load the model: {type(error).__name__}: {error}"
                ) from None
            summary.workers = len(client.scheduler_info()["workers"])
            summary.startup_seconds = time.perf_counter() - started
            _run(client, archive, quantize, batch_size, todo, model_fingerprint, summary, progress)
    finally:
        distributed_logger.setLevel(distributed_level)
    return summary


def plan_shards(
    input_files: Sequence[str], output_dir: Path, model_fingerprint: Dict[str, Any]
) -> List[Shard]:
    """
    The shards of a run, each with its output and whether it is to be annotated; raises
    `AnnotateError` naming every input that is missing, every pair of inputs that would write
    the same output, and every output file that this command may not overwrite.
    """
    if output_dir.exists() and not output_dir.is_dir():
        raise AnnotateError(f"--output-dir {output_dir} is a file, not a directory.")
    missing = [path for path in input_files if not os.path.isfile(path)]
    if missing:
        raise AnnotateError(f"input file(s) not found: {', '.join(missing)}.")
    by_output: Dict[Path, str] = {}
    for path in input_files:
        output = output_dir / _output_name(path)
        if output in by_output:
            raise AnnotateError(
                f"{by_output[output]} and {path} would both be written to {output}: give the "
                "shards distinct file names."
            )
        by_output[output] = path
    shards = []
    refused = []
    for output, path in by_output.items():
        data = _read_input(path)
        shard = Shard(
            input_path=Path(path),
            output_path=output,
            input_sha256=hashlib.sha256(data).hexdigest(),
            documents=sum(1 for line in data.split(b"\n") if line.strip()),
            status="todo",
        )
        problem = _status(shard, model_fingerprint)
        if problem is not None:
            refused.append(problem)
        shards.append(shard)
    if refused:
        raise AnnotateError(
            "refusing to overwrite files that are not complete outputs of hmtl-annotate: "
            + "; ".join(refused)
            + ". Move them away or choose another --output-dir."
        )
    return shards


def _status(shard: Shard, model_fingerprint: Dict[str, Any]) -> Optional[str]:
    """Sets `shard.status` from its output and completion record; the reason to refuse, if any."""
    output = shard.output_path
    if output.exists() and output.resolve() == shard.input_path.resolve():
        return f"{output} is the input itself"
    record = _read_record(shard.record_path)
    if not output.exists():
        # No output, or a record of a run interrupted between the record and the rename.
        shard.status = "todo"
        return None
    if record is None:
        return f"{output} exists without a completion record in {STATE_DIRECTORY}/"
    if not output.is_file() or not _matches(output, record):
        return f"{output} is not the file that hmtl-annotate wrote (changed since)"
    same = record.get("input_sha256") == shard.input_sha256 and record.get("model") == (
        model_fingerprint
    )
    shard.status = "complete" if same else "stale"
    return None


def _read_record(path: Path) -> Optional[Dict[str, Any]]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == RECORD_FORMAT else None


def _matches(output: Path, record: Dict[str, Any]) -> bool:
    """Whether `output` is the file the record was written for (size, then SHA-256)."""
    if output.stat().st_size != record.get("output_bytes"):
        return False
    return _file_sha256(output) == record.get("output_sha256")


def _run(
    client: Any,
    archive: str,
    quantize: Optional[str],
    batch_size: int,
    todo: List[Shard],
    model_fingerprint: Dict[str, Any],
    summary: AnnotationSummary,
    progress: bool,
) -> None:
    """Submits the shards a few at a time, and writes each output as its task finishes."""
    run_id = uuid.uuid4().hex[:12]
    # Progress events (shard, attempt, documents done), from the client's event loop thread.
    events: Deque[Dict[str, Any]] = deque()

    def on_event(event: Tuple[float, Dict[str, Any]]) -> None:
        if event[1].get("run") == run_id:
            events.append(event[1])

    client.subscribe_topic(PROGRESS_TOPIC, on_event)
    # Per shard being annotated: its attempts (one per worker that started it) and their
    # documents done; the bar shows the latest attempt of each.
    attempts: Dict[str, Dict[str, int]] = {}
    queue = deque(todo)
    in_flight: Dict[Any, Shard] = {}
    bar = Tqdm.tqdm(
        total=sum(shard.documents for shard in todo),
        unit="doc",
        desc="hmtl-annotate",
        disable=not progress,
        dynamic_ncols=True,
    )
    finished_documents = 0
    started = time.perf_counter()
    try:
        while queue or in_flight:
            workers = max(1, len(client.scheduler_info()["workers"]))
            while queue and len(in_flight) < SHARDS_IN_FLIGHT_PER_WORKER * workers:
                shard = queue.popleft()
                future = client.submit(
                    _annotate_shard, archive, quantize, batch_size, run_id, shard.name,
                    _read_input(str(shard.input_path)),
                    key=f"hmtl-annotate-{run_id}-{shard.name}", pure=False,
                )  # fmt: skip
                in_flight[future] = shard
            time.sleep(PROGRESS_INTERVAL)
            while events:
                event = events.popleft()
                if any(shard.name == event["shard"] for shard in in_flight.values()):
                    attempts.setdefault(event["shard"], {})[event["attempt"]] = event["done"]
            for future in [future for future in in_flight if future.done()]:
                shard = in_flight.pop(future)
                shard_attempts = attempts.pop(shard.name, {})
                if future.status == "finished":
                    result = future.result()
                    _write_shard(shard, result, model_fingerprint)
                    summary.written.append(shard.name)
                    summary.documents += result["documents"]
                    summary.errors += result["errors"]
                    finished_documents += result["documents"]
                    worker_peak = summary.peak_memory_mb.get(result["worker"], 0.0)
                    summary.peak_memory_mb[result["worker"]] = max(
                        worker_peak, result["peak_memory_mb"]
                    )
                    # The attempts of workers that were lost before they finished it.
                    lost = [done for attempt, done in shard_attempts.items()
                            if attempt != result["attempt"]]  # fmt: skip
                    if lost:
                        summary.redone[shard.name] = sum(lost)
                else:
                    error = future.exception()
                    summary.failed[shard.name] = f"{type(error).__name__}: {error}"
                    finished_documents += shard.documents
                future.release()
            bar.update(
                finished_documents
                + sum(list(done.values())[-1] for done in attempts.values())
                - bar.n
            )
    finally:
        bar.close()
        client.unsubscribe_topic(PROGRESS_TOPIC)
        summary.seconds = time.perf_counter() - started


def _write_shard(shard: Shard, result: Dict[str, Any], model_fingerprint: Dict[str, Any]) -> None:
    """
    Writes an output shard: under its partial name, then its completion record, then the
    rename. Interrupted anywhere, the next run finds no output (or only the partial file) and
    annotates the shard again; it never finds an output without its record.
    """
    data = result["text"].encode("utf-8")
    shard.partial_path.write_bytes(data)
    record = {
        "format": RECORD_FORMAT,
        "input": str(shard.input_path),
        "input_sha256": shard.input_sha256,
        "model": model_fingerprint,
        "output_bytes": len(data),
        "output_sha256": hashlib.sha256(data).hexdigest(),
        "documents": result["documents"],
        "errors": result["errors"],
    }
    record_partial = shard.record_path.with_name(shard.record_path.name + ".partial")
    record_partial.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    os.replace(record_partial, shard.record_path)
    os.replace(shard.partial_path, shard.output_path)


@contextmanager
def _cluster(
    dask: Any, distributed: Any, workers: Optional[int], address: Optional[str]
) -> Iterator[Any]:
    """A client of a local cluster started for the run, or of the scheduler at `address`."""
    if address is not None:
        try:
            client = distributed.Client(address, timeout="10s")
        except Exception as error:  # noqa: BLE001 - a bad or unreachable address
            raise AnnotateError(
                f"cannot connect to the Dask scheduler at {address}: "
                f"{type(error).__name__}: {error}"
            ) from None
        try:
            try:
                client.wait_for_workers(1, timeout=60)
            except Exception:  # noqa: BLE001 - dask's TimeoutError
                raise AnnotateError(
                    f"the Dask scheduler at {address} has no worker (none joined in 60 s)."
                ) from None
            yield client
        finally:
            client.close()
        return
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        cluster = distributed.LocalCluster(
            n_workers=workers or len(os.sched_getaffinity(0)),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()


# On the workers.


def _worker_predictor(archive_file: str, quantize: Optional[str]) -> HmtlPredictor:
    """This worker process's predictor, loaded once (one model per worker, one torch thread)."""
    key = (archive_file, quantize)
    if key not in _WORKER_PREDICTORS:
        import torch

        # A worker is one process per core: more torch threads would only compete for it.
        torch.set_num_threads(1)
        _WORKER_PREDICTORS.clear()
        predictor = HmtlPredictor.from_path(archive_file, "hmtl", quantize=quantize)
        _WORKER_PREDICTORS[key] = cast(HmtlPredictor, predictor)
    return _WORKER_PREDICTORS[key]


async def _load_on_worker(archive_file: str, quantize: Optional[str]) -> None:
    # `Client.run` calls this in the worker's event loop: the load runs in a thread, so that
    # the worker keeps answering the scheduler meanwhile.
    await asyncio.get_running_loop().run_in_executor(
        None, _worker_predictor, archive_file, quantize
    )


def _annotate_shard(
    archive_file: str,
    quantize: Optional[str],
    batch_size: int,
    run_id: str,
    name: str,
    data: bytes,
) -> Dict[str, Any]:
    """
    The task of one shard: its output lines as `allennlp predict` writes them (the predictor
    reads the raw lines, numbers them and makes the error lines), and counts.
    """
    from distributed import get_worker

    worker = get_worker()
    predictor = _worker_predictor(archive_file, quantize)
    attempt = uuid.uuid4().hex

    def report(done: int) -> None:
        message = {
            "run": run_id,
            "shard": name,
            "attempt": attempt,
            "done": done,
            "worker": worker.address,
        }
        worker.log_event(PROGRESS_TOPIC, message)

    report(0)
    lines: List[str] = []
    errors = 0
    last_report = time.monotonic()
    for batch in lazy_groups_of(read_json_lines(io.BytesIO(data)), batch_size):
        for output in predictor.predict_batch_json(batch):
            lines.append(predictor.dump_line(output))
            errors += "error" in output
        if time.monotonic() - last_report >= PROGRESS_INTERVAL:
            report(len(lines))
            last_report = time.monotonic()
    return {
        "text": "".join(lines),
        "documents": len(lines),
        "errors": errors,
        "worker": worker.address,
        "attempt": attempt,
        # ru_maxrss is in KiB on Linux.
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# Helpers.


def _annotate_from_args(args: argparse.Namespace) -> None:
    try:
        summary = annotate(
            args.archive_file,
            args.input_files,
            args.output_dir,
            workers=args.workers,
            address=args.address,
            batch_size=args.batch_size,
            quantize=args.quantize,
            progress=not args.no_progress,
        )
    except AnnotateError as error:
        raise SystemExit(f"allennlp hmtl-annotate: error: {error}")
    print(summary.report(), flush=True)
    if summary.failed:
        sys.exit(1)


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _output_name(input_file: str) -> str:
    name = os.path.basename(input_file)
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _read_input(path: str) -> bytes:
    """An input shard's bytes, decompressed as `allennlp predict` decompresses it."""
    with open_compressed(path, mode="rb", encoding=None) as input_file:
        return cast(bytes, input_file.read())


def _checked_archive(archive_file: str) -> str:
    """The archive as the workers get it: an absolute path (or a URL), checked to exist."""
    if "://" in archive_file:
        return archive_file
    if not os.path.isfile(archive_file):
        raise AnnotateError(f"{archive_file}: no such model archive (file not found).")
    return os.path.abspath(archive_file)


def _archive_fingerprint(archive: str) -> str:
    return archive if "://" in archive else f"sha256:{_file_sha256(Path(archive))}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
