import logging
import re
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union, cast

from allennlp.common import plugins
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict
from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import TextField
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor
from hmtl_allennlp_compat import blank_english_pipeline

from hmtl_allennlp.models.archival import load_model_archive
from hmtl_allennlp.common.documents import (
    Cluster,
    GoldDocument,
    Mention,
    Relation,
    Span,
    to_document,
)
from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.common.levels import COREFERENCE, RELATIONS, TAGGING, output_key
from hmtl_allennlp.dataset_readers.ace05 import dygie_doc_key, parse_dygie_document
from hmtl_allennlp.dataset_readers.document_reader import metadata_of, task_readers
from hmtl_allennlp.models.hmtl import SENTENCE_LEVELS_TASK, HierarchicalMultiTaskModel
from hmtl_allennlp.models.quantization import QUANTIZATIONS, quantize_model
from hmtl_allennlp.predictors.json_lines import JsonLine, json_type, read_json_line
from hmtl_allennlp.predictors.raw_line_input import JsonLinePredictor

logger = logging.getLogger(__name__)


class CharacterSpan(NamedTuple):
    """Where a token is in the raw input text, `end` exclusive."""

    start: int
    end: int


# The keys of every output, which no level's output key may take.
_DOCUMENT_KEYS = ("line", "doc_key", "sentences", "segments", "error")
# Sentences are predicted at most this many at a time (the training batch size of the tagging
# levels); unless `sentence_batch_tokens` is set, a document's sentences are never batched with
# another's, so that the batch size of `allennlp predict` changes nothing.
SENTENCES_PER_BATCH = 32
# The default of `max_document_tokens` when the archive's coreference reader has none.
MAX_DOCUMENT_TOKENS = 4000
# A lone surrogate code point: JSON can escape one ("\ud800"), and spaCy cannot encode it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class _InputDocument:
    """
    One input document, read and checked, with its token offsets in the raw text if any, and
    the document the model sees (`model_view`: its sentences, the longer ones split).
    """

    gold: GoldDocument
    doc_key: Optional[str]
    line_number: Optional[int]
    text: Optional[str] = None
    character_offsets: Optional[List[CharacterSpan]] = None
    tokens: List[str] = field(init=False)
    model_view: GoldDocument = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = [token for sentence in self.gold.sentences for token in sentence]
        self.model_view = self.gold

    def where(self) -> str:
        return _location(self.line_number, self.doc_key)


