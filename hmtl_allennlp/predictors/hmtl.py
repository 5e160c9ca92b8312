import json
import logging
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Dict, List, Optional, Tuple, Union

from allennlp.common import plugins
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict, sanitize
from allennlp.data import DatasetReader, Instance, Token
from allennlp.data.dataset_readers import MultiTaskDatasetReader
from allennlp.data.fields import MetadataField, TextField
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor
from allennlp_models.coref.util import make_coref_instance
from hmtl_allennlp_compat import blank_english_pipeline

from hmtl_allennlp.commands.archive import load_model_archive
from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.dataset_readers.ace05 import parse_dygie_document
from hmtl_allennlp.dataset_readers.document_reader import GoldDocument, GoldDocumentReader
from hmtl_allennlp.models.hmtl import PREDICT_ALL_TASKS

logger = logging.getLogger(__name__)

# (start, end) of a token in the raw input text, end exclusive.
CharacterSpan = Tuple[int, int]

# The model outputs the predictor reads, and the output key of each.
_TAGGER_OUTPUTS = {"ner_spans": "ner", "emd_spans": "mentions"}


class InputLine(dict):
    """
    The JSON object of one input line, as `HmtlPredictor.load_line` read it. It remembers the
    line number outside the object, so that `allennlp predict`'s echo of its input shows the
    line as written; `error` says why a line could not be read.
    """

    def __init__(
        self, content: Dict[str, Any], line_number: int, error: Optional[str] = None
    ) -> None:
        super().__init__(content)
        self.line_number = line_number
        self.error = error


@dataclass
class _InputDocument:
    """One input document, read and checked, with its token offsets in the raw text if any."""

    gold: GoldDocument
    doc_key: Optional[str]
    line_number: Optional[int]
    text: Optional[str] = None
    character_offsets: Optional[List[CharacterSpan]] = None
    tokens: List[str] = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = [token for sentence in self.gold.sentences for token in sentence]

    def where(self) -> str:
        return _location(self.line_number, self.doc_key)


