import json
import logging
from collections import Counter
from typing import Any, Dict, Iterator, List, Optional, Tuple

from allennlp.data.dataset_readers.dataset_reader import DatasetReader
from allennlp.data.token_indexers import TokenIndexer

from hmtl_allennlp.common.documents import Cluster, GoldDocument, Mention, Relation, Span
from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.common.levels import COREFERENCE, RELATIONS, TAGGING
from hmtl_allennlp.dataset_readers.document_reader import (
    MAX_TOKEN_CHARACTERS,
    DocumentText,
    GoldDocumentReader,
)

logger = logging.getLogger(__name__)


@DatasetReader.register("hmtl_ace05")
class Ace05Reader(GoldDocumentReader):
    """
    Reads ACE05 as the usual preprocessing (DyGIE++, PURE; the 351/80/80 document split)
    leaves it: DyGIE JSON, one document per line, and with it every corpus in that format
    (SciERC, LitBank, CoNLL04, Re-DocRED, ...). Each line is an object with `doc_key`,
    `sentences` (lists of tokens) and optionally, per sentence, `ner` (`[start, end, label]`)
    and `relations` (`[head_start, head_end, tail_start, tail_end, label]`), and per document
    `clusters` (lists of `[start, end]`); offsets are document-level token indices with
    inclusive ends. Other keys are ignored.

    The kind of the level picks the instances (see `GoldDocumentReader` for their fields):

    - "tagging": one per sentence, BIOUL mention `tags` from `ner` (namespace
      `f"{task}_tags"`);
    - "relations": one per sentence, every sentence, with or without relations (leaving out
      sentences without relations would inflate precision), `relation_labels` (namespace
      `f"{task}_labels"`), and, with `relation_adjacency`, the `relations` adjacency;
      `metadata["gold_mentions"]` has the sentence's mentions;
    - "coreference": one per document (or per segment, see `max_document_tokens`), candidate
      `spans` and their gold cluster `span_labels` from `clusters`.

    Each document is checked: `doc_key` must be a string or an integer (DyGIE++'s own data
    numbers some documents; the instances have it as a string); `sentences` must be non-empty
    lists of strings; `ner` and `relations` must have one list per sentence; spans must lie in
    their sentence (clusters: in the document) with end >= start; relation arguments must be
    mentions of their sentence. A violation raises `DataFormatError` naming the file, line and
    doc_key, or, with `skip_invalid_documents`, skips the document and logs why. A problem of
    `relations` only matters to the relation instances: the readers of the other kinds read the
    document without its relations and count it in their log. Empty clusters (which DyGIE++
    writes) are dropped and counted.

    The file must be JSON Lines: a line holding only `{` or `[` (pretty-printed JSON, one object
    over many lines) raises `DataFormatError` for the whole file, even with
    `skip_invalid_documents`.

    `file_path` is a file, or a directory whose `*.json` and `*.jsonl` files are all read
    (walked recursively, in sorted order).

    # Parameters

    task : `str`
        The name of the level that reads the instances (e.g. "emd", "relation", "coref").
    kind : `str`, optional (default = `None`)
        "tagging", "relations" or "coreference"; `None`: the kind of an HMTL level name
        ("emd": tagging, "relation": relations, "coref": coreference; see
        `GoldDocumentReader`).
    tag_namespace : `str`, optional (default = `f"{task}_tags"`)
        Tagging only: the label namespace of the tags.
    relation_label_namespace : `str`, optional (default = `f"{task}_labels"`)
        Relations only: the label namespace of the relations.
    relation_adjacency : `bool`, optional (default = `False`)
        Relations only: give each instance the dense `relations` adjacency field that the
        "multi_head_selection" head trains on (see `GoldDocumentReader`).
    token_indexers : `Dict[str, TokenIndexer]`, optional
        How to index the tokens (default: `{"tokens": SingleIdTokenIndexer()}`).
    max_span_width : `int`, optional (default = `8`)
        The widest candidate span of coref instances, in tokens.
    max_document_tokens : `int`, optional (default = `None`)
        Coref only: split longer documents into segments at sentence boundaries (see
        `GoldDocumentReader`). `None` keeps documents whole, whatever their memory cost.
    remove_singleton_clusters : `bool`, optional (default = `True`)
        Coref only: leave clusters of one mention out of `span_labels` (metadata keeps them).
    skip_invalid_documents : `bool`, optional (default = `False`)
        Skip (count and log) malformed documents instead of raising `DataFormatError`.
    max_token_characters : `int`, optional (default = `50`)
        The token indexers see at most this many characters of a token (see
        `GoldDocumentReader`).
    **kwargs
        Passed to `DatasetReader`.

    Registered as a `DatasetReader` with name "hmtl_ace05".
    """

    supported_kinds = (TAGGING, RELATIONS, COREFERENCE)
    data_file_description = "*.json or *.jsonl"

    def __init__(
        self,
        task: str,
        kind: Optional[str] = None,
        tag_namespace: Optional[str] = None,
        relation_label_namespace: Optional[str] = None,
        relation_adjacency: bool = False,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        max_span_width: int = 8,
        max_document_tokens: Optional[int] = None,
        remove_singleton_clusters: bool = True,
        skip_invalid_documents: bool = False,
        max_token_characters: int = MAX_TOKEN_CHARACTERS,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task=task,
            kind=kind,
            token_indexers=token_indexers,
            tag_namespace=tag_namespace,
            relation_label_namespace=relation_label_namespace,
            relation_adjacency=relation_adjacency,
            max_span_width=max_span_width,
            max_document_tokens=max_document_tokens,
            remove_singleton_clusters=remove_singleton_clusters,
            skip_invalid_documents=skip_invalid_documents,
            max_token_characters=max_token_characters,
            **kwargs,
        )

    def _is_data_file(self, relative_path: str) -> bool:
        return relative_path.endswith((".json", ".jsonl"))

    def _document_texts(self, path: str) -> Iterator[DocumentText]:
        found_document = False
        for line_number, line in self._decoded_lines(path):
            if line.strip() in ("{", "["):
                # Every line of such a file is invalid on its own: skipping them one by one
                # would hide that nothing of the file is read.
                raise DataFormatError(
                    f"{path}, line {line_number}: the line holds only {line.strip()!r}: this "
                    "looks like pretty-printed JSON (one object spread over many lines), but one "
                    "JSON object per line is expected (JSON Lines)."
                )
            if line.strip():
                found_document = True
                yield DocumentText(path, [(line_number, line)])
        if not found_document:
            raise DataFormatError(f"{path}: the file is empty (no JSON document in it).")

    def _parse_document(self, text: DocumentText, counts: Counter) -> GoldDocument:
        ((line_number, line),) = text.lines
        where = f"{text.path}, line {line_number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            hint = ""
            if error.pos >= len(line.rstrip()):
                hint = (
                    ": the line ends inside a JSON value, but one JSON object per line is "
                    "expected (JSON Lines)"
                )
            raise DataFormatError(f"{where}: invalid JSON ({error}){hint}.") from None
        if not isinstance(data, dict):
            raise DataFormatError(f"{where}: expected a JSON object, found {type(data).__name__}.")
        doc_key = dygie_doc_key(data.get("doc_key"))
        if doc_key is None:
            raise DataFormatError(
                f"{where}: missing 'doc_key', or neither a string nor an integer "
                f"({data.get('doc_key')!r})."
            )
        checker = _DocumentChecker(
            f"{where}, doc_key {doc_key!r}", {**data, "doc_key": doc_key}, counts
        )
        document = checker.document()
        try:
            document.relations = checker.relations(document)
        except DataFormatError:
            if self.kind == RELATIONS:
                raise
            # Only the relation instances need the relations: the document's mentions and
            # clusters are still good data for this task.
            counts["documents_with_invalid_relations"] += 1
        return document