@Predictor.register("hmtl")
class HmtlPredictor(JsonLinePredictor):
    """
    Predicts every level of a hierarchical multi-task model ("hmtl") for whole documents: tags
    and typed spans (named entities, entity mentions, part-of-speech tags), relations between
    mentions and coreference clusters, as far as the archive has a level of that kind. Each
    level runs as it was trained and as `allennlp evaluate` scores it, on instances that the
    archive's readers make (`GoldDocumentReader.prediction_instances`): the sentence-level
    levels (tagging, relations) on each sentence, all at once (task "sentence_levels"), and
    each coreference level on the whole document, or on its segments when it is longer than
    `max_document_tokens`. So the
    predictions of a document scored against its gold annotations give the F1 that `allennlp
    evaluate` reports for it.

    # Input

    One JSON object per document (one per line for `allennlp predict`), in one of three forms:

    - `{"text": "..."}`: raw text, tokenized and split into sentences offline by spaCy's
      rule-based English tokenizer and sentencizer (no model download);
    - `{"sentences": [["tok", ...], ...]}`: pre-tokenized sentences;
    - a DyGIE JSON document (`doc_key`, `sentences`, and optionally `ner`, `relations`,
      `clusters`, as `hmtl_ace05` reads it). Its gold annotations are checked like the reader
      checks them but not predicted from; they only matter to a model configured to take gold
      mentions (a relation level without `mention_level`, or coreference with `gold_mentions`).

    Any of them may have a `doc_key` (a string, or an integer as in DyGIE++'s own data), which
    the output repeats as a string. A line of a JSON-lines input comes as a `JsonLine`
    (`hmtl_allennlp.predictors.json_lines`, which is how `allennlp predict` hands the predictor
    its input): a line that is not UTF-8, not JSON, nested too deeply or holding a number Python
    will not read gets an error output like any malformed document. A lone surrogate code point
    in `text` (JSON can escape one) is read as an unknown character.

    # Output

    One JSON object per document. Offsets are document-level token indices (counted over all
    sentences), `end` inclusive; a mention is
    `{"start": int, "end": int, "label": str, "text": str}`, plus, for raw text input,
    `"char_start"` and `"char_end"` such that `text[char_start:char_end]` of the input is the
    mention's `text` (otherwise `text` is its tokens joined by single spaces).

    - `line` : `int`, the input line, for a `JsonLine` input (as `allennlp predict` gives);
      blank lines have no output, but are counted;
    - `doc_key` : `str`, when the input has one (an integer one written as a string);
    - `sentences` : `List[List[str]]`, the tokens of each sentence;
    - one key per level, named after the level (see below), holding by the level's kind:
      - tagging: `List[mention]`, the typed spans (BIOUL tags), or one one-token mention per
        token whose label is not "O" (plain labels, such as part-of-speech tags);
      - relations: `List[{"head": mention, "tail": mention, "label": str, "score": float}]`,
        directed relations, `label` of the head and tail mention being its entity type;
      - coreference: `List[List[{"start", "end", "text"[, "char_start", "char_end"]}]]`,
        coreference clusters;
    - `segments` : `List[[int, int]]`, only for documents longer than `max_document_tokens`:
      the (first, last) tokens of the parts whose coreference was predicted separately
      (clusters never cross them);
    - `error` : `str`, instead of the predictions when the input could not be read or the
      prediction failed (with `line` and `doc_key` when known).

    Lists are sorted by offsets, so that the output does not depend on the batch size.

    A level's key is its name, except for three of HMTL's level names, which keep the keys of
    the first releases: "emd" -> `mentions`, "relation" -> `relations`, "coref" -> `clusters`
    (so "ner" -> `ner`, "pos" -> `pos`, "relation2" -> `relation2`). A model with two levels
    of one key (or a level whose key is one of the keys above) is refused.

    # Parameters

    model : `Model`, required
        A trained "hmtl" model.
    dataset_reader : `DatasetReader`, required
        The archive's dataset reader (a "multitask" reader of "hmtl_*" readers, or one of
        them): its token indexers index the text, and its coreference reader's
        `max_span_width` bounds the candidate spans.
    max_document_tokens : `int`, optional (default = `None`)
        The coreference level reads a document longer than this as segments of at most this
        many tokens, cut at sentence boundaries (a longer sentence makes a segment of its
        own), as its reader does with its own `max_document_tokens`; their clusters are put
        together in document offsets. `None`: the archive's coreference reader's
        `max_document_tokens`, or 4,000 when it has none. The coreference level's time and
        memory grow with the length of a segment (about `spans_per_word x max_antecedents`
        span pairs per token), so this bounds the memory of one document; a batch of
        `allennlp predict --batch-size N` runs at most N segments at once. Sentences are
        predicted 32 at a time.
    max_sentence_tokens : `int`, optional (default = `256`)
        A sentence longer than this (text without sentence punctuation, say) is predicted as
        pieces of at most this many tokens, of equal lengths, which the model takes as
        sentences: mentions, relations and coreference mentions do not cross them (the
        output's `sentences` stay as read). This bounds the cost of the levels that work per
        sentence (relation candidate pairs, coreference candidate spans), and makes a segment
        of a long document at most `max(max_document_tokens, max_sentence_tokens)` tokens.
    strict : `bool`, optional (default = `False`)
        When `False`, an input that cannot be read (not UTF-8, not JSON, not an object, none
        of the accepted keys, empty text, malformed sentences or annotations) or whose
        prediction fails gets an output with an `error` field, and the other inputs are
        predicted as usual. When `True`, the first such input raises instead: `DataFormatError`
        for input that cannot be read, `RuntimeError` for a failed prediction, each naming the
        line and `doc_key`.
    quantize : `str`, optional (default = `None`)
        `"int8"`: predict with a copy of the model whose LSTMs and linear layers are quantized
        dynamically to int8 (`hmtl_allennlp.models.quantization`), smaller and faster on CPU,
        its predictions close to but not always those of the model as trained (see
        docs/BENCHMARKS.md for the dev F1 of both). `None`: the model as trained. CPU only;
        from the command line, `allennlp predict --predictor-args '{"quantize": "int8"}'`.
    sentence_batch_tokens : `int`, optional (default = `None`)
        `None`: the sentences of each document are predicted in batches of their own (32 at a
        time), so that a document's outputs do not depend on the documents it is batched
        with. An integer: the sentences of all documents of one `predict_batch_json` call
        (one batch of `allennlp predict --batch-size N`) are packed in order into batches of
        at most 32 sentences and at most this many tokens, padding included (a longer sentence
        is a batch of its own): fewer and fuller batches for short documents. A sentence's
        encodings then differ from those of its document's own batch in the last bits (the
        LSTM's float rounding depends on how many sentences of a batch are still running at
        each step), so a relation's `score` can differ in its last digits; the tests check
        that the predicted spans, relations and clusters are the same on fixture data.

    A token's text is cut for the indexers as the archive's readers cut it (their
    `max_token_characters`, 50 characters by default), so that one very long token does not
    make the character encoder pad every token to its length; the output keeps tokens whole.

    Registered as a `Predictor` with name "hmtl".
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        max_document_tokens: Optional[int] = None,
        max_sentence_tokens: int = 256,
        strict: bool = False,
        quantize: Optional[str] = None,
        sentence_batch_tokens: Optional[int] = None,
    ) -> None:
        if quantize is not None and quantize not in QUANTIZATIONS:
            raise ConfigurationError(
                f"The hmtl predictor's quantize must be one of {list(QUANTIZATIONS)} or null, "
                f"got {quantize!r}."
            )
        if quantize is not None:
            model = quantize_model(model, quantize)
        super().__init__(model, dataset_reader)
        for name, value in (
            ("max_document_tokens", max_document_tokens),
            ("max_sentence_tokens", max_sentence_tokens),
            ("sentence_batch_tokens", sentence_batch_tokens),
        ):
            if value is None and name != "max_sentence_tokens":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(
                    f"The hmtl predictor's {name} must be an integer of at least 1, got "
                    f"{value!r}."
                )
        if not isinstance(strict, bool):
            raise ConfigurationError(
                f"The hmtl predictor's strict must be true or false, got {strict!r}."
            )
        self._max_sentence_tokens = max_sentence_tokens
        self._sentence_batch_tokens = sentence_batch_tokens
        self._strict = strict
        try:
            readers = task_readers(dataset_reader)
        except ConfigurationError as error:
            raise DataFormatError(f"The hmtl predictor: {error}") from None
        if not isinstance(model, HierarchicalMultiTaskModel):
            raise ConfigurationError(
                f"The hmtl predictor predicts with an 'hmtl' model, not a {type(model).__name__}."
            )
        self._level_kinds = model.level_kinds()
        self._output_keys = {level: output_key(level) for level in self._level_kinds}
        self._check_output_keys()
        # The readers that make the instances of each kind, as they made them in training.
        self._sentence_reader = next(
            (reader for reader in readers.values() if reader.kind != COREFERENCE), None
        )
        sentence_levels = [
            level for level, kind in self._level_kinds.items() if kind != COREFERENCE
        ]
        if sentence_levels and self._sentence_reader is None:
            raise ConfigurationError(
                f"The archive's model has the sentence-level levels {sentence_levels}, but its "
                "dataset reader has no reader of sentences to predict them with."
            )
        if not sentence_levels:
            self._sentence_reader = None
        self._document_readers = {}
        for level, kind in self._level_kinds.items():
            if kind != COREFERENCE:
                continue
            if level not in readers:
                raise ConfigurationError(
                    f"The archive's model has a coreference level '{level}', but its dataset "
                    "reader has no reader of that task to predict it with."
                )
            self._document_readers[level] = readers[level]
        first_document_reader = next(iter(self._document_readers.values()), None)
        self._max_document_tokens = max_document_tokens or (
            getattr(first_document_reader, "max_document_tokens", None) or MAX_DOCUMENT_TOKENS
        )
        self._spacy: Any = None

    def levels(self) -> List[Dict[str, str]]:
        """
        Each level of the model, lower levels first: its `name` in the config, its `kind`
        ("tagging", "relations" or "coreference", as its head declares) and the `key` of its
        predictions in an output.
        """
        return [
            {"name": level, "kind": kind, "key": self._output_keys[level]}
            for level, kind in self._level_kinds.items()
        ]

    def _check_output_keys(self) -> None:
        levels_of_key: Dict[str, List[str]] = {}
        for level, key in self._output_keys.items():
            levels_of_key.setdefault(key, []).append(level)
        for key, levels in levels_of_key.items():
            if len(levels) > 1 or key in _DOCUMENT_KEYS:
                what = f"the levels {levels}" if len(levels) > 1 else f"level '{levels[0]}'"
                raise ConfigurationError(
                    f"The hmtl predictor writes the predictions of {what} under the output key "
                    f"'{key}', which is taken; rename the level."
                )

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
        **kwargs: Any,
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
            # AllenNLP annotates it `str` but takes None for the model's default predictor.
            cast(str, predictor_name),
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
        One line of JSON input, on its own, as its JSON object (`DataFormatError` when it is
        not one). To read a whole input, with line numbers in the outputs and an error output
        for each line that cannot be read, give `predict_batch_json` the `JsonLine`s of
        `hmtl_allennlp.predictors.json_lines.read_json_lines` instead.
        """
        json_line = read_json_line(line)
        if json_line.document is None:
            raise DataFormatError(str(json_line.error))
        return json_line.document

    def predict_json(self, inputs: Union[JsonDict, JsonLine]) -> JsonDict:
        return self.predict_batch_json([inputs])[0]

    def predict_batch_json(self, inputs: Sequence[Union[JsonDict, JsonLine]]) -> List[JsonDict]:
        """
        Predicts a batch of documents, one output per input, in order. An input is a JSON
        object, or a `JsonLine` (a line of a JSON-lines input, whose number the output and its
        errors then name). An input that cannot be read (not a dict, malformed, a line that is
        not a JSON object) gets an error output (with `strict`, raises). The parts of all
        documents are run in batches (the coreference segments `len(inputs)` at a time, the
        sentences as `sentence_batch_tokens` says); when such a batch fails, its instances are
        run one at a time, so that one failing document does not take the others down.
        """
        if not inputs:
            return []
        # The documents that could be read, by input index.
        read: Dict[int, _InputDocument] = {}
        outputs: List[JsonDict] = []
        # The sentences of each document, then the batches of (document index, instance):
        # sentences, or the coreference segments of several documents.
        sentences_of_documents: List[List[Tuple[int, Instance]]] = []
        batches: List[List[Tuple[int, Instance]]] = []
        segments: List[Tuple[int, Instance]] = []
        for document_index, json_input in enumerate(inputs):
            try:
                document = self._read_document(json_input, document_index, len(inputs))
                sentences, document_segments = self._document_instances(document)
            except Exception as error:  # noqa: BLE001 - an error output for this input only
                message = _reading_error_message(json_input, document_index, len(inputs), error)
                if self._strict:
                    if isinstance(error, DataFormatError):
                        raise
                    raise DataFormatError(message) from error
                outputs.append(self._error_output(json_input, message))
                continue
            read[document_index] = document
            outputs.append(self._document_output(document))
            sentences_of_documents.append([(document_index, sentence) for sentence in sentences])
            segments.extend((document_index, segment) for segment in document_segments)
        if self._sentence_batch_tokens is None:
            for document_sentences in sentences_of_documents:
                batches.extend(_sentence_batches(document_sentences, None))
        else:
            batches.extend(
                _sentence_batches(
                    [sentence for document in sentences_of_documents for sentence in document],
                    self._sentence_batch_tokens,
                )
            )
        batches.extend(
            segments[start : start + len(inputs)] for start in range(0, len(segments), len(inputs))
        )

        predictions: Dict[int, List[Tuple[Instance, JsonDict]]] = {}
        failures: Dict[int, str] = {}
        for batch in batches:
            predicted = self._predict_instances([instance for _, instance in batch])
            for (document_index, instance), prediction in zip(batch, predicted):
                if not isinstance(prediction, Exception):
                    predictions.setdefault(document_index, []).append((instance, prediction))
                    continue
                message = (
                    f"{read[document_index].where()}: prediction failed: "
                    f"{type(prediction).__name__}: {prediction}"
                )
                if self._strict:
                    raise RuntimeError(message) from prediction
                logger.warning(message)
                failures.setdefault(document_index, message)

        for document_index, document in read.items():
            if document_index in failures:
                outputs[document_index] = self._error_output(
                    inputs[document_index], failures[document_index]
                )
                continue
            self._add_predictions(
                outputs[document_index], document, predictions.get(document_index, [])
            )
        return outputs

    def _predict_instances(self, instances: List[Instance]) -> List[Any]:
        """
        The model outputs of a batch of instances of one task; an exception instead for an
        instance that fails (the batch is run again one instance at a time when it fails).
        """
        try:
            return self._model.forward_on_instances(instances)
        except Exception as batch_error:  # noqa: BLE001 - reported per document by the caller
            if len(instances) == 1:
                return [batch_error]
            logger.warning(
                "A batch of %d instances failed (%s); predicting them one at a time.",
                len(instances),
                batch_error,
            )
        results: List[Any] = []
        for instance in instances:
            results.extend(self._predict_instances([instance]))
        return results

    def json_to_instances(self, json_dict: JsonDict) -> List[Instance]:
        """
        The instances the model predicts a document from: its sentences (task
        "sentence_levels"), then the segments of each coreference level (the level's task), as
        the archive's readers make them. Raises `DataFormatError` on input that cannot be read.
        """
        sentences, segments = self._document_instances(self._read_document(json_dict))
        return sentences + segments

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        """Not one instance: a document is predicted from several (see `json_to_instances`)."""
        raise NotImplementedError(
            "The hmtl predictor predicts a document from several instances (its sentences and "
            "its coreference segments): use json_to_instances, predict_json or "
            "predict_batch_json."
        )

    # Reading inputs.

    def _read_document(
        self, json_input: Union[JsonDict, JsonLine], index: int = 0, batch_size: int = 1
    ) -> _InputDocument:
        """The document of an input, checked, with its model view (`DataFormatError` if not)."""
        line_number, json_dict = _number_and_content(json_input)
        if isinstance(json_input, JsonLine) and json_input.error is not None:
            raise DataFormatError(json_input.error)
        if not isinstance(json_dict, dict):
            raise DataFormatError(
                f"{_input_position(index, batch_size)}: expected a JSON object (a dict), found "
                f"{json_type(json_dict)}."
            )
        document = self._parse_input(json_dict, line_number)
        document.model_view = document.gold.split_sentences(self._max_sentence_tokens)
        return document

    def _parse_input(self, json_dict: JsonDict, line_number: Optional[int]) -> _InputDocument:
        doc_key = dygie_doc_key(json_dict.get("doc_key"))
        if doc_key is None and json_dict.get("doc_key") is not None:
            raise DataFormatError(
                f"{_location(line_number, None)}: 'doc_key' must be a string or an integer, got "
                f"{json_dict['doc_key']!r}."
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
        spacy = self._spacy
        # The blank pipeline's memory is linear in the text length: no need for spaCy's guard
        # against long texts, which is sized for parsers.
        spacy.max_length = max(spacy.max_length, len(text) + 1)
        sentences: List[List[str]] = []
        offsets: List[CharacterSpan] = []
        # spaCy sees each lone surrogate as U+FFFD (one character for one, so the offsets are
        # those of the input); the tokens are cut from the input, as written.
        for sentence in spacy(_LONE_SURROGATE.sub("\ufffd", text)).sents:
            tokens = [token for token in sentence if not token.is_space]
            if tokens:
                token_offsets = [
                    CharacterSpan(token.idx, token.idx + len(token.text)) for token in tokens
                ]
                sentences.append([text[span.start : span.end] for span in token_offsets])
                offsets.extend(token_offsets)
        if not sentences:
            raise DataFormatError(f"{where}: 'text' is empty (no token in it).")
        return _InputDocument(GoldDocument(doc_key, sentences), doc_key, line_number, text, offsets)

    # Instances.

    def _document_instances(
        self, document: _InputDocument
    ) -> Tuple[List[Instance], List[Instance]]:
        """The sentence instances and the coreference segments of a document."""
        sentences: List[Instance] = []
        segments: List[Instance] = []
        if self._sentence_reader is not None:
            sentences = self._sentence_reader.prediction_instances(
                document.model_view, SENTENCE_LEVELS_TASK
            )
        for level, reader in self._document_readers.items():
            segments.extend(
                reader.prediction_instances(document.model_view, level, self._max_document_tokens)
            )
        return sentences, segments

    # Outputs.

    @staticmethod
    def _error_output(json_input: Any, message: str) -> JsonDict:
        output: JsonDict = {}
        line_number, json_dict = _number_and_content(json_input)
        if line_number is not None:
            output["line"] = line_number
        doc_key = dygie_doc_key(json_dict.get("doc_key")) if isinstance(json_dict, dict) else None
        if doc_key is not None:
            output["doc_key"] = doc_key
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
        predictions: List[Tuple[Instance, JsonDict]],
    ) -> None:
        """Adds the predictions of a document's instances, in document offsets, to `output`."""
        # Per level, its predictions in document offsets, for the levels that gave some.
        tagged: Dict[str, List[Mention]] = {}
        relations: Dict[str, List[Relation]] = {}
        clusters: Dict[str, List[Cluster]] = {}
        # The segments of each coreference level (all levels cut a document the same way).
        segments: Dict[str, List[Dict[str, Any]]] = {}
        for instance, prediction in predictions:
            metadata = metadata_of(instance)
            for level, kind in self._level_kinds.items():
                if kind == TAGGING and f"{level}_spans" in prediction:
                    tagged.setdefault(level, []).extend(
                        to_document(prediction[f"{level}_spans"], metadata)
                    )
                elif kind == RELATIONS and f"{level}_relations" in prediction:
                    relations.setdefault(level, []).extend(
                        to_document(prediction[f"{level}_relations"], metadata)
                    )
                elif kind == COREFERENCE and f"{level}_clusters" in prediction:
                    segments.setdefault(level, []).append(metadata)
                    clusters.setdefault(level, []).extend(
                        to_document(cluster, metadata)
                        for cluster in prediction[f"{level}_clusters"]
                    )

        for level, mentions in tagged.items():
            output[self._output_keys[level]] = [
                _mention(document, mention) for mention in sorted(mentions)
            ]
        for level, level_relations in relations.items():
            output[self._output_keys[level]] = [
                {
                    "head": _mention(document, relation.head),
                    "tail": _mention(document, relation.tail),
                    "label": relation.label,
                    "score": relation.score,
                }
                for relation in sorted(level_relations)
            ]
        for level, level_clusters in clusters.items():
            output[self._output_keys[level]] = sorted(
                (
                    [_mention(document, span) for span in sorted(cluster)]
                    for cluster in level_clusters
                ),
                key=lambda cluster: (cluster[0]["start"], cluster[0]["end"]),
            )
        segments_of_first_level = next(iter(segments.values()), [])
        if len(segments_of_first_level) > 1:
            output["segments"] = [
                [metadata["token_offset"], metadata["token_offset"] + len(metadata["tokens"]) - 1]
                for metadata in segments_of_first_level
            ]