@Predictor.register("hmtl")
class HmtlPredictor(Predictor):
    """
    Predicts every task of a hierarchical multi-task model ("hmtl") for whole documents: named
    entities, entity mentions, relations between mentions and coreference clusters, as far as
    the archive has a level for them. Each document becomes one instance of task "all" (the
    model runs every level once), or several when it is longer than `max_document_tokens`.

    # Input

    One JSON object per document (one per line for `allennlp predict`), in one of three forms:

    - `{"text": "..."}`: raw text, tokenized and split into sentences offline by spaCy's
      rule-based English tokenizer and sentencizer (no model download);
    - `{"sentences": [["tok", ...], ...]}`: pre-tokenized sentences;
    - a DyGIE JSON document (`doc_key`, `sentences`, and optionally `ner`, `relations`,
      `clusters`, as `hmtl_ace05` reads it). Its gold annotations are checked like the reader
      checks them but not predicted from; they only matter to a model configured to take gold
      mentions (a relation level without `mention_level`, or coreference with `gold_mentions`).

    Any of them may have a `doc_key`, which the output repeats.

    # Output

    One JSON object per document. Offsets are document-level token indices (counted over all
    sentences), `end` inclusive; a mention is
    `{"start": int, "end": int, "label": str, "text": str}`, plus, for raw text input,
    `"char_start"` and `"char_end"` such that `text[char_start:char_end]` of the input is the
    mention's `text` (otherwise `text` is its tokens joined by single spaces).

    - `line` : `int`, the input line (when read by `allennlp predict`; blank lines, which
      `allennlp predict` skips, are not counted);
    - `doc_key` : `str`, when the input has one;
    - `sentences` : `List[List[str]]`, the tokens of each sentence;
    - `ner` : `List[mention]`, named entities (models with an "ner" level);
    - `mentions` : `List[mention]`, entity mentions (models with an "emd" level);
    - `relations` : `List[{"head": mention, "tail": mention, "label": str, "score": float}]`,
      directed relations, `label` of the head and tail mention being its entity type
      (models with a "relation" level);
    - `clusters` : `List[List[{"start", "end", "text"[, "char_start", "char_end"]}]]`,
      coreference clusters (models with a "coref" level);
    - `segments` : `List[[int, int]]`, only for documents longer than `max_document_tokens`:
      the (first, last) tokens of the parts predicted separately (clusters never cross them);
    - `error` : `str`, instead of the predictions when the input could not be read or the
      prediction failed (with `line` and `doc_key` when known).

    Lists are sorted by offsets, so that the output does not depend on the batch size.

    # Parameters

    model : `Model`, required
        A trained "hmtl" model.
    dataset_reader : `DatasetReader`, required
        The archive's dataset reader (a "multitask" reader of "hmtl_*" readers, or one of
        them): its token indexers index the text, and its coreference reader's
        `max_span_width` bounds the candidate spans.
    max_document_tokens : `int`, optional (default = `4000`)
        A document longer than this is split, at sentence boundaries, into parts of at most
        this many tokens (a longer sentence makes a part of its own), which are predicted
        independently; their results are put together in document offsets. Time and memory
        of every level grow linearly with the length of a part (the coreference level's
        dominate: about `spans_per_word x max_antecedents` span pairs per token), so this
        bounds the memory of one document; a batch of `allennlp predict --batch-size N` runs
        at most N parts at once.
    strict : `bool`, optional (default = `False`)
        When `False`, an input that cannot be read (not JSON, not an object, none of the
        accepted keys, empty text, malformed sentences or annotations) or whose prediction
        fails gets an output with an `error` field, and the other inputs are predicted as
        usual. When `True`, the first such input raises instead: `DataFormatError` for input
        that cannot be read, `RuntimeError` for a failed prediction, each naming the line and
        `doc_key`.

    Registered as a `Predictor` with name "hmtl".
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        max_document_tokens: int = 4000,
        strict: bool = False,
    ) -> None:
        super().__init__(model, dataset_reader)
        if max_document_tokens < 1:
            raise ConfigurationError(
                f"max_document_tokens must be at least 1, got {max_document_tokens}."
            )
        self._max_document_tokens = max_document_tokens
        self._strict = strict
        readers = _document_readers(dataset_reader)
        self._token_indexers = readers[0].token_indexers
        coref_readers = [reader for reader in readers if reader.task == "coref"]
        self._max_span_width = coref_readers[0].max_span_width if coref_readers else None
        self._spacy = None
        self._lines_read = 0

    @classmethod
    def from_path(
        cls,
        archive_path: Union[str, PathLike],
        predictor_name: Optional[str] = None,
        cuda_device: int = -1,
        dataset_reader_to_load: str = "validation",
        frozen: bool = True,
        import_plugins: bool = True,
        overrides: Union[str, Dict[str, Any]] = "",
        **kwargs,
    ) -> Predictor:
        """
        `Predictor.from_path`, except that a missing or unreadable archive raises
        `ArchiveLoadError` with a one-line explanation.
        """
        if import_plugins:
            plugins.import_plugins()
        archive = load_model_archive(
            str(archive_path), cuda_device=cuda_device, overrides=overrides
        )
        return cls.from_archive(
            archive,
            predictor_name,
            dataset_reader_to_load=dataset_reader_to_load,
            frozen=frozen,
            extra_args=kwargs,
        )

    def predict(self, document: str) -> JsonDict:
        """Predicts a document given as raw text."""
        return self.predict_json({"text": document})

    def predict_tokenized(self, sentences: List[List[str]]) -> JsonDict:
        """Predicts a document given as tokenized sentences."""
        return self.predict_json({"sentences": sentences})

    def load_line(self, line: str) -> JsonDict:
        """
        Reads one line of a JSON-lines input and counts it, so that errors and outputs can name
        the line. A line that is not a JSON object is not an error here: with `strict = False`
        its output is an `error` line.
        """
        self._lines_read += 1
        try:
            content = json.loads(line)
        except json.JSONDecodeError as error:
            return self._unreadable_line(f"not valid JSON ({error})")
        if not isinstance(content, dict):
            return self._unreadable_line(f"expected a JSON object, found {type(content).__name__}")
        return InputLine(content, self._lines_read)

    def _unreadable_line(self, problem: str) -> InputLine:
        message = f"input line {self._lines_read}: {problem}."
        if self._strict:
            raise DataFormatError(message)
        return InputLine({}, self._lines_read, error=message)

    def predict_json(self, inputs: JsonDict) -> JsonDict:
        return self.predict_batch_json([inputs])[0]

    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        """
        Predicts a batch of documents. The parts of all documents are run in batches of at most
        `len(inputs)` instances; when such a batch fails, its instances are run one at a time,
        so that one failing document does not take the others down.
        """
        if not inputs:
            return []
        documents: List[Optional[_InputDocument]] = []
        outputs: List[JsonDict] = []
        for json_dict in inputs:
            try:
                document = self._read_document(json_dict)
            except DataFormatError as error:
                if self._strict:
                    raise
                documents.append(None)
                outputs.append(self._error_output(json_dict, str(error)))
                continue
            documents.append(document)
            outputs.append(self._document_output(document))

        # (document index, instance) of every part to predict.
        parts = [
            (document_index, instance)
            for document_index, document in enumerate(documents)
            if document is not None
            for instance in self._document_instances(document)
        ]
        predictions: Dict[int, List[Tuple[Instance, JsonDict]]] = {}
        failures: Dict[int, str] = {}
        for start in range(0, len(parts), len(inputs)):
            batch = parts[start : start + len(inputs)]
            for (document_index, instance), prediction in zip(batch, self._predict_parts(batch)):
                if not isinstance(prediction, Exception):
                    predictions.setdefault(document_index, []).append((instance, prediction))
                    continue
                message = (
                    f"{documents[document_index].where()}: prediction failed: "
                    f"{type(prediction).__name__}: {prediction}"
                )
                if self._strict:
                    raise RuntimeError(message) from prediction
                logger.warning(message)
                failures.setdefault(document_index, message)

        for document_index, document in enumerate(documents):
            if document is None:
                continue
            if document_index in failures:
                outputs[document_index] = self._error_output(
                    inputs[document_index], failures[document_index]
                )
                continue
            self._add_predictions(outputs[document_index], document, predictions[document_index])
        return outputs

    def _predict_parts(self, batch: List[Tuple[int, Instance]]) -> List[Any]:
        """The model outputs of a batch of parts; an exception instead for a part that fails."""
        instances = [instance for _, instance in batch]
        try:
            return sanitize(self._model.forward_on_instances(instances))
        except Exception as batch_error:  # noqa: BLE001 - reported per document by the caller
            if len(instances) == 1:
                return [batch_error]
            logger.warning(
                "A batch of %d documents or parts failed (%s); predicting them one at a time.",
                len(instances),
                batch_error,
            )
        results: List[Any] = []
        for part in batch:
            results.extend(self._predict_parts([part]))
        return results

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        """
        The instance of a whole document, however long (`max_document_tokens` does not apply).
        Raises `DataFormatError` on input that cannot be read.
        """
        document = self._read_document(json_dict)
        return self._instance(document, 0, len(document.gold.sentences))

    # Reading inputs.

    def _read_document(self, json_dict: JsonDict) -> _InputDocument:
        line_number = getattr(json_dict, "line_number", None)
        if getattr(json_dict, "error", None) is not None:
            raise DataFormatError(json_dict.error)
        doc_key = json_dict.get("doc_key")
        if doc_key is not None and not isinstance(doc_key, str):
            raise DataFormatError(
                f"{_location(line_number, None)}: 'doc_key' must be a string, got {doc_key!r}."
            )
        where = _location(line_number, doc_key)
        has_text, has_sentences = "text" in json_dict, "sentences" in json_dict
        if has_text == has_sentences:
            raise DataFormatError(
                f"{where}: give exactly one of 'text' (raw text) or 'sentences' (tokenized "
                f"sentences); found {'both' if has_text else 'neither'} among the keys "
                f"{sorted(json_dict)}."
            )
        if has_sentences:
            gold = parse_dygie_document(where, {**json_dict, "doc_key": doc_key})
            return _InputDocument(gold, doc_key, line_number)
        return self._tokenize(json_dict["text"], doc_key, line_number, where)

    def _tokenize(
        self, text: Any, doc_key: Optional[str], line_number: Optional[int], where: str
    ) -> _InputDocument:
        if not isinstance(text, str):
            raise DataFormatError(f"{where}: 'text' must be a string, got {type(text).__name__}.")
        if self._spacy is None:
            self._spacy = blank_english_pipeline()
        # The blank pipeline's memory is linear in the text length: no need for spaCy's guard
        # against long texts, which is sized for parsers.
        self._spacy.max_length = max(self._spacy.max_length, len(text) + 1)
        sentences: List[List[str]] = []
        offsets: List[CharacterSpan] = []
        for sentence in self._spacy(text).sents:
            tokens = [token for token in sentence if not token.is_space]
            if tokens:
                sentences.append([token.text for token in tokens])
                offsets.extend((token.idx, token.idx + len(token.text)) for token in tokens)
        if not sentences:
            raise DataFormatError(f"{where}: 'text' is empty (no token in it).")
        return _InputDocument(GoldDocument(doc_key, sentences), doc_key, line_number, text, offsets)

    # Instances.

    def _document_instances(self, document: _InputDocument) -> List[Instance]:
        """The instances of a document: one, or one per part if it is too long."""
        parts = []
        first = 0
        num_tokens = 0
        sentences = document.gold.sentences
        for index, sentence in enumerate(sentences):
            if index > first and num_tokens + len(sentence) > self._max_document_tokens:
                parts.append((first, index))
                first, num_tokens = index, 0
            num_tokens += len(sentence)
        parts.append((first, len(sentences)))
        return [self._instance(document, first, stop) for first, stop in parts]

    def _instance(self, document: _InputDocument, first: int, stop: int) -> Instance:
        """The instance of task "all" of sentences `first` to `stop` (exclusive)."""
        gold = document.gold
        sentences = gold.sentences[first:stop]
        token_offset = sum(len(sentence) for sentence in gold.sentences[:first])
        words = [word for sentence in sentences for word in sentence]
        fields = {
            "tokens": TextField([Token(word) for word in words], self._token_indexers),
            "task": MetadataField(PREDICT_ALL_TASKS),
            "metadata": MetadataField(
                {
                    "doc_key": document.doc_key,
                    "sentence_index": None,
                    "tokens": words,
                    "token_offset": token_offset,
                    "sentence_lengths": [len(sentence) for sentence in sentences],
                    "gold_mentions": _sentence_range(gold.mentions, first, stop),
                    "gold_relations": _sentence_range(gold.relations, first, stop),
                    "gold_clusters": [list(cluster) for cluster in gold.clusters or []],
                }
            ),
        }
        if self._max_span_width is not None:
            # The coreference level's candidate spans, made as its reader makes them.
            fields["spans"] = make_coref_instance(
                sentences, self._token_indexers, self._max_span_width
            ).fields["spans"]
        return Instance(fields)

    # Outputs.

    @staticmethod
    def _error_output(json_dict: JsonDict, message: str) -> JsonDict:
        output: JsonDict = {}
        line_number = getattr(json_dict, "line_number", None)
        if line_number is not None:
            output["line"] = line_number
        if isinstance(json_dict.get("doc_key"), str):
            output["doc_key"] = json_dict["doc_key"]
        output["error"] = message
        return output

    @staticmethod
    def _document_output(document: _InputDocument) -> JsonDict:
        output: JsonDict = {}
        if document.line_number is not None:
            output["line"] = document.line_number
        if document.doc_key is not None:
            output["doc_key"] = document.doc_key
        output["sentences"] = document.gold.sentences
        return output

    def _add_predictions(
        self,
        output: JsonDict,
        document: _InputDocument,
        parts: List[Tuple[Instance, JsonDict]],
    ) -> None:
        """Adds the predictions of a document's parts, in document offsets, to `output`."""
        tagged: Dict[str, List[Tuple[int, int, str]]] = {}
        relations: List[Tuple[int, int, int, int, str, float, str, str]] = []
        clusters: List[List[Tuple[int, int]]] = []
        has_relations = has_clusters = False
        for instance, prediction in parts:
            offset = instance["metadata"].metadata["token_offset"]
            for model_key, output_key in _TAGGER_OUTPUTS.items():
                if model_key in prediction:
                    tagged.setdefault(output_key, []).extend(
                        (start + offset, end + offset, label)
                        for start, end, label in prediction[model_key]
                    )
            if "relations" in prediction:
                has_relations = True
                relations.extend(
                    (hs + offset, he + offset, ts + offset, te + offset, label, score, ht, tt)
                    for hs, he, ts, te, label, score, ht, tt in prediction["relations"]
                )
            if "clusters" in prediction:
                has_clusters = True
                clusters.extend(
                    [(start + offset, end + offset) for start, end in cluster]
                    for cluster in prediction["clusters"]
                )

        for output_key, spans in tagged.items():
            output[output_key] = [
                _mention(document, start, end, label) for start, end, label in sorted(spans)
            ]
        if has_relations:
            output["relations"] = [
                {
                    "head": _mention(document, hs, he, head_type),
                    "tail": _mention(document, ts, te, tail_type),
                    "label": label,
                    "score": score,
                }
                for hs, he, ts, te, label, score, head_type, tail_type in sorted(relations)
            ]
        if has_clusters:
            output["clusters"] = sorted(
                (
                    [_mention(document, start, end) for start, end in sorted(cluster)]
                    for cluster in clusters
                ),
                key=lambda cluster: (cluster[0]["start"], cluster[0]["end"]),
            )
        if len(parts) > 1:
            output["segments"] = [
                [
                    instance["metadata"].metadata["token_offset"],
                    instance["metadata"].metadata["token_offset"] + len(instance["tokens"]) - 1,
                ]
                for instance, _ in parts
            ]