def dygie_doc_key(value: Any) -> Optional[str]:
    """
    A DyGIE JSON `doc_key` as a string: an integer one (DyGIE++'s own data numbers some
    documents) in decimal; `None` for anything else (missing, null, another type).
    """
    # bool is a subclass of int: JSON's true and false are not document numbers.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def parse_dygie_document(where: str, data: Dict[str, Any]) -> GoldDocument:
    """
    Checks one DyGIE JSON object (its `doc_key` already a string, or `None`) and turns it into a
    `GoldDocument`; `where` (e.g. "file.jsonl, line 3, doc_key d1") starts the message of the
    `DataFormatError` raised on bad input, relations included. Empty clusters are dropped.
    """
    checker = _DocumentChecker(where, data, Counter())
    document = checker.document()
    document.relations = checker.relations(document)
    return document


class _DocumentChecker:
    """
    Turns one DyGIE JSON object into a `GoldDocument`, checking everything on the way: first
    all but the relations (`document`), then the relations (`relations`), so that a reader may
    keep a document whose relations are bad. Counts what it drops in `counts`.
    """

    def __init__(self, where: str, data: Dict[str, Any], counts: Counter) -> None:
        self.where = where
        self.data = data
        self.counts = counts

    def error(self, message: str) -> DataFormatError:
        return DataFormatError(f"{self.where}: {message}")

    def document(self) -> GoldDocument:
        """The document without its relations (`relations` is `None`)."""
        sentences = self._sentences()
        bounds = _sentence_bounds(sentences)
        mentions = self._mentions(bounds) if "ner" in self.data else None
        clusters = self._clusters(bounds[-1][1] + 1) if "clusters" in self.data else None
        return GoldDocument(self.data["doc_key"], sentences, mentions, None, clusters)

    def relations(self, document: GoldDocument) -> Optional[List[List[Relation]]]:
        """The relations of `document` (made by `document`), `None` if the file has none."""
        if "relations" not in self.data:
            return None
        return self._relations(_sentence_bounds(document.sentences), document.mentions)

    def _sentences(self) -> List[List[str]]:
        sentences = self.data.get("sentences")
        if not isinstance(sentences, list) or not sentences:
            raise self.error("'sentences' must be a non-empty list of token lists.")
        for index, sentence in enumerate(sentences):
            if not isinstance(sentence, list) or not sentence:
                raise self.error(f"sentence {index} must be a non-empty list of tokens.")
            if not all(isinstance(token, str) for token in sentence):
                raise self.error(f"sentence {index} has a token that is not a string.")
        return sentences

    def _per_sentence(self, key: str, num_sentences: int) -> List[Any]:
        layer = self.data[key]
        if not isinstance(layer, list) or len(layer) != num_sentences:
            found = len(layer) if isinstance(layer, list) else type(layer).__name__
            raise self.error(
                f"'{key}' must have one list per sentence: {num_sentences} sentences, "
                f"{found} '{key}' entries."
            )
        for index, entries in enumerate(layer):
            if not isinstance(entries, list):
                raise self.error(f"'{key}' of sentence {index} is not a list.")
        return layer

    def _check_span(self, start: Any, end: Any, low: int, high: int, what: str, scope: str) -> Span:
        # bool is a subclass of int: JSON's true and false are not offsets.
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
            raise self.error(f"{what} has non-integer offsets.")
        if end < start:
            raise self.error(f"{what} ends before it starts.")
        if start < low or end > high:
            raise self.error(f"{what} is outside its {scope} (tokens {low}-{high}).")
        return Span(start, end)

    def _mentions(self, bounds: List[Tuple[int, int]]) -> List[List[Mention]]:
        layer = self._per_sentence("ner", len(bounds))
        mentions = []
        for index, (entries, (low, high)) in enumerate(zip(layer, bounds)):
            sentence_mentions = []
            for entry in entries:
                what = f"mention {entry!r} of sentence {index}"
                if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], str)):
                    raise self.error(f"{what} is not [start, end, label].")
                span = self._check_span(entry[0], entry[1], low, high, what, "sentence")
                sentence_mentions.append(Mention(span.start, span.end, entry[2]))
            mentions.append(sentence_mentions)
        return mentions

    def _relations(
        self, bounds: List[Tuple[int, int]], mentions: Optional[List[List[Mention]]]
    ) -> List[List[Relation]]:
        layer = self._per_sentence("relations", len(bounds))
        relations = []
        for index, (entries, (low, high)) in enumerate(zip(layer, bounds)):
            # The entity type of each mention span: the first mention listed, where several
            # mentions type a span differently, so that one relation stays one relation.
            type_of_span: Dict[Span, Optional[str]] = {}
            for mention in mentions[index] if mentions else []:
                type_of_span.setdefault(mention.span, mention.label)
            sentence_relations = []
            for entry in entries:
                what = f"relation {entry!r} of sentence {index}"
                if not (isinstance(entry, list) and len(entry) == 5 and isinstance(entry[4], str)):
                    raise self.error(
                        f"{what} is not [head_start, head_end, tail_start, tail_end, label]."
                    )
                head = self._check_span(entry[0], entry[1], low, high, f"{what}: head", "sentence")
                tail = self._check_span(entry[2], entry[3], low, high, f"{what}: tail", "sentence")
                for role, argument in (("head", head), ("tail", tail)):
                    if argument not in type_of_span:
                        raise self.error(
                            f"{what}: its {role} argument {list(argument)} is not a mention "
                            f"('ner' entry) of the sentence."
                        )
                sentence_relations.append(
                    Relation(
                        Mention(head.start, head.end, type_of_span[head]),
                        Mention(tail.start, tail.end, type_of_span[tail]),
                        entry[4],
                    )
                )
            relations.append(sentence_relations)
        return relations

    def _clusters(self, num_tokens: int) -> List[Cluster]:
        layer = self.data["clusters"]
        if not isinstance(layer, list):
            raise self.error("'clusters' must be a list of clusters.")
        clusters = []
        for index, entries in enumerate(layer):
            if entries == []:
                # DyGIE++ writes them (e.g. for documents without coreference); they link nothing.
                self.counts["empty_clusters"] += 1
                continue
            if not isinstance(entries, list):
                raise self.error(f"cluster {index} must be a list of [start, end].")
            cluster = []
            for entry in entries:
                what = f"mention {entry!r} of cluster {index}"
                if not (isinstance(entry, list) and len(entry) == 2):
                    raise self.error(f"{what} is not [start, end].")
                cluster.append(
                    self._check_span(entry[0], entry[1], 0, num_tokens - 1, what, "document")
                )
            clusters.append(cluster)
        return clusters


def _sentence_bounds(sentences: List[List[str]]) -> List[Tuple[int, int]]:
    """The (first, last) document offsets of the tokens of each sentence."""
    bounds = []
    position = 0
    for sentence in sentences:
        bounds.append((position, position + len(sentence) - 1))
        position += len(sentence)
    return bounds