def _sentence_batches(
    sentences: List[Tuple[int, Instance]], max_tokens: Optional[int]
) -> List[List[Tuple[int, Instance]]]:
    """
    `sentences` cut in order into batches of at most `SENTENCES_PER_BATCH` sentences and, when
    `max_tokens` is given, at most `max_tokens` tokens with padding (the batch's sentences times
    its longest one, what its encoders run over); a longer sentence makes a batch alone.
    """
    batches: List[List[Tuple[int, Instance]]] = []
    longest = 0
    for sentence in sentences:
        length = len(cast(TextField, sentence[1]["tokens"]))
        if batches and len(batches[-1]) < SENTENCES_PER_BATCH:
            longest_with_it = max(longest, length)
            if max_tokens is None or longest_with_it * (len(batches[-1]) + 1) <= max_tokens:
                batches[-1].append(sentence)
                longest = longest_with_it
                continue
        batches.append([sentence])
        longest = length
    return batches


def _location(line_number: Optional[int], doc_key: Optional[str]) -> str:
    """Where an input document is, for messages: its line and doc_key, as far as known."""
    parts = []
    if line_number is not None:
        parts.append(f"input line {line_number}")
    if doc_key is not None:
        parts.append(f"doc_key {doc_key!r}")
    return ", ".join(parts) or "input document"