def _location(line_number: Optional[int], doc_key: Optional[str]) -> str:
    """Where an input document is, for messages: its line and doc_key, as far as known."""
    parts = []
    if line_number is not None:
        parts.append(f"input line {line_number}")
    if doc_key is not None:
        parts.append(f"doc_key {doc_key!r}")
    return ", ".join(parts) or "input document"


def _document_readers(dataset_reader: DatasetReader) -> List[GoldDocumentReader]:
    """The "hmtl_*" readers in the archive's dataset reader (a multitask reader, or one)."""
    if isinstance(dataset_reader, MultiTaskDatasetReader):
        readers = [shim.inner for shim in dataset_reader.readers.values()]
    else:
        readers = [dataset_reader]
    document_readers = [reader for reader in readers if isinstance(reader, GoldDocumentReader)]
    if not document_readers:
        raise DataFormatError(
            "The hmtl predictor needs the archive's dataset reader to be an hmtl reader "
            f"('hmtl_ontonotes', 'hmtl_ace05') or a multitask reader of them; it is "
            f"{type(dataset_reader).__name__}."
        )
    return document_readers


def _sentence_range(layer: Optional[List[List[Any]]], first: int, stop: int) -> List[Any]:
    """The annotations of sentences `first` to `stop` (exclusive) of a per-sentence layer."""
    return [entry for sentence in (layer or [])[first:stop] for entry in sentence]


def _mention(
    document: _InputDocument, start: int, end: int, label: Optional[str] = None
) -> JsonDict:
    mention: JsonDict = {"start": start, "end": end}
    if label is not None:
        mention["label"] = label
    if document.character_offsets is not None:
        char_start = document.character_offsets[start][0]
        char_end = document.character_offsets[end][1]
        mention["text"] = document.text[char_start:char_end]
        mention["char_start"] = char_start
        mention["char_end"] = char_end
    else:
        mention["text"] = " ".join(document.tokens[start : end + 1])
    return mention
