import json
import logging
import re
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from allennlp.common import plugins
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict, sanitize
from allennlp.data import DatasetReader, Instance
from allennlp.data.dataset_readers import MultiTaskDatasetReader
from allennlp.data.fields import MetadataField, TextField
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor
from allennlp_models.coref.util import make_coref_instance
from hmtl_allennlp_compat import blank_english_pipeline

from hmtl_allennlp.commands.archive import load_model_archive
from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.dataset_readers.ace05 import parse_dygie_document
from hmtl_allennlp.dataset_readers.document_reader import (
    GoldDocument,
    GoldDocumentReader,
    indexed_tokens,
)
from hmtl_allennlp.models.hmtl import PREDICT_ALL_TASKS

logger = logging.getLogger(__name__)

# (start, end) of a token in the raw input text, end exclusive.
CharacterSpan = Tuple[int, int]

# The model outputs the predictor reads, and the output key of each.
_TAGGER_OUTPUTS = {"ner_spans": "ner", "emd_spans": "mentions"}
# A lone surrogate code point: JSON can escape one ("\ud800"), and spaCy cannot encode it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# What some editors write at the start of a UTF-8 file (the readers skip it too).
_BYTE_ORDER_MARK = "\ufeff"


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
    """
    One input document, read and checked, with its token offsets in the raw text if any, and
    the pieces the model sees as sentences (its sentences, the longer ones split).
    """

    gold: GoldDocument
    doc_key: Optional[str]
    line_number: Optional[int]
    text: Optional[str] = None
    character_offsets: Optional[List[CharacterSpan]] = None
    tokens: List[str] = field(init=False)
    pieces: List[List[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = [token for sentence in self.gold.sentences for token in sentence]
        self.pieces = self.gold.sentences

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

    Any of them may have a `doc_key`, which the output repeats. `allennlp predict` hands the
    predictor its input file as bytes (see `hmtl_allennlp.commands.predict`), and
    `load_raw_lines` makes each line a document or an error: a line that is not UTF-8, not
    JSON, nested too deeply or holding a number Python will not read gets an error output like
    any malformed document; a UTF-8 byte order mark at the start of the file is skipped, and
    only line feeds end a line (a carriage return alone is whitespace of the JSON object). A
    lone surrogate code point in `text` (JSON can escape one) is read as an unknown character.

    # Output

    One JSON object per document. Offsets are document-level token indices (counted over all
    sentences), `end` inclusive; a mention is
    `{"start": int, "end": int, "label": str, "text": str}`, plus, for raw text input,
    `"char_start"` and `"char_end"` such that `text[char_start:char_end]` of the input is the
    mention's `text` (otherwise `text` is its tokens joined by single spaces).

    - `line` : `int`, the input line (when read by `allennlp predict`, or by `load_line`,
      which counts the lines it is given); blank lines have no output, but are counted;
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
    max_sentence_tokens : `int`, optional (default = `256`)
        A sentence longer than this (text without sentence punctuation, say) is predicted as
        pieces of at most this many tokens, of equal lengths, which the model takes as
        sentences: relations and coreference mentions do not cross them (the output's
        `sentences` stay as read). This bounds the cost of the levels that work per sentence
        (relation candidate pairs, coreference candidate spans), and makes a part of a long
        document at most `max(max_document_tokens, max_sentence_tokens)` tokens.
    strict : `bool`, optional (default = `False`)
        When `False`, an input that cannot be read (not UTF-8, not JSON, not an object, none
        of the accepted keys, empty text, malformed sentences or annotations) or whose
        prediction fails gets an output with an `error` field, and the other inputs are
        predicted as usual. When `True`, the first such input raises instead: `DataFormatError`
        for input that cannot be read, `RuntimeError` for a failed prediction, each naming the
        line and `doc_key`.

    A token's text is cut for the indexers as the archive's readers cut it (their
    `max_token_characters`, 50 characters by default), so that one very long token does not
    make the character encoder pad every token to its length; the output keeps tokens whole.

    Registered as a `Predictor` with name "hmtl".
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        max_document_tokens: int = 4000,
        max_sentence_tokens: int = 256,
        strict: bool = False,
    ) -> None:
        super().__init__(model, dataset_reader)
        for name, value in (
            ("max_document_tokens", max_document_tokens),
            ("max_sentence_tokens", max_sentence_tokens),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(
                    f"The hmtl predictor's {name} must be an integer of at least 1, got "
                    f"{value!r}."
                )
        if not isinstance(strict, bool):
            raise ConfigurationError(
                f"The hmtl predictor's strict must be true or false, got {strict!r}."
            )
        self._max_document_tokens = max_document_tokens
        self._max_sentence_tokens = max_sentence_tokens
        self._strict = strict
        readers = _document_readers(dataset_reader)
        self._token_indexers = readers[0].token_indexers
        self._max_token_characters = readers[0].max_token_characters
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
        the line. A line that cannot be read as a JSON object is not an error here: with
        `strict = False` its output is an `error` line.
        """
        self._lines_read += 1
        if self._lines_read == 1:
            line = line.removeprefix(_BYTE_ORDER_MARK)
        return self._input_line(line, self._lines_read)

    def load_raw_lines(self, lines: Iterable[bytes]) -> Iterator[JsonDict]:
        """
        The input of each non-blank line of a JSON-lines file given as bytes (a file opened in
        binary mode), numbered as in the file: a document, or an error when the line is not
        UTF-8 or cannot be read as a JSON object. `allennlp predict` reads its input with it.
        """
        for line_number, raw_line in enumerate(lines, start=1):
            self._lines_read = line_number
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError as error:
                yield self._unreadable_line(line_number, f"not valid UTF-8 ({error})")
                continue
            if line_number == 1:
                line = line.removeprefix(_BYTE_ORDER_MARK)
            if line.strip():
                yield self._input_line(line, line_number)

    def _input_line(self, line: str, line_number: int) -> InputLine:
        """Line `line_number` as a JSON object, or as the error that says why it is not one."""
        try:
            # strict=False: control characters (a tab, a carriage return) inside strings are
            # read as written rather than rejected.
            content = json.loads(line, strict=False)
        except RecursionError:
            return self._unreadable_line(line_number, "JSON nested too deeply to read")
        except json.JSONDecodeError as error:
            return self._unreadable_line(line_number, f"not valid JSON ({error})")
        except ValueError as error:
            # Python refuses integers of more than 4,300 digits.
            return self._unreadable_line(line_number, f"cannot read its JSON ({error})")
        if not isinstance(content, dict):
            return self._unreadable_line(
                line_number, f"expected a JSON object, found {_json_type(content)}"
            )
        return InputLine(content, line_number)

    def _unreadable_line(self, line_number: int, problem: str) -> InputLine:
        message = f"input line {line_number}: {problem}."
        if self._strict:
            raise DataFormatError(message)
        return InputLine({}, line_number, error=message)

    def predict_json(self, inputs: JsonDict) -> JsonDict:
        return self.predict_batch_json([inputs])[0]

    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        """
        Predicts a batch of documents, one output per input, in order. An input that cannot be
        read (not a dict, malformed) gets an error output (with `strict`, raises). The parts of
        all documents are run in batches of at most `len(inputs)` instances; when such a batch
        fails, its instances are run one at a time, so that one failing document does not take
        the others down.
        """
        if not inputs:
            return []
        documents: List[Optional[_InputDocument]] = []
        outputs: List[JsonDict] = []
        # (document index, instance) of every part to predict.
        parts: List[Tuple[int, Instance]] = []
        for document_index, json_dict in enumerate(inputs):
            try:
                document = self._read_document(json_dict, document_index, len(inputs))
                instances = self._document_instances(document)
            except Exception as error:  # noqa: BLE001 - an error output for this input only
                message = _reading_error_message(json_dict, document_index, len(inputs), error)
                if self._strict:
                    if isinstance(error, DataFormatError):
                        raise
                    raise DataFormatError(message) from error
                documents.append(None)
                outputs.append(self._error_output(json_dict, message))
                continue
            documents.append(document)
            outputs.append(self._document_output(document))
            parts.extend((document_index, instance) for instance in instances)

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
        return self._instance(document, 0, len(document.pieces))

    # Reading inputs.

    def _read_document(
        self, json_dict: JsonDict, index: int = 0, batch_size: int = 1
    ) -> _InputDocument:
        """The document of an input, checked, with its pieces; `DataFormatError` if malformed."""
        line_number = getattr(json_dict, "line_number", None)
        if getattr(json_dict, "error", None) is not None:
            raise DataFormatError(json_dict.error)
        if not isinstance(json_dict, dict):
            raise DataFormatError(
                f"{_input_position(index, batch_size)}: expected a JSON object (a dict), found "
                f"{_json_type(json_dict)}."
            )
        document = self._parse_input(json_dict, line_number)
        document.pieces = [
            piece
            for sentence in document.gold.sentences
            for piece in _split_evenly(sentence, self._max_sentence_tokens)
        ]
        return document

    def _parse_input(self, json_dict: JsonDict, line_number: Optional[int]) -> _InputDocument:
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
        # spaCy sees each lone surrogate as U+FFFD (one character for one, so the offsets are
        # those of the input); the tokens are cut from the input, as written.
        for sentence in self._spacy(_LONE_SURROGATE.sub("\ufffd", text)).sents:
            tokens = [token for token in sentence if not token.is_space]
            if tokens:
                token_offsets = [(token.idx, token.idx + len(token.text)) for token in tokens]
                sentences.append([text[start:end] for start, end in token_offsets])
                offsets.extend(token_offsets)
        if not sentences:
            raise DataFormatError(f"{where}: 'text' is empty (no token in it).")
        return _InputDocument(GoldDocument(doc_key, sentences), doc_key, line_number, text, offsets)

    # Instances.

    def _document_instances(self, document: _InputDocument) -> List[Instance]:
        """The instances of a document: one, or one per part if it is too long."""
        parts = []
        first = 0
        num_tokens = 0
        pieces = document.pieces
        for index, piece in enumerate(pieces):
            if index > first and num_tokens + len(piece) > self._max_document_tokens:
                parts.append((first, index))
                first, num_tokens = index, 0
            num_tokens += len(piece)
        parts.append((first, len(pieces)))
        return [self._instance(document, first, stop) for first, stop in parts]

    def _instance(self, document: _InputDocument, first: int, stop: int) -> Instance:
        """The instance of task "all" of pieces `first` to `stop` (exclusive)."""
        gold = document.gold
        sentences = document.pieces[first:stop]
        token_offset = sum(len(piece) for piece in document.pieces[:first])
        words = [word for sentence in sentences for word in sentence]
        token_stop = token_offset + len(words)

        def inside(*offsets: int) -> bool:
            return all(token_offset <= offset < token_stop for offset in offsets)

        fields = {
            "tokens": TextField(
                indexed_tokens(words, self._max_token_characters), self._token_indexers
            ),
            "task": MetadataField(PREDICT_ALL_TASKS),
            "metadata": MetadataField(
                {
                    "doc_key": document.doc_key,
                    "sentence_index": None,
                    "tokens": words,
                    "token_offset": token_offset,
                    "sentence_lengths": [len(sentence) for sentence in sentences],
                    "gold_mentions": [
                        mention for mention in _flat(gold.mentions) if inside(*mention[:2])
                    ],
                    "gold_relations": [
                        relation for relation in _flat(gold.relations) if inside(*relation[:4])
                    ],
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
    def _error_output(json_dict: Any, message: str) -> JsonDict:
        output: JsonDict = {}
        line_number = getattr(json_dict, "line_number", None)
        if line_number is not None:
            output["line"] = line_number
        if isinstance(json_dict, dict) and isinstance(json_dict.get("doc_key"), str):
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


def _flat(layer: Optional[List[List[Any]]]) -> List[Any]:
    """The annotations of a per-sentence layer, in order."""
    return [entry for sentence in (layer or []) for entry in sentence]


def _split_evenly(sentence: List[str], max_tokens: int) -> List[List[str]]:
    """`sentence`, or pieces of it of at most `max_tokens` tokens and of equal lengths."""
    num_pieces = -(-len(sentence) // max_tokens)
    bounds = [len(sentence) * piece // num_pieces for piece in range(num_pieces + 1)]
    return [sentence[start:stop] for start, stop in zip(bounds, bounds[1:])]


def _json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    if type(value) in names:
        return names[type(value)]
    return "number" if isinstance(value, (int, float)) else type(value).__name__


def _input_position(index: int, batch_size: int) -> str:
    return "input document" if batch_size == 1 else f"input document {index + 1} of {batch_size}"


def _reading_error_message(json_dict: Any, index: int, batch_size: int, error: Exception) -> str:
    """The error output's message for an input that could not be read."""
    if isinstance(error, DataFormatError):
        return str(error)
    if isinstance(json_dict, dict):
        where = _location(getattr(json_dict, "line_number", None), json_dict.get("doc_key"))
    else:
        where = _input_position(index, batch_size)
    return f"{where}: cannot read the document ({type(error).__name__}: {error})."


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
