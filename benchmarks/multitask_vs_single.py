"""
Prediction cost of one HMTL pass (all four tasks: NER, EMD, relations, coreference) against the
two single-task allennlp-models passes a user would otherwise run on the same documents:
`crf_tagger` (tags) plus `coref`, with the same embedder (GloVe 50d + character CNN).

    .venv/bin/python benchmarks/multitask_vs_single.py [--documents 100] [--repeats 2]
        [--threads 1] [--clock wall|process] [--hmtl-archive A] [--tagger-archive A]
        [--coref-archive A] [--quantize int8]
        [--output benchmarks/results/multitask_vs_single.json]

Models: training_config/hmtl_full.jsonnet (run as the "hmtl" predictor runs it: the sentences of
a document, 32 per batch, with task "sentence_levels", then the document with task "coref"),
training_config/baselines/crf_tagger_ner.jsonnet (the document's sentences as one batch, as
`allennlp predict` with the sentence-tagger predictor would batch them) and
training_config/baselines/coref.jsonnet (one document per pass). Documents: the Re-DocRED dev
split (../shared/data, or HMTL_ACE05_DEV). One document at a time, in inference mode (no
gradients, dropout off, decoding included); the best of the repeats counts. Give the trained
archives (scripts/results/train_runs.sh makes them): decoding costs depend on the
weights; without an archive a model has random weights. `--quantize int8` runs HMTL as the
predictor's `quantize` option does (its LSTMs and linear layers dynamically quantized to int8);
the single-task models stay float.
"""

import argparse
import json
import logging
import time
from itertools import islice
from typing import Callable, Dict, List

import torch
from allennlp.data import Batch, DatasetReader, Instance, Vocabulary
from allennlp.data.fields import MetadataField
from allennlp.models.archival import load_archive

import allennlp_models.coref  # noqa: F401  (registers "coref")
import allennlp_models.tagging  # noqa: F401  (registers "crf_tagger")
from allennlp_models_adapters import CorefForAllennlpModels
from hmtl_allennlp.models.hmtl import SENTENCE_LEVELS_TASK
from hmtl_allennlp.models.quantization import QUANTIZATIONS, quantize_model
from hmtl_allennlp.predictors.hmtl import SENTENCES_PER_BATCH
from benchmark_setup import (
    CLOCKS,
    REPOSITORY,
    build_model,
    config_params,
    data_paths,
    machine,
    use_public_data,
)


def read(reader_params, path: str, limit: int) -> List[Instance]:
    return list(islice(DatasetReader.from_params(reader_params).read(path), limit))


