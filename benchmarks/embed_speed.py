"""
`hmtl-embed` against prediction: tokens per second of writing every level's embeddings (token
embeddings and mean/max sentence vectors, all levels, as `allennlp hmtl-embed` does) and of
predicting every task (as `allennlp predict` does), over the same documents with the same model,
in one process, CPU time (process clock: the same on a busy machine).

    .venv/bin/python benchmarks/embed_speed.py --archive ARCHIVE [--input FILE] [--repeats 3]
        [--threads 1] [--output benchmarks/results/embed_speed.json]

The input defaults to the bundled sample's dev split (20 Re-DocRED documents). Each is timed
`repeats` times after one warm-up pass; the best pass counts.
"""

import argparse
import json
import logging
import time
from pathlib import Path

import h5py
import torch

from benchmark_setup import REPOSITORY, machine, shown
from hmtl_allennlp.commands.embed import _write_document
from hmtl_allennlp.dataset_readers.document_reader import task_readers
from hmtl_allennlp.predictors import HmtlPredictor
from hmtl_allennlp.probing.level_embeddings import LevelEmbedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--input", type=Path, default=REPOSITORY / "fixtures/sample/dev.jsonl")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--output", type=Path, default=REPOSITORY / "benchmarks/results/embed_speed.json"
    )
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    logging.getLogger("allennlp").setLevel(logging.WARNING)
    predictor = HmtlPredictor.from_path(arguments.archive, "hmtl")
    lines = [line for line in arguments.input.read_text(encoding="utf-8").splitlines() if line]
    documents = [predictor._read_document(predictor.load_line(line)) for line in lines]
    tokens = sum(len(document.tokens) for document in documents)
    token_indexers = next(iter(task_readers(predictor._dataset_reader).values())).token_indexers
    embedder = LevelEmbedder(predictor._model, token_indexers)
    scratch = Path("/dev/shm" if Path("/dev/shm").is_dir() else ".") / "embed_speed.h5"

    def embed() -> None:
        with h5py.File(scratch, "w") as h5:
            for index, document in enumerate(documents):
                _write_document(h5.create_group(f"d{index}"), document, embedder, ["mean", "max"])

    def predict() -> None:
        for line in lines:
            predictor.predict_json(predictor.load_line(line))

    results = {}
    for name, run in (("hmtl-embed", embed), ("predict", predict)):
        run()  # warm-up
        seconds = []
        for _ in range(arguments.repeats):
            start = time.process_time()
            run()
            seconds.append(time.process_time() - start)
        results[name] = {"seconds": min(seconds), "tokens_per_second": tokens / min(seconds)}
        print(f"{name}: {tokens / min(seconds):,.0f} tokens/s ({min(seconds):.2f} s CPU)")
    scratch.unlink(missing_ok=True)
    ratio = results["hmtl-embed"]["tokens_per_second"] / results["predict"]["tokens_per_second"]
    print(f"hmtl-embed / predict: {ratio:.2f}x")
    report = {
        "archive": str(arguments.archive),
        "input": shown(arguments.input),
        "documents": len(documents),
        "tokens": tokens,
        "levels": embedder.levels,
        "machine": machine(arguments.threads),
        "results": results,
        "embed_over_predict": ratio,
    }
    arguments.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
