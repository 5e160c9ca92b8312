"""
The `hmtl-item-counts` subcommand: the per-item counts of an archived model's predictions on
data files (by default its validation data), for paired significance tests between models
(`hmtl_allennlp.metrics.item_counts`, `hmtl_allennlp.metrics.significance`).
"""

import argparse
import json
import logging
from typing import Any, Dict, Optional

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError, check_for_gpu
from allennlp.predictors import Predictor

from hmtl_allennlp.commands.parity import predict_files
from hmtl_allennlp.metrics.item_counts import item_counts, write_counts_file
from hmtl_allennlp.models.archival import load_model_archive
from hmtl_allennlp.models.hmtl import HierarchicalMultiTaskModel

logger = logging.getLogger(__name__)


@Subcommand.register("hmtl-item-counts")
class ItemCounts(Subcommand):
    """
    `allennlp hmtl-item-counts ARCHIVE --output-file COUNTS.json [--data-paths JSON]` predicts
    every level of an archived "hmtl" model on gold data (by default the validation data of its
    config, `validation_data_path`) and writes, for each level scored by F1, the counts of each
    sentence (tagging, relations) or document (coreference) whose sums give the score that
    `allennlp evaluate` reports, keyed by document id and sentence index. Two models' files on
    the same data pair up item by item for `hmtl_allennlp.metrics.significance`.

    Registered as a `Subcommand` with name "hmtl-item-counts".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Write the per-sentence and per-document counts of a model's scores on gold data, "
            "for paired significance tests between models."
        )
        subparser = parser.add_parser(
            self.name, description=description, help="Write per-item counts of a model's scores."
        )
        subparser.add_argument("archive_file", type=str, help="the archived model")
        subparser.add_argument(
            "--output-file", type=str, required=True, help="the counts file (JSON) to write"
        )
        subparser.add_argument(
            "--data-paths",
            type=str,
            help='{task: data file} as JSON, e.g. {"ner": "dev.gold_conll", "emd": "dev.jsonl"} '
            "(default: the archive's validation_data_path)",
        )
        subparser.add_argument(
            "--batch-size", type=int, default=8, help="documents per batch (default 8)"
        )
        subparser.add_argument(
            "--cuda-device", type=int, default=-1, help="id of GPU to use (if any)"
        )
        subparser.set_defaults(func=_counts_from_args)
        return subparser


def _counts_from_args(args: argparse.Namespace) -> None:
    try:
        check_for_gpu(args.cuda_device)
        data_paths = None if args.data_paths is None else json.loads(args.data_paths)
        content = count_items(
            args.archive_file, data_paths, batch_size=args.batch_size, cuda_device=args.cuda_device
        )
    except (ConfigurationError, ValueError) as error:
        raise SystemExit(f"allennlp hmtl-item-counts: error: {error}")
    write_counts_file(args.output_file, content["archive"], content["data"], content["levels"])
    for level, counts in content["levels"].items():
        print(
            f"{counts['metric']:<22} {100 * counts['value']:6.2f} over {len(counts['items'])} "
            f"{counts['item']}s"
        )


def count_items(
    archive_path: str,
    data_paths: Optional[Dict[str, str]] = None,
    batch_size: int = 8,
    cuda_device: int = -1,
) -> Dict[str, Any]:
    """
    The content of a counts file (`hmtl_allennlp.metrics.item_counts`) for the model of
    `archive_path` on `data_paths` ({task: data file}, as `allennlp evaluate` takes them for an
    HMTL archive; default the archive's `validation_data_path`). Each file is read as the
    archive's reader of each task parses it (each task is scored against its own reader's
    annotations) and predicted once, for every task read from it.
    Raises `ConfigurationError` for an archive that does not load or a task the model lacks.
    """
    archive = load_model_archive(archive_path, cuda_device=cuda_device)
    if not isinstance(archive.model, HierarchicalMultiTaskModel):
        raise ConfigurationError(
            f"{archive_path}: not an 'hmtl' model ({type(archive.model).__name__})."
        )
    model = archive.model
    if data_paths is None:
        configured = archive.config.get("validation_data_path").as_dict(quiet=True)
        data_paths = configured if isinstance(configured, dict) else {}
    level_kinds = model.level_kinds()
    unknown = sorted(set(data_paths) - set(level_kinds))
    if unknown:
        raise ConfigurationError(
            f"{archive_path}: the model has no level {', '.join(unknown)} "
            f"(its levels: {', '.join(level_kinds)})."
        )
    predictor = Predictor.from_archive(archive, "hmtl")
    levels: Dict[str, Dict[str, Any]] = {}
    for path, documents, outputs in predict_files(predictor, data_paths, batch_size):
        for output, document in zip(outputs, next(iter(documents.values()))):
            if "error" in output:
                raise ValueError(f"{path}: document {document.doc_key!r}: {output['error']}")
        for task in documents:
            levels.update(
                item_counts(
                    {task: level_kinds[task]}, model.main_metrics(), outputs, documents[task]
                )
            )
    # In the model's level order, whatever the order of the files.
    ordered = {level: levels[level] for level in level_kinds if level in levels}
    return {"archive": archive_path, "data": data_paths, "levels": ordered}