def best_seconds(run: Callable[[], None], repeats: int, clock=time.perf_counter) -> float:
    run()  # warm-up
    timings = []
    for _ in range(repeats):
        start = clock()
        run()
        timings.append(clock() - start)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--hmtl-archive", help="a trained full model (model.tar.gz)")
    parser.add_argument("--tagger-archive", help="a trained crf_tagger baseline")
    parser.add_argument("--coref-archive", help="a trained coref baseline")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--quantize",
        choices=QUANTIZATIONS,
        default=None,
        help="run HMTL quantized, as the predictor's quantize option does",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="process: this process's CPU time (with one thread, the cost without the waits "
        "for a core that other work holds)",
    )
    parser.add_argument(
        "--output",
        default=str(REPOSITORY / "benchmarks" / "results" / "multitask_vs_single.json"),
    )
    arguments = parser.parse_args()
    logging.getLogger("hmtl_allennlp").setLevel(logging.WARNING)
    torch.set_num_threads(arguments.threads)
    use_public_data()
    dev = data_paths()["HMTL_ACE05_DEV"]

    hmtl_params = config_params("training_config/hmtl_full.jsonnet")
    tagger_params = config_params("training_config/baselines/crf_tagger_ner.jsonnet")
    coref_params = config_params("training_config/baselines/coref.jsonnet")
    readers = hmtl_params["dataset_reader"]["readers"]

    documents = read(readers["coref"].duplicate(), dev, arguments.documents)
    # HMTL: the instances of each document as the "hmtl" predictor makes them with the readers.
    sentence_reader = DatasetReader.from_params(readers["emd"].duplicate())
    coref_reader = DatasetReader.from_params(readers["coref"].duplicate())
    hmtl_batches: List[List[Instance]] = []
    for document in islice(coref_reader.read_documents(dev), arguments.documents):
        sentence_instances = sentence_reader.prediction_instances(document, SENTENCE_LEVELS_TASK)
        hmtl_batches.extend(
            sentence_instances[start : start + SENTENCES_PER_BATCH]
            for start in range(0, len(sentence_instances), SENTENCES_PER_BATCH)
        )
        hmtl_batches.extend(
            [segment] for segment in coref_reader.prediction_instances(document, "coref")
        )
    # The tagger's sentences, grouped by document, without gold tags (as in prediction).
    sentences: Dict[str, List[Instance]] = {}
    emd_instances = read(readers["emd"].duplicate(), dev, 10**9)
    for sentence in emd_instances:
        key = sentence["metadata"].metadata["doc_key"]
        sentences.setdefault(key, []).append(
            Instance(
                {
                    "tokens": sentence["tokens"],
                    "metadata": MetadataField({"words": sentence["metadata"].metadata["tokens"]}),
                }
            )
        )
    tagger_batches = [sentences[d["metadata"].metadata["doc_key"]] for d in documents]
    coref_instances = [
        Instance({name: field for name, field in instance.fields.items() if name != "span_labels"})
        for instance in islice(
            CorefForAllennlpModels(
                DatasetReader.from_params(coref_params["dataset_reader"]["reader"].duplicate())
            ).read(dev),
            len(documents),
        )
    ]

    # One vocabulary for all three models: the tokens of the documents, and the tag and
    # relation labels of each task (NER tags from the GUM dev split).
    ner_instances = read(readers["ner"].duplicate(), data_paths()["HMTL_ONTONOTES_DEV"], 10**9)
    relation_instances = read(readers["relation"].duplicate(), dev, 10**9)
    vocab = Vocabulary.from_instances(
        [*documents, *emd_instances, *ner_instances, *relation_instances]
    )
    # Trained archives where given: decoding costs depend on the weights (an untrained relation
    # head predicts a relation in about half of its cells, which a trained one does not).
    archives = {
        "hmtl": arguments.hmtl_archive,
        "crf_tagger": arguments.tagger_archive,
        "coref": arguments.coref_archive,
    }
    models = {
        "hmtl": build_model(hmtl_params, vocab),
        "crf_tagger": build_model(tagger_params, vocab),
        "coref": build_model(coref_params, vocab),
    }
    for name, archive in archives.items():
        if archive:
            models[name] = load_archive(archive).model
    if arguments.quantize:
        models["hmtl"] = quantize_model(models["hmtl"], arguments.quantize)
    for model in models.values():
        model.eval()
    tokens = sum(len(d["tokens"]) for d in documents)

    def passes(model, batches: List[List[Instance]]) -> Callable[[], None]:
        tensor_batches = []
        for instances in batches:
            batch = Batch(instances)
            batch.index_instances(model.vocab)
            tensor_batches.append(batch.as_tensor_dict())

        def run() -> None:
            with torch.inference_mode():
                for tensor_batch in tensor_batches:
                    model.make_output_human_readable(model(**tensor_batch))

        return run

    clock = CLOCKS[arguments.clock]
    seconds = {
        "hmtl (ner + emd + relations + coref)": best_seconds(
            passes(models["hmtl"], hmtl_batches), arguments.repeats, clock
        ),
        "crf_tagger": best_seconds(
            passes(models["crf_tagger"], tagger_batches), arguments.repeats, clock
        ),
        "coref": best_seconds(
            passes(models["coref"], [[i] for i in coref_instances]), arguments.repeats, clock
        ),
    }
    seconds["crf_tagger + coref"] = seconds["crf_tagger"] + seconds["coref"]
    parameters = {
        name: sum(p.numel() for p in model.parameters()) for name, model in models.items()
    }
    ratio = seconds["hmtl (ner + emd + relations + coref)"] / seconds["crf_tagger + coref"]

    print(f"{len(documents)} documents, {tokens} tokens, {arguments.threads} thread(s)")
    print(f"{'setup':<38} {'seconds':>8} {'tokens/s':>9}")
    for name, value in seconds.items():
        print(f"{name:<38} {value:>8.2f} {tokens / value:>9.0f}")
    print(f"hmtl / (crf_tagger + coref) = {ratio:.2f} (goal: below 0.5)")
    with open(arguments.output, "w") as output:
        json.dump(
            {
                "command": "python benchmarks/multitask_vs_single.py "
                f"--documents {arguments.documents} --repeats {arguments.repeats} "
                f"--threads {arguments.threads} --clock {arguments.clock}"
                + "".join(
                    f" --{'tagger' if name == 'crf_tagger' else name}-archive {archive}"
                    for name, archive in archives.items()
                    if archive
                )
                + (f" --quantize {arguments.quantize}" if arguments.quantize else ""),
                "weights": {name: archive or "random" for name, archive in archives.items()},
                "hmtl_quantization": arguments.quantize,
                "data": dev,
                "machine": machine(arguments.threads),
                "documents": len(documents),
                "tokens": tokens,
                "parameters": parameters,
                "seconds": {name: round(value, 3) for name, value in seconds.items()},
                "tokens_per_second": {
                    name: round(tokens / value) for name, value in seconds.items()
                },
                "hmtl_over_single_tasks": round(ratio, 3),
                "note": "inference mode, one document per pass (the tagger: the document's "
                "sentences as one batch), decoding included; best of the repeats after a "
                "warm-up",
            },
            output,
            indent=2,
        )
        output.write("\n")


if __name__ == "__main__":
    main()
