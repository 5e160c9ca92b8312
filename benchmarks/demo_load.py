"""
Load on the web demo's `POST /predict`: a number of requests, a few at a time, from this
machine to `allennlp hmtl-demo` (started by this script on a free port), with the latency of
each request, its median and 95th percentile, and the errors.

    .venv/bin/python benchmarks/demo_load.py [--archive ARCHIVE] [--requests 200]
        [--concurrency 8] [--input fixtures/sample/raw_text.jsonl]
        [--output benchmarks/results/demo_load.json]

The archive defaults to the newest quick-start archive (output/quickstart-*/model.tar.gz, as
`make quickstart` writes it). The requests cycle through the `text` of every line of the input
(by default the quick start's three raw-text documents). One warm-up request goes first. The
server predicts one request at a time (see `hmtl_allennlp.demo.server`), so the latency under
load is mostly waiting for the lock: about `concurrency` times one prediction.
"""

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Sequence
from urllib.parse import urlsplit

REPOSITORY = Path(__file__).resolve().parent.parent


def shown(path: Path) -> str:
    """The path relative to the repository when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(REPOSITORY))
    except ValueError:
        return str(path)


def post(url: str, text: str, timeout: float = 120.0) -> Dict[str, Any]:
    """One `POST /predict` of `text`: its status, latency in seconds and answer."""
    address = urlsplit(url)
    body = json.dumps({"text": text}).encode("utf-8")
    start = time.perf_counter()
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
    try:
        connection.request(
            "POST", "/predict", body=body, headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        answer = json.loads(response.read().decode("utf-8"))
        status = response.status
    except Exception as error:  # noqa: BLE001 - counted as a failed request
        status, answer = None, {"error": f"{type(error).__name__}: {error}"}
    finally:
        connection.close()
    return {"status": status, "seconds": time.perf_counter() - start, "answer": answer}


def run_load(
    url: str, texts: Sequence[str], requests: int, concurrency: int
) -> List[Dict[str, Any]]:
    """`requests` posts of `texts` in turn, `concurrency` at a time, in the order sent."""
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(post, url, texts[index % len(texts)]) for index in range(requests)]
        return [future.result() for future in futures]


def summary(results: List[Dict[str, Any]], wall_seconds: float) -> Dict[str, Any]:
    latencies = sorted(result["seconds"] for result in results)
    percentiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "requests": len(results),
        "errors": sum(result["status"] != 200 for result in results),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * percentiles[94],
        "max_ms": 1000 * latencies[-1],
        "wall_s": wall_seconds,
        "requests_per_s": len(results) / wall_seconds,
    }


def main() -> None:
    sys.path.insert(0, str(REPOSITORY / "scripts"))
    from demo_screenshot import start_demo

    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--input", type=Path, default=REPOSITORY / "fixtures/sample/raw_text.jsonl")
    parser.add_argument(
        "--output", type=Path, default=REPOSITORY / "benchmarks/results/demo_load.json"
    )
    arguments = parser.parse_args()
    archive = arguments.archive
    if archive is None:
        archives = sorted(
            REPOSITORY.glob("output/quickstart-*/model.tar.gz"),
            key=lambda path: path.stat().st_mtime,
        )
        if not archives:
            parser.error("no --archive given and no output/quickstart-*/model.tar.gz found")
        archive = archives[-1]
    lines = arguments.input.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]

    process, url = start_demo(str(archive))
    try:
        warm_up = post(url, texts[0])
        if warm_up["status"] != 200:
            raise SystemExit(f"demo_load: the warm-up request failed: {warm_up['answer']}")
        start = time.perf_counter()
        results = run_load(url, texts, arguments.requests, arguments.concurrency)
        numbers = summary(results, time.perf_counter() - start)
    finally:
        process.terminate()
        process.wait()

    words = sum(len(text.split()) for text in texts) / len(texts)
    print(
        f"{numbers['requests']} requests, {arguments.concurrency} at a time, texts of "
        f"{words:.0f} words on average: {numbers['errors']} errors; latency p50 "
        f"{numbers['p50_ms']:.0f} ms, p95 {numbers['p95_ms']:.0f} ms, max {numbers['max_ms']:.0f}"
        f" ms; {numbers['requests_per_s']:.1f} requests/s ({numbers['wall_s']:.1f} s)"
    )
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "command": "python " + " ".join(sys.argv),
        "archive": shown(archive),
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
        },
        "concurrency": arguments.concurrency,
        "mean_words_per_text": words,
        **numbers,
    }
    arguments.output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
