"""
The load test of the demo, bounded in count and time (200 requests, 8 at a time, each with a
timeout), with the fixture model and the load functions of `benchmarks/demo_load.py`: no
error, every answer the prediction of its own text, one prediction at a time.
"""

import importlib.util
import threading

import pytest

pytestmark = pytest.mark.slow

TEXTS = [
    "John Smith met Mary in Paris. She liked him.",
    "Marie Curie was born in Warsaw. She moved to Paris in 1891.",
    "The Danube flows through Vienna and Budapest. The river is long.",
]


@pytest.fixture(scope="module")
def demo_load(repository_root):
    """benchmarks/demo_load.py, imported from its file (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "demo_load", repository_root / "benchmarks" / "demo_load.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_200_requests_8_at_a_time(start_demo_server, demo_load, monkeypatch):
    server = start_demo_server()
    url = "http://{}:{}/".format(*server.server_address[:2])
    expected = {text: demo_load.post(url, text)["answer"] for text in TEXTS}

    # Counts the predictions running at once, to see that the lock lets one through at a time.
    model = server.predictor._model
    forward = model.forward_on_instances
    running, most_running, counter_lock = [0], [0], threading.Lock()

    def counted_forward(instances):
        with counter_lock:
            running[0] += 1
            most_running[0] = max(most_running[0], running[0])
        try:
            return forward(instances)
        finally:
            with counter_lock:
                running[0] -= 1

    monkeypatch.setattr(model, "forward_on_instances", counted_forward)
    results = demo_load.run_load(url, TEXTS, requests=200, concurrency=8)

    assert [result["status"] for result in results] == [200] * 200
    for index, result in enumerate(results):
        assert result["answer"] == expected[TEXTS[index % len(TEXTS)]]
    assert most_running[0] == 1
    numbers = demo_load.summary(results, wall_seconds=1.0)
    assert numbers["requests"] == 200 and numbers["errors"] == 0
    assert 0 < numbers["p50_ms"] <= numbers["p95_ms"] <= numbers["max_ms"]
