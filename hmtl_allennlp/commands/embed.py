"""
`allennlp hmtl-embed`: the embeddings of every level of a trained model for the documents of a
JSON-lines file, in HDF5.
"""

import argparse
import logging
import os
from pathlib import Path
from typing import Any, Dict, List

import h5py
import numpy
from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.dataset_readers.document_reader import task_readers
from hmtl_allennlp.predictors import HmtlPredictor
from hmtl_allennlp.predictors.json_lines import read_json_lines
from hmtl_allennlp.probing.level_embeddings import POOLINGS, LevelEmbedder, pool

logger = logging.getLogger(__name__)

LAYOUT_VERSION = 1


@Subcommand.register("hmtl-embed")
class Embed(Subcommand):
    """
    `allennlp hmtl-embed ARCHIVE INPUT --output-file OUT.h5 [--levels ...] [--pooling mean,max]`
    writes, for each document of `INPUT` (one JSON object per line, in any input form of the
    "hmtl" predictor: raw `text`, tokenized `sentences`, or a DyGIE JSON document), the
    embeddings that each level of the archived model gives its tokens, and their pooled
    sentence vectors. Sentences are embedded one by one as the sentence-level tasks see them
    (those longer than the predictor's `max_sentence_tokens` in parts, as the predictor does).

    Layout of `OUT.h5` (version 1, in its `layout_version` attribute; `levels` and `poolings`
    attributes name what it holds; "embedder" is the shared input embeddings):

    - `document_<N>` per readable input document, N counting from 0 in input order, with
      attributes `doc_key` (or "") and `line` (its line in `INPUT`), and the datasets
        - `words`: (num_tokens,) the document's tokens, as the predictor's outputs number them;
        - `sentence_offsets`: (num_sentences, 2) each sentence's first token and the one after
          its last;
        - `character_offsets`: (num_tokens, 2) each token's start and end in `text` (raw-text
          input only);
        - `tokens/<level>`: (num_tokens, level_dim) float32;
        - `sentences/<level>/<pooling>`: (num_sentences, level_dim) float32;
    - `errors`: one string per input line that is not a document, saying why (as
      `allennlp predict` reports them); such lines do not stop the run.

    The file is written under a temporary name and renamed when complete; an existing
    `OUT.h5` is never overwritten.

    Registered as a `Subcommand` with name "hmtl-embed".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Write the embeddings of every level of an HMTL model to HDF5."
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("archive_file", type=str, help="the archived model")
        subparser.add_argument("input_file", type=str, help="JSON lines, one document each")
        subparser.add_argument("--output-file", type=str, required=True, help="the .h5 to write")
        subparser.add_argument(
            "--levels", nargs="+", help='"embedder" and level names (default: all of them)'
        )
        subparser.add_argument(
            "--pooling", type=str, default="mean,max", help="sentence poolings (default mean,max)"
        )
        subparser.add_argument("--batch-size", type=int, default=32, help="sentences per batch")
        subparser.add_argument("--cuda-device", type=int, default=-1, help="GPU id (if any)")
        subparser.set_defaults(func=embed_file)
        return subparser


def embed_file(args: argparse.Namespace) -> None:
    output = Path(args.output_file)
    if output.exists():
        raise ConfigurationError(f"{output} exists: choose another output file, or remove it.")
    poolings = [name.strip() for name in args.pooling.split(",") if name.strip()]
    unknown = sorted(set(poolings) - set(POOLINGS))
    if unknown or not poolings:
        raise ConfigurationError(
            f"--pooling: {', '.join(unknown) or 'none given'}; choose from {', '.join(POOLINGS)}."
        )
    predictor = HmtlPredictor.from_path(args.archive_file, "hmtl", cuda_device=args.cuda_device)
    if not isinstance(predictor, HmtlPredictor):
        raise ConfigurationError(f"{args.archive_file}: not a model of the hmtl predictor.")
    readers = task_readers(predictor._dataset_reader)
    token_indexers = next(iter(readers.values())).token_indexers
    embedder = LevelEmbedder(predictor._model, token_indexers, args.levels, args.batch_size)
    partial = output.with_name(output.name + ".partial")
    documents, errors = 0, []
    with h5py.File(partial, "w") as h5, open(args.input_file, "rb") as raw_input:
        h5.attrs["layout_version"] = LAYOUT_VERSION
        h5.attrs["archive"] = os.path.basename(args.archive_file)
        h5.attrs["levels"] = embedder.levels
        h5.attrs["poolings"] = poolings
        for json_line in read_json_lines(raw_input):
            try:
                document = predictor._read_document(json_line)
            except DataFormatError as error:
                logger.warning("%s", error)
                errors.append(str(error))
                continue
            _write_document(h5.create_group(f"document_{documents}"), document, embedder, poolings)
            documents += 1
        h5.create_dataset("errors", data=errors, dtype=h5py.string_dtype())
    os.replace(partial, output)
    print(f"{output}: {documents} documents, {len(errors)} input lines that are not documents")


def _write_document(
    group: h5py.Group, document: Any, embedder: LevelEmbedder, poolings: List[str]
) -> None:
    # `document`: the predictor's reading of one input line (its tokens, sentences as the
    # model sees them, and character offsets for raw text).
    group.attrs["doc_key"] = document.doc_key or ""
    group.attrs["line"] = document.line_number or 0
    sentences = [sentence for sentence in document.model_view.sentences if sentence]
    group.create_dataset("words", data=document.tokens, dtype=h5py.string_dtype())
    lengths = numpy.array([len(sentence) for sentence in sentences], dtype=numpy.int64)
    ends = numpy.cumsum(lengths)
    group["sentence_offsets"] = numpy.stack([ends - lengths, ends], axis=1).reshape(-1, 2)
    if document.character_offsets is not None:
        group["character_offsets"] = numpy.array(document.character_offsets, dtype=numpy.int64)
    per_level: Dict[str, List[numpy.ndarray]] = {level: [] for level in embedder.levels}
    for embedded in embedder.embed(sentences):
        for level, token_embeddings in embedded.items():
            per_level[level].append(token_embeddings)
    for level, parts in per_level.items():
        dim = parts[0].shape[1] if parts else 0
        group[f"tokens/{level}"] = numpy.concatenate(parts) if parts else numpy.zeros((0, dim))
        for pooling in poolings:
            pooled = [pool(part, pooling) for part in parts]
            group[f"sentences/{level}/{pooling}"] = (
                numpy.stack(pooled) if pooled else numpy.zeros((0, dim), dtype=numpy.float32)
            )
