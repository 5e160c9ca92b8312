"""
Cost of coreference against document length: time and peak memory of one prediction pass of
the full HMTL model's coreference task (every level under it included: embeddings, NER, EMD and
the coreference BiLSTM, then span pruning and antecedent scoring) on documents of 250, 1,000,
4,000 and 16,000 tokens.

    .venv/bin/python benchmarks/coref_scaling.py [--lengths 250 1000 4000 16000] [--threads 1]
        [--output benchmarks/results/coref_scaling.json]

Each length runs in a fresh subprocess, so that its peak resident memory (getrusage maxrss,
which sees torch's allocations, unlike tracemalloc) is its own. Reported: the peak of the whole
process, and the growth of the peak during the pass (the process before the pass holds Python,
AllenNLP, the model and the document). Documents are Re-DocRED dev sentences (../shared/data, or
HMTL_ACE05_DEV) concatenated, repeated when needed, into one document of the given length.
Model: training_config/hmtl_full.jsonnet with random weights (pruning keeps 0.4 spans per word
whatever the weights).
"""

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice

import torch

from benchmark_setup import REPOSITORY, machine

DEFAULT_LENGTHS = [250, 1000, 4000, 16000]


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def measure(length: int, threads: int) -> dict:
    """One length, in this process."""
    from allennlp.data import Batch, DatasetReader, Vocabulary

    from benchmark_setup import build_model, config_params, data_paths, use_public_data

    torch.set_num_threads(threads)
    logging.getLogger("hmtl_allennlp").setLevel(logging.WARNING)
    use_public_data()
    params = config_params("training_config/hmtl_full.jsonnet")
    readers = params["dataset_reader"]["readers"]
    sentences = []
    with open(data_paths()["HMTL_ACE05_DEV"]) as dev:
        for line in dev:
            sentences.extend(json.loads(line)["sentences"])
    document, total = [], 0
    while total < length:
        for sentence in sentences:
            sentence = sentence[: length - total]
            document.append(sentence)
            total += len(sentence)
            if total == length:
                break
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as file:
        json.dump({"doc_key": f"synthetic_{length}", "sentences": document}, file)
    try:
        reader = DatasetReader.from_params(readers["coref"].duplicate())
        instance = next(iter(reader.read(file.name)))
    finally:
        os.unlink(file.name)
    # The label sets of the tasks come from a few hundred sentences of their dev data.
    label_paths = {
        "ner": data_paths()["HMTL_ONTONOTES_DEV"],
        "emd": data_paths()["HMTL_ACE05_DEV"],
        "relation": data_paths()["HMTL_ACE05_DEV"],
    }
    vocab_instances = [
        labelled
        for task, path in label_paths.items()
        for labelled in islice(DatasetReader.from_params(readers[task].duplicate()).read(path), 300)
    ]
    vocab = Vocabulary.from_instances([instance, *vocab_instances])
    model = build_model(params, vocab)
    model.eval()
    batch = Batch([instance])
    batch.index_instances(vocab)
    tensors = batch.as_tensor_dict()
    before = maxrss_mb()
    start = time.perf_counter()
    with torch.inference_mode():
        output = model(**tensors)
    seconds = time.perf_counter() - start
    peak = maxrss_mb()
    return {
        "tokens": length,
        "sentences": len(document),
        "candidate_spans": int(tensors["spans"].shape[1]),
        "kept_spans": int(output["top_spans"].shape[1]) if "top_spans" in output else None,
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(peak),
        "pass_growth_mb": round(peak - before),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=DEFAULT_LENGTHS)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the subprocess's length
    parser.add_argument(
        "--output", default=str(REPOSITORY / "benchmarks" / "results" / "coref_scaling.json")
    )
    arguments = parser.parse_args()
    if arguments.one is not None:
        print(json.dumps(measure(arguments.one, arguments.threads)))
        return

    rows = []
    for length in arguments.lengths:
        completed = subprocess.run(
            [sys.executable, __file__, "--one", str(length), "--threads", str(arguments.threads)],
            capture_output=True,
            text=True,
        )
        if completed.returncode != 0:
            sys.stderr.write(completed.stderr[-3000:])
            rows.append({"tokens": length, "error": completed.stderr.strip().splitlines()[-1]})
            continue
        rows.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    print(
        f"{'tokens':>7} {'spans':>7} {'kept':>6} {'seconds':>8} {'ms/token':>9} "
        f"{'peak MB':>8} {'growth MB':>10}"
    )
    for row in rows:
        if "error" in row:
            print(f"{row['tokens']:>7} failed: {row['error']}")
            continue
        print(
            f"{row['tokens']:>7} {row['candidate_spans']:>7} {row['kept_spans'] or '-':>6} "
            f"{row['seconds']:>8} {1000 * row['seconds'] / row['tokens']:>9.2f} "
            f"{row['peak_rss_mb']:>8} {row['pass_growth_mb']:>10}"
        )
    with open(arguments.output, "w") as output:
        json.dump(
            {
                "command": "python benchmarks/coref_scaling.py --lengths "
                + " ".join(map(str, arguments.lengths))
                + f" --threads {arguments.threads}",
                "config": "training_config/hmtl_full.jsonnet",
                "machine": machine(arguments.threads),
                "note": "one prediction pass of the coreference task (levels below included), "
                "inference mode, a fresh process per length; peak_rss_mb is getrusage maxrss",
                "results": rows,
            },
            output,
            indent=2,
        )
        output.write("\n")


if __name__ == "__main__":
    main()