def _number_and_content(json_input: Any) -> Tuple[Optional[int], Any]:
    """The line number of an input (`None` unless it is a `JsonLine`) and its JSON content."""
    if isinstance(json_input, JsonLine):
        return json_input.number, json_input.document
    return None, json_input


def _input_position(index: int, batch_size: int) -> str:
    return "input document" if batch_size == 1 else f"input document {index + 1} of {batch_size}"


def _reading_error_message(json_input: Any, index: int, batch_size: int, error: Exception) -> str:
    """The error output's message for an input that could not be read."""
    if isinstance(error, DataFormatError):
        return str(error)
    line_number, json_dict = _number_and_content(json_input)
    if isinstance(json_dict, dict):
        where = _location(line_number, dygie_doc_key(json_dict.get("doc_key")))
    else:
        where = _input_position(index, batch_size)
    return f"{where}: cannot read the document ({type(error).__name__}: {error})."


def _mention(document: _InputDocument, annotation: Union[Span, Mention]) -> JsonDict:
    """The output of a span (a coreference mention) or a labelled span, in document offsets."""
    mention: JsonDict = {"start": annotation.start, "end": annotation.end}
    if isinstance(annotation, Mention):
        mention["label"] = annotation.label
    if document.character_offsets is not None and document.text is not None:
        char_start = document.character_offsets[annotation.start].start
        char_end = document.character_offsets[annotation.end].end
        mention["text"] = document.text[char_start:char_end]
        mention["char_start"] = char_start
        mention["char_end"] = char_end
    else:
        mention["text"] = " ".join(document.tokens[annotation.start : annotation.end + 1])
    return mention
