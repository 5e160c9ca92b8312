"""
The metrics under torch.distributed: two gloo workers on CPU, each fed half of the data, must
report what one metric fed all of it reports, including labels that only one worker saw.
"""

import json
import time
from pathlib import Path

import pytest
import torch.distributed as dist
import torch.multiprocessing

from hmtl_allennlp.metrics import CorefScores, RelationF1, SpanF1

# Slow: runs two worker processes.
pytestmark = pytest.mark.slow

WORLD_SIZE = 2

# Per worker, the arguments of each metric's calls.
SPAN_BATCHES = [
    ([[(0, 1, "PER"), (3, 3, "LOC")]], [[(0, 1, "PER"), (4, 4, "LOC")]]),
    # MISC is only seen by the second worker.
    ([[(2, 2, "MISC")], []], [[(2, 2, "MISC")], [(5, 6, "PER")]]),
]
RELATION_BATCHES = [
    (
        [[((0, 1, "PER"), (4, 4, "ORG"), "WORK_FOR")]],
        [[((0, 1, "PER"), (4, 4, "ORG"), "WORK_FOR")]],
    ),
    (
        [[((6, 7, "PER"), (9, 9, "GPE"), "LIVE_IN")], [((0, 0, "PER"), (2, 2, "ORG"), "WORK_FOR")]],
        [[((6, 7, "PER"), (9, 9, "LOC"), "LIVE_IN")], []],
    ),
]
COREF_BATCHES = [
    ([[[(0, 0)], [(3, 3), (4, 4)]]], [[[(0, 0)], [(1, 1), (2, 2)], [(3, 3), (4, 4), (5, 5)]]]),
    ([[[(0, 0), (1, 1), (9, 9)], [(8, 8)]]], [[[(0, 0), (1, 1)], [(2, 2)]]]),
]


def all_metrics(span_batches, relation_batches, coref_batches):
    span_f1, relation_f1, coref_scores = SpanF1(), RelationF1(), CorefScores()
    for arguments in span_batches:
        span_f1(*arguments)
    for arguments in relation_batches:
        relation_f1(*arguments)
    for arguments in coref_batches:
        coref_scores(*arguments)
    return {
        "span": span_f1.get_metric(),
        "relation": relation_f1.get_metric(),
        "coref": coref_scores.get_metric(),
    }


def run_worker(rank: int, rendezvous_file: str, output_directory: str) -> None:
    dist.init_process_group(
        "gloo", init_method=f"file://{rendezvous_file}", rank=rank, world_size=WORLD_SIZE
    )
    try:
        metrics = all_metrics([SPAN_BATCHES[rank]], [RELATION_BATCHES[rank]], [COREF_BATCHES[rank]])
    finally:
        dist.destroy_process_group()
    Path(output_directory, f"{rank}.json").write_text(json.dumps(metrics))


def test_two_workers_report_the_metrics_of_all_the_data(tmp_path):
    # Forked workers inherit the imported modules, which keeps the test quick.
    workers = torch.multiprocessing.start_processes(
        run_worker,
        args=(str(tmp_path / "rendezvous"), str(tmp_path)),
        nprocs=WORLD_SIZE,
        join=False,
        start_method="fork",
    )
    deadline = time.monotonic() + 60
    while not workers.join(timeout=1):
        if time.monotonic() > deadline:
            for process in workers.processes:
                process.kill()
            pytest.fail("The distributed workers did not finish within 60 s.")

    expected = all_metrics(SPAN_BATCHES, RELATION_BATCHES, COREF_BATCHES)
    # The sums matter: span precision is 1/2 on the first half, 1/1 on the second, and 2/3
    # (2 right of 3 predicted) over both.
    assert expected["span"]["precision"] == pytest.approx(2 / 3, abs=1e-12)
    for rank in range(WORLD_SIZE):
        reported = json.loads((tmp_path / f"{rank}.json").read_text())
        for metric_name, metrics in expected.items():
            assert list(reported[metric_name]) == list(metrics)
            assert reported[metric_name] == pytest.approx(metrics, abs=1e-12)
