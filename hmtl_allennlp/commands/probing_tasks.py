"""
`allennlp hmtl-probing-tasks`: the probing tasks of Conneau et al. (2018) built from CoNLL-2012
files, in SentEval's file format.
"""

import argparse
import json
import logging
from pathlib import Path

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from hmtl_allennlp.probing.tasks import (
    MIN_CLASS_SIZES,
    TASK_NAMES,
    build_probing_tasks,
    read_parsed_sentences,
    task_statistics,
)

logger = logging.getLogger(__name__)


@Subcommand.register("hmtl-probing-tasks")
class ProbingTasks(Subcommand):
    """
    `allennlp hmtl-probing-tasks TRAIN DEV OUTPUT_DIR [--seed 13]` builds every probing task of
    `hmtl_allennlp.probing.tasks` from the sentences of two CoNLL-2012 files or directories
    (their words, part-of-speech tags and constituency trees; OntoNotes or GUM) and writes, in
    `OUTPUT_DIR`, one file per task in SentEval's format (`<task>.txt`: one sentence per line,
    `split<TAB>label<TAB>words joined by spaces`, split `tr` for TRAIN's sentences and `va` for
    DEV's) and `tasks.json` (each task's classes, sizes and majority baseline). The same files
    and seed give the same tasks. Files already in `OUTPUT_DIR` are never overwritten.

    Registered as a `Subcommand` with name "hmtl-probing-tasks".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Build probing tasks (Conneau et al. 2018) from CoNLL-2012 files."
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("train", type=str, help="CoNLL-2012 file or directory (train)")
        subparser.add_argument("dev", type=str, help="CoNLL-2012 file or directory (dev)")
        subparser.add_argument("output_dir", type=str, help="the folder to write the tasks to")
        subparser.add_argument("--seed", type=int, default=13, help="random seed (default 13)")
        subparser.add_argument(
            "--min-class-sizes",
            type=int,
            nargs=2,
            default=list(MIN_CLASS_SIZES),
            metavar=("TRAIN", "DEV"),
            help="leave out the classes with fewer sentences in train or dev (default 20 5)",
        )
        subparser.set_defaults(func=write_probing_tasks)
        return subparser


def write_probing_tasks(args: argparse.Namespace) -> None:
    output_dir = Path(args.output_dir)
    outputs = [output_dir / f"{task}.txt" for task in TASK_NAMES] + [output_dir / "tasks.json"]
    existing = [str(path) for path in outputs if path.exists()]
    if existing:
        raise ConfigurationError(
            f"{output_dir} already holds probing task files ({', '.join(existing)}): choose "
            "another folder, or remove them."
        )
    train, dev = read_parsed_sentences(args.train), read_parsed_sentences(args.dev)
    for path, sentences in ((args.train, train), (args.dev, dev)):
        if not sentences:
            raise ConfigurationError(f"{path}: no sentence with a constituency tree in it.")
    tasks = build_probing_tasks(train, dev, args.seed, tuple(args.min_class_sizes))
    output_dir.mkdir(parents=True, exist_ok=True)
    statistics = {}
    for task, examples in tasks.items():
        with open(output_dir / f"{task}.txt", "w", encoding="utf-8") as task_file:
            for example in examples:
                task_file.write(f"{example.split}\t{example.label}\t{' '.join(example.words)}\n")
        statistics[task] = task_statistics(examples)
        logger.info("%s: %s", task, statistics[task])
    summary = {
        "train": args.train,
        "dev": args.dev,
        "seed": args.seed,
        "sentences": {"train": len(train), "dev": len(dev)},
        "tasks": statistics,
    }
    (output_dir / "tasks.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"{len(tasks)} probing tasks in {output_dir}")
