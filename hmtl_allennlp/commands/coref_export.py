"""
The `hmtl-coref-export` subcommand: predicts coreference on gold data with a trained model and
writes the gold clusters (key) and the predicted clusters (response) as CoNLL-2012 files, the
input of the official reference scorer, then scores the files it wrote.
"""

import argparse
import json
import logging
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Tuple, cast

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError, check_for_gpu
from allennlp.common.util import lazy_groups_of
from allennlp.models.archival import Archive

from hmtl_allennlp.models.archival import load_model_archive
from hmtl_allennlp.convert.conll2012 import score_coreference_files, write_coreference_file
from hmtl_allennlp.common.documents import Span, to_instance
from hmtl_allennlp.common.levels import COREFERENCE
from hmtl_allennlp.dataset_readers.document_reader import metadata_of, task_readers
from hmtl_allennlp.models.hmtl import HierarchicalMultiTaskModel

logger = logging.getLogger(__name__)

_SCORES = (("muc", "MUC"), ("b3", "B3"), ("ceafe", "CEAF-e"))


@Subcommand.register("hmtl-coref-export")
class CorefExport(Subcommand):
    """
    `allennlp hmtl-coref-export ARCHIVE DATA_FILE --key KEY --response RESPONSE` runs the
    coreference level of an archived model (`--level`, needed only when it has several) on the
    documents of `DATA_FILE` (in the format of the archive's reader of that level), writes the
    gold clusters (singletons included) to `KEY` and the predicted clusters to `RESPONSE` in
    the tab-separated CoNLL-2012 format of
    `hmtl_allennlp.convert.conll2012`, reads both files back, and prints MUC, B3, CEAF-e and
    their average as the official scorer (v8.01) defines them, next to the model's own metrics
    on the same documents (which `allennlp evaluate` reports).

    Each instance of the coref reader is one document of the files: when the reader splits long
    documents (its `max_document_tokens`), every part is a document named `<doc_key>/<part>`,
    exactly as the model's metric scores them. A cluster's mentions that cross each other (such
    as tokens 0-2 and 2-4) cannot be written in bracket notation: the later one is left out of
    the file and counted, and only then can the two scores differ.

    Registered as a `Subcommand` with name "hmtl-coref-export".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Write the gold and predicted coreference clusters of a data file as CoNLL-2012 "
            "key and response files (for the official scorer), and print their scores."
        )
        subparser = parser.add_parser(
            self.name,
            description=description,
            help="Write coreference key/response files in CoNLL-2012 format and score them.",
        )
        subparser.add_argument("archive_file", type=str, help="the archived model")
        subparser.add_argument(
            "input_file",
            type=str,
            help="the coreference data (a file or directory the archive's coref reader reads)",
        )
        subparser.add_argument("--key", type=str, required=True, help="the key file to write")
        subparser.add_argument(
            "--response", type=str, required=True, help="the response file to write"
        )
        subparser.add_argument(
            "--output-file", type=str, help="also write the scores to this file as JSON"
        )
        subparser.add_argument(
            "--batch-size", type=int, default=1, help="documents per batch (default 1)"
        )
        subparser.add_argument(
            "--level",
            type=str,
            help="the coreference level to export (default: the model's only one)",
        )
        subparser.add_argument(
            "--cuda-device", type=int, default=-1, help="id of GPU to use (if any)"
        )
        subparser.add_argument(
            "--weights-file", type=str, help="a path that overrides which weights file to use"
        )
        subparser.add_argument(
            "-o",
            "--overrides",
            type=str,
            default="",
            help="a JSON structure used to override the archive's configuration, e.g. "
            "'{\"model.levels.coref.head.gold_mentions\": true}'",
        )
        subparser.set_defaults(func=_export_from_args)
        return subparser


def _export_from_args(args: argparse.Namespace) -> None:
    try:
        check_for_gpu(args.cuda_device)
        archive = load_model_archive(
            args.archive_file,
            cuda_device=args.cuda_device,
            overrides=args.overrides,
            weights_file=args.weights_file,
        )
        scores = export_coreference(
            archive,
            args.input_file,
            args.key,
            args.response,
            batch_size=args.batch_size,
            level=args.level,
        )
    except ConfigurationError as error:
        raise SystemExit(f"allennlp hmtl-coref-export: error: {error}")
    print(format_scores(scores, args.key, args.response))
    if args.output_file:
        with open(args.output_file, "w", encoding="utf-8") as output_file:
            json.dump(scores, output_file, indent=2)


def export_coreference(
    archive: Archive,
    input_file: str,
    key_file: str,
    response_file: str,
    batch_size: int = 1,
    level: Optional[str] = None,
) -> Dict[str, Any]:
    """
    Writes the key and response files of `input_file` and scores them (see `CorefExport`), with
    the coreference level `level` (by default the model's only coreference level) and the
    archive's reader of that level.

    # Returns

    `Dict[str, Any]`
        "files": the scores computed from the written files (`muc_f1`, ..., `avg_f1`);
        "model": the level's metrics on the same documents, without the level's prefix;
        "documents": the number of documents written; "mentions_left_out": the crossing
        mentions that could not be written (key and response).
    """
    model = archive.model
    level_kinds = model.level_kinds() if isinstance(model, HierarchicalMultiTaskModel) else {}
    coreference_levels = [name for name, kind in level_kinds.items() if kind == COREFERENCE]
    if level is None and len(coreference_levels) == 1:
        level = coreference_levels[0]
    if level is None or level not in coreference_levels:
        raise ConfigurationError(
            "Name a coreference level of the archive's model"
            + (f" ('{level}' is not one)" if level is not None else "")
            + f"; its coreference levels: {', '.join(coreference_levels) or 'none'}."
        )
    reader = task_readers(archive.validation_dataset_reader).get(level)
    if reader is None:
        raise ConfigurationError(
            f"The archive's dataset reader has no '{level}' reader to read the data with."
        )
    model.eval()
    model.get_metrics(reset=True)

    key_documents: List[Dict[str, Any]] = []
    response_documents: List[Dict[str, Any]] = []
    mentions_left_out: Counter = Counter()
    for batch in lazy_groups_of(reader.read(input_file), batch_size):
        for instance, output in zip(batch, model.forward_on_instances(batch)):
            metadata = metadata_of(instance)
            sentences = _split(metadata["tokens"], metadata["sentence_lengths"])
            # Both in instance offsets (the reader restricts a segment's clusters to it).
            gold = [to_instance(cluster, metadata) for cluster in metadata["gold_clusters"]]
            # forward_on_instances is annotated as giving arrays; clusters are lists of Spans.
            predicted = cast(List[List[Span]], output[f"{level}_clusters"])
            for role, clusters, documents in (
                ("key", gold, key_documents),
                ("response", predicted, response_documents),
            ):
                writable, left_out = _without_crossing_mentions(clusters)
                mentions_left_out[role] += left_out
                documents.append(
                    {"doc_key": metadata["doc_key"], "sentences": sentences, "clusters": writable}
                )
    if not key_documents:
        raise ConfigurationError(f"{input_file}: no coreference document in it.")
    _name_parts(key_documents)
    _name_parts(response_documents)
    write_coreference_file(key_documents, key_file)
    write_coreference_file(response_documents, response_file)
    if sum(mentions_left_out.values()):
        logger.warning(
            "Spans left out of the files because they cross another mention of their cluster: "
            "%d in the key, %d in the response.",
            mentions_left_out["key"],
            mentions_left_out["response"],
        )

    prefix = f"{level}_"
    model_metrics = {
        name[len(prefix) :]: value
        for name, value in model.get_metrics(reset=True).items()
        if name.startswith(prefix)
    }
    return {
        "files": score_coreference_files(key_file, response_file),
        "model": model_metrics,
        "documents": len(key_documents),
        "mentions_left_out": dict(mentions_left_out),
    }


def format_scores(scores: Dict[str, Any], key_file: str, response_file: str) -> str:
    """The table that `hmtl-coref-export` prints (scores in percent, as the official scorer)."""
    files, model = scores["files"], scores["model"]
    lines = [
        f"Wrote {scores['documents']} documents to {key_file} (key) and {response_file} "
        "(response).",
        f"{'':8} {'recall':>8} {'precision':>10} {'F1':>8}   {'model F1':>8}",
    ]
    for name, label in _SCORES:
        lines.append(
            f"{label:8} {100 * files[name + '_recall']:8.2f} "
            f"{100 * files[name + '_precision']:10.2f} {100 * files[name + '_f1']:8.2f}   "
            f"{100 * model.get(name + '_f1', float('nan')):8.2f}"
        )
    lines.append(
        f"{'CoNLL F1':8} {'':8} {'':10} {100 * files['avg_f1']:8.2f}   "
        f"{100 * model.get('avg_f1', float('nan')):8.2f}"
    )
    left_out = scores["mentions_left_out"]
    if sum(left_out.values()):
        lines.append(
            f"Crossing mentions left out of the files: {left_out.get('key', 0)} (key), "
            f"{left_out.get('response', 0)} (response)."
        )
    lines.append(f"Official scorer (v8.01): perl scorer.pl all {key_file} {response_file} none")
    return "\n".join(lines)


def _split(tokens: Sequence[str], sentence_lengths: Sequence[int]) -> List[List[str]]:
    sentences = []
    position = 0
    for length in sentence_lengths:
        sentences.append(list(tokens[position : position + length]))
        position += length
    return sentences


def _without_crossing_mentions(
    clusters: Sequence[Sequence[Span]],
) -> Tuple[List[List[Span]], int]:
    """
    The clusters without the mentions that cross an earlier mention of their cluster (brackets
    express nested and disjoint mentions only), and how many were left out.
    """
    writable = []
    left_out = 0
    for cluster in clusters:
        kept: List[Span] = []
        for mention in cluster:
            if any(_cross(mention, other) for other in kept):
                left_out += 1
            else:
                kept.append(mention)
        writable.append(kept)
    return writable, left_out


def _cross(first: Span, second: Span) -> bool:
    """Whether two mentions overlap without one containing the other."""
    overlap = first.start <= second.end and second.start <= first.end
    nested = (first.start <= second.start and second.end <= first.end) or (
        second.start <= first.start and first.end <= second.end
    )
    return overlap and not nested


def _name_parts(documents: List[Dict[str, Any]]) -> None:
    """Names the parts of a document that the reader split (or repeated keys) `<doc_key>/<n>`."""
    counts = Counter(document["doc_key"] for document in documents)
    seen: Counter = Counter()
    for document in documents:
        doc_key = document["doc_key"]
        if counts[doc_key] > 1:
            document["doc_key"] = f"{doc_key}/{seen[doc_key]}"
            seen[doc_key] += 1
