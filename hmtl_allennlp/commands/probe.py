"""
`allennlp hmtl-probe`: what each level of a trained model keeps of each probing task.
"""

import argparse
import json
import logging
from pathlib import Path
from typing import Dict, List, Tuple

import numpy
from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from hmtl_allennlp.models.archival import load_model_archive
from hmtl_allennlp.dataset_readers.document_reader import task_readers
from hmtl_allennlp.probing.level_embeddings import POOLINGS, LevelEmbedder, pool
from hmtl_allennlp.probing.probes import PROBES, read_senteval_task, train_probe

logger = logging.getLogger(__name__)


@Subcommand.register("hmtl-probe")
class Probe(Subcommand):
    """
    `allennlp hmtl-probe ARCHIVE TASKS_DIR --output-file results.json` trains, for every probing
    task of `TASKS_DIR` (SentEval's format, `<task>.txt`, as `hmtl-probing-tasks` writes them)
    and every level of the archived model ("embedder", the shared input embeddings, then each
    level's encoder), a linear and an MLP probe on the frozen pooled sentence embeddings of the
    training split, chosen on the dev split (`hmtl_allennlp.probing.probes`), and writes their
    dev accuracies, with each task's majority baseline, to `results.json`.

    Registered as a `Subcommand` with name "hmtl-probe".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Probe the sentence embeddings of every level of an HMTL model."
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("archive_file", type=str, help="the archived model")
        subparser.add_argument("tasks_dir", type=str, help="folder of SentEval probing files")
        subparser.add_argument("--output-file", type=str, required=True, help="results JSON")
        subparser.add_argument(
            "--levels", nargs="+", help='"embedder" and level names (default: all of them)'
        )
        subparser.add_argument("--tasks", nargs="+", help="task names (default: every file)")
        subparser.add_argument(
            "--pooling", choices=POOLINGS, default="mean", help="sentence pooling (mean)"
        )
        subparser.add_argument(
            "--probes", nargs="+", choices=PROBES, default=list(PROBES), help="probes to train"
        )
        subparser.add_argument("--batch-size", type=int, default=64, help="sentences per batch")
        subparser.add_argument("--seed", type=int, default=13, help="the probes' random seed")
        subparser.add_argument("--cuda-device", type=int, default=-1, help="GPU id (if any)")
        subparser.set_defaults(func=probe_archive)
        return subparser


def probe_archive(args: argparse.Namespace) -> None:
    output = Path(args.output_file)
    if output.exists():
        raise ConfigurationError(f"{output} exists: choose another output file, or remove it.")
    task_files = sorted(Path(args.tasks_dir).glob("*.txt"))
    if args.tasks:
        task_files = [path for path in task_files if path.stem in args.tasks]
        missing = sorted(set(args.tasks) - {path.stem for path in task_files})
        if missing:
            raise ConfigurationError(f"{args.tasks_dir}: no file for {', '.join(missing)}.")
    if not task_files:
        raise ConfigurationError(f"{args.tasks_dir}: no probing task files (*.txt) in it.")
    tasks = {path.stem: read_senteval_task(str(path)) for path in task_files}
    for name, splits in tasks.items():
        if not {"tr", "va"} <= set(splits):
            raise ConfigurationError(f"{args.tasks_dir}/{name}.txt: needs tr and va sentences.")

    archive = load_model_archive(args.archive_file, cuda_device=args.cuda_device)
    readers = task_readers(archive.dataset_reader)
    token_indexers = next(iter(readers.values())).token_indexers
    embedder = LevelEmbedder(archive.model, token_indexers, args.levels, args.batch_size)
    # Each distinct sentence is embedded once, whatever tasks hold it.
    sentences = sorted(
        {
            tuple(words)
            for splits in tasks.values()
            for split in splits.values()
            for _, words in split
        }
    )
    vectors: Dict[Tuple[str, ...], Dict[str, numpy.ndarray]] = {}
    for words, embedded in zip(sentences, embedder.embed([list(s) for s in sentences])):
        vectors[words] = {level: pool(tokens, args.pooling) for level, tokens in embedded.items()}
    logger.info("Embedded %d sentences", len(sentences))

    results: Dict[str, Dict] = {}
    for name, splits in tasks.items():
        train_labels = [label for label, _ in splits["tr"]]
        dev_labels = [label for label, _ in splits["va"]]
        majority = max(set(train_labels), key=train_labels.count)
        results[name] = {
            "classes": len(set(train_labels)),
            "train": len(train_labels),
            "dev": len(dev_labels),
            "majority_baseline": dev_labels.count(majority) / len(dev_labels),
            "levels": {},
        }
        for level in embedder.levels:

            def features(split: List[Tuple[str, List[str]]]) -> numpy.ndarray:
                return numpy.stack([vectors[tuple(words)][level] for _, words in split])

            train, dev = (features(splits["tr"]), train_labels), (
                features(splits["va"]),
                dev_labels,
            )
            results[name]["levels"][level] = {
                probe: train_probe(train, dev, probe, args.seed).dev_accuracy
                for probe in args.probes
            }
            logger.info("%s, %s: %s", name, level, results[name]["levels"][level])
    summary = {
        "archive": args.archive_file,
        "levels": embedder.levels,
        "pooling": args.pooling,
        "probes": args.probes,
        "tasks": results,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    _print_table(summary)


def _print_table(summary: Dict) -> None:
    levels, probes = summary["levels"], summary["probes"]
    header = ["task", "majority"] + [f"{level} {probe}" for level in levels for probe in probes]
    print(" | ".join(header))
    for name, result in summary["tasks"].items():
        cells = [name, f"{100 * result['majority_baseline']:.1f}"]
        cells += [
            f"{100 * result['levels'][level][probe]:.1f}" for level in levels for probe in probes
        ]
        print(" | ".join(cells))
