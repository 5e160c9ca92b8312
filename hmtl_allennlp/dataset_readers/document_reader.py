"""
What the OntoNotes and DyGIE JSON readers share: the gold document they parse a file into, and
the making of sentence-level (tagging, relations) and document-level (coreference) instances
from it, with the gold annotations kept whole in `metadata`.
"""

import logging
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, cast

from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import cached_path
from allennlp.data.dataset_readers import MultiTaskDatasetReader
from allennlp.data.dataset_readers.dataset_reader import DatasetReader
from allennlp.data.fields import Field, MetadataField, MultiLabelField, TextField
from allennlp.data.instance import Instance
from allennlp.data.token_indexers import SingleIdTokenIndexer, TokenIndexer
from allennlp.data.tokenizers import Token
from allennlp_models.coref.util import make_coref_instance

from hmtl_allennlp.common.documents import Cluster, GoldDocument, Mention, to_instance
from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.common.levels import COREFERENCE, KINDS, RELATIONS, TAGGING, default_kind
from hmtl_allennlp.common.spans import flatten_spans, spans_to_bioul_tags
from hmtl_allennlp.dataset_readers.fields import (
    BioulTagsField,
    MultiLabelAdjacencyField,
    RelationLabelsField,
)

logger = logging.getLogger(__name__)

# What a token's text is cut to for the indexers (as ELMo's character indexer cuts tokens): a
# character encoder pads every token of a batch to the longest one, so that one rogue token of
# 10,000 characters would otherwise cost 10,000 character positions for every token of its batch.
MAX_TOKEN_CHARACTERS = 50

LABEL_ENCODINGS = ("BIOUL", "plain")


def indexed_tokens(words: Sequence[str], max_token_characters: int) -> List[Token]:
    """
    The tokens of a `TextField` for `words`: each cut at `max_token_characters` characters
    (metadata and outputs keep the words whole).
    """
    return [Token(word[:max_token_characters]) for word in words]


@dataclass
class DocumentText:
    """
    The raw lines of one document of a file, not parsed yet, so that a worker skips parsing the
    documents of other workers' shards.
    """

    path: str
    lines: List[Tuple[int, str]]
    """(1-based line number, line text without its line break)"""


class _FileStatistics:
    """What one file gave, and what the model-side encodings could not represent."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.skipped_reasons: List[str] = []

    def log(self, path: str, task: str, kind: str, max_span_width: int, plain_labels: bool) -> None:
        counts = self.counts
        parts = [f"{counts['documents']} documents, {counts['instances']} {task} instances"]
        if self.skipped_reasons:
            parts.append(f"{len(self.skipped_reasons)} invalid documents skipped")
        if counts["documents_with_invalid_relations"]:
            parts.append(
                f"{counts['documents_with_invalid_relations']} documents read without their "
                "relations, which are invalid (the relation task rejects these documents)"
            )
        if counts["empty_clusters"]:
            parts.append(f"{counts['empty_clusters']} empty coreference clusters dropped")
        if kind == TAGGING and plain_labels:
            parts.append(
                f"{counts['tag_spans_dropped']} of {counts['tag_spans']} gold spans cannot be "
                "represented in plain labels (wider than a token, or a token's second one): "
                "they stay in metadata gold_mentions and count as missed"
            )
        elif kind == TAGGING:
            parts.append(
                f"{counts['tag_spans_dropped']} of {counts['tag_spans']} gold spans cannot be "
                "represented in BIOUL tags (nested, overlapping or repeated; flattened by keeping "
                "the longest outer span, ties -> earliest start): they stay in metadata "
                "gold_mentions and count as missed"
            )
        if kind == RELATIONS and "relations_merged" in counts:
            # Counted only by readers that make the adjacency target.
            parts.append(
                f"{counts['relations_merged']} of {counts['relations']} gold relations share "
                "(last head token, last tail token, label) with another one and are merged in "
                "the adjacency target"
            )
        if kind == COREFERENCE:
            parts.append(
                f"{counts['cluster_mentions_not_candidates']} of {counts['cluster_mentions']} "
                "gold cluster mentions are not candidate spans (they cross a sentence boundary "
                f"or are wider than {max_span_width} tokens) and cannot be predicted"
            )
            if counts["segmented_documents"]:
                parts.append(
                    f"{counts['segmented_documents']} documents split into "
                    f"{counts['segments']} segments; {counts['links_lost']} of "
                    f"{counts['links']} coreference links (MUC links) cross segments and are "
                    f"lost, {counts['mentions_lost']} mentions left their cluster"
                )
        logger.info("Read %s: %s.", path, "; ".join(parts))
        if self.skipped_reasons:
            logger.warning(
                "Skipped %d invalid documents of %s:\n%s",
                len(self.skipped_reasons),
                path,
                "\n".join(self.skipped_reasons),
            )


class GoldDocumentReader(DatasetReader):
    """
    The base of the HMTL readers: a subclass splits a file into documents (`_document_texts`)
    and parses one (`_parse_document`); this class shards the documents across workers, makes
    the instances of the reader's `kind` for its `task` (the name of the model's level that
    reads them), and logs what each file gave.

    Every instance has `tokens` (a `TextField` of the tokens as written), `task` (a
    `MetadataField` with the task name) and `metadata`, a `MetadataField` of the dict that
    `GoldDocument.sentence_metadata` (or `segment_metadata`, for coreference) makes: `doc_key`,
    `sentence_index` (`None` for coreference), `tokens`, `token_offset` (the document offset of
    the instance's first token),
    `sentence_lengths`, and the gold annotations of the instance's text as the file has them, in
    document offsets (`hmtl_allennlp.common.documents`): `gold_mentions` (`Mention`s),
    `gold_relations` (`Relation`s, their arguments typed as the sentence's mentions) and
    `gold_clusters` (lists of `Span`s). Character offsets
    of the tokens, joined by single spaces, come from
    `hmtl_allennlp.common.spans.token_character_offsets(metadata["tokens"])`.

    Task fields of each kind, present when the file has the annotation layer:

    - "tagging" (one instance per sentence): `tags`, a `BioulTagsField` (a
      `SequenceLabelField`) in `tag_namespace`, of the `gold_mentions` in `label_encoding`.
      BIOUL: nested, overlapping or repeated spans cannot all be tagged: spans are taken from
      the longest to the shortest (ties: earliest start, then file order) and a span
      overlapping one already taken is dropped from the tags. Plain: each token has the label
      of the one-token mention on it, "O" where there is none, and wider mentions are dropped.
      A dropped span stays in `gold_mentions`, so evaluation counts it as missed; each file's
      count of dropped spans is logged.
    - "relations" (one instance per sentence, sentences without relations included):
      `relation_labels`, a `RelationLabelsField` of the labels of its relations in
      `relation_label_namespace` (the relations themselves are `gold_relations`); with
      `relation_adjacency`, also `relations`, a `MultiLabelAdjacencyField` with an edge from
      the last token of the head argument to the last token of the tail argument.
      `gold_mentions` holds the sentence's mentions, so that a model can take gold arguments,
      and `mention_types`, a `MultiLabelField` of their entity types in namespace
      "mention_types" (through which the vocabulary learns the types that a relation head embeds).
    - "coreference" (one instance per document, or per segment, see `max_document_tokens`):
      `spans`, the
      candidate spans (within a sentence, at most `max_span_width` tokens), and `span_labels`,
      the gold cluster id of each candidate or -1, as made by
      `allennlp_models.coref.util.make_coref_instance`. `gold_mentions` holds the mentions of
      the document (for data without typed mentions, the mentions of its clusters, labelled
      "mention").

    # Parameters

    task : `str`
        The name of the level whose instances these are: their `task` field, and the default
        label namespaces.
    kind : `str`, optional (default = `None`)
        Which instances to make: "tagging", "relations" or "coreference"; the subclass says
        which kinds it supports. `None` takes the kind of the task's name among HMTL's
        levels ("ner" and "emd": tagging, "relation": relations, "coref": coreference), so
        that a level of another name needs its kind.
    token_indexers : `Dict[str, TokenIndexer]`, optional
        How to index the tokens (default: `{"tokens": SingleIdTokenIndexer()}`).
    tag_namespace : `str`, optional (default = `f"{task}_tags"`)
        The label namespace of `tags` (that of the tagging head of the level, by default).
    label_encoding : `str`, optional (default = `"BIOUL"`)
        How `tags` encode the gold mentions: "BIOUL" (typed spans) or "plain" (one label per
        token, for one-token mentions such as part-of-speech tags).
    relation_label_namespace : `str`, optional (default = `f"{task}_labels"`)
        The label namespace of `relations` (that of the relation head of the level, by
        default).
    relation_adjacency : `bool`, optional (default = `False`)
        Relation instances only: whether they have `relations`, the dense tokens x tokens x
        labels target that the "multi_head_selection" head trains on (set it for a level with
        that head; the template does). Other relation heads build their targets from
        `gold_relations`, and the field costs memory in the square of the sentence length.
    max_span_width : `int`, optional (default = `8`)
        The widest candidate span of coref instances, in tokens.
    max_document_tokens : `int`, optional (default = `None`)
        Coref instances only. A document longer than this is split, at sentence boundaries, into
        segments of at most this many tokens (a single longer sentence makes a segment of its
        own), each a separate instance whose gold clusters are restricted to it (mentions
        outside it dropped, clusters left with one mention dropped unless the file had them as
        singletons); the links lost are counted and logged. `None` keeps every document whole:
        the coreference model's memory grows with the number of candidate spans (about
        `max_span_width` per token) times the antecedents each keeps, so very long documents
        may need this on a small machine.
    remove_singleton_clusters : `bool`, optional (default = `True`)
        Coref instances only: whether clusters of one mention are left out of `span_labels`
        (as in Lee et al. 2017). `gold_clusters` in metadata always keeps them.
    skip_invalid_documents : `bool`, optional (default = `False`)
        When `True`, a malformed document is skipped (each one is counted and logged with the
        reason) instead of raising `DataFormatError`. Problems of a whole file (missing, empty,
        not UTF-8, not one JSON object per line) always raise.
    max_token_characters : `int`, optional (default = `50`)
        The token indexers see at most this many characters of a token (its first ones;
        `metadata["tokens"]` keeps it whole). A character encoder pads every token of a batch
        to the longest one, so this bounds its cost per token (ELMo's character indexer cuts
        tokens at 50 characters too). The "hmtl" predictor cuts tokens the same way.
    **kwargs
        Passed to `DatasetReader` (e.g. `max_instances`). Reading is sharded by document across
        distributed workers and data loader workers.
    """

    supported_kinds: Tuple[str, ...] = ()
    data_file_description = "data"

    def __init__(
        self,
        task: str,
        kind: Optional[str] = None,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        tag_namespace: Optional[str] = None,
        label_encoding: str = "BIOUL",
        relation_label_namespace: Optional[str] = None,
        relation_adjacency: bool = False,
        max_span_width: int = 8,
        max_document_tokens: Optional[int] = None,
        remove_singleton_clusters: bool = True,
        skip_invalid_documents: bool = False,
        max_token_characters: int = MAX_TOKEN_CHARACTERS,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            manual_distributed_sharding=True, manual_multiprocess_sharding=True, **kwargs
        )
        chosen_kind = default_kind(task, kind)
        if chosen_kind is None:
            raise ConfigurationError(
                f"{type(self).__name__} of task {task!r}: give its kind (one of "
                f"{', '.join(KINDS)}); only HMTL's level names imply one."
            )
        if chosen_kind not in self.supported_kinds:
            raise ConfigurationError(
                f"{type(self).__name__} makes instances of the kinds "
                f"{', '.join(self.supported_kinds)}; got kind {chosen_kind!r} (task {task!r})."
            )
        if label_encoding not in LABEL_ENCODINGS:
            raise ConfigurationError(
                f"label_encoding must be one of {', '.join(LABEL_ENCODINGS)}, got "
                f"{label_encoding!r}."
            )
        if relation_adjacency and chosen_kind != RELATIONS:
            raise ConfigurationError(
                f"{type(self).__name__} of task {task!r}: relation_adjacency is an option of "
                f"relation instances, not of kind {chosen_kind!r}."
            )
        if max_span_width < 1:
            raise ConfigurationError(f"max_span_width must be at least 1, got {max_span_width}.")
        if max_document_tokens is not None and max_document_tokens < 1:
            raise ConfigurationError(
                f"max_document_tokens must be at least 1 or None, got {max_document_tokens}."
            )
        if isinstance(max_token_characters, bool) or not isinstance(max_token_characters, int):
            raise ConfigurationError(
                f"max_token_characters must be an integer, got {max_token_characters!r}."
            )
        if max_token_characters < 1:
            raise ConfigurationError(
                f"max_token_characters must be at least 1, got {max_token_characters}."
            )
        self.task = task
        self.kind = chosen_kind
        self._max_token_characters = max_token_characters
        self._token_indexers = token_indexers or {"tokens": SingleIdTokenIndexer()}
        self._tag_namespace = tag_namespace or f"{task}_tags"
        self._plain_labels = label_encoding == "plain"
        self._relation_label_namespace = relation_label_namespace or f"{task}_labels"
        self._relation_adjacency = relation_adjacency
        self._max_span_width = max_span_width
        self._max_document_tokens = max_document_tokens
        self._remove_singleton_clusters = remove_singleton_clusters
        self._skip_invalid_documents = skip_invalid_documents

    # Reading files.

    def _read(self, file_path: str) -> Iterator[Instance]:
        paths = self._data_files(str(file_path))
        documents = (text for path in paths for text in self._document_texts(path))
        statistics = _FileStatistics()
        current_path: Optional[str] = None
        for text in self.shard_iterable(documents):
            if text.path != current_path:
                if current_path is not None:
                    statistics.log(
                        current_path, self.task, self.kind, self._max_span_width, self._plain_labels
                    )
                    self._check_clusters(current_path, statistics)
                statistics, current_path = _FileStatistics(), text.path
            try:
                document = self._parse_document(text, statistics.counts)
            except DataFormatError as error:
                if not self._skip_invalid_documents:
                    raise
                statistics.skipped_reasons.append(str(error))
                continue
            statistics.counts["documents"] += 1
            for instance in self._document_instances(document, statistics):
                statistics.counts["instances"] += 1
                yield instance
        if current_path is not None:
            statistics.log(
                current_path, self.task, self.kind, self._max_span_width, self._plain_labels
            )
            self._check_clusters(current_path, statistics)

    def _check_clusters(self, path: str, statistics: _FileStatistics) -> None:
        """
        Raises `DataFormatError` if the file `path` has a coreference layer (a CoNLL-2012 file,
        or DyGIE JSON with `clusters`) but no gold cluster in it at all: a coreference level
        learns nothing from such a file, and its scores stay at 0 after hours of training. It is
        the mistake of reading coreference from a corpus that does not annotate it, such as
        CoNLL04, whose `clusters` are all empty. (DyGIE JSON without `clusters` is text without
        gold labels, read as such.) Checked when the whole file was read here, not in a shard
        of it, which may hold only documents without clusters.
        """
        counts = statistics.counts
        if self.kind != COREFERENCE or not counts["annotated_instances"] or counts["gold_clusters"]:
            return
        worker, distributed = self.get_worker_info(), self.get_distributed_info()
        if (worker is not None and worker.num_workers > 1) or (
            distributed is not None and distributed.world_size > 1
        ):
            return
        raise DataFormatError(
            f"{path}: none of its {counts['documents']} documents has a coreference cluster "
            f"for the {self.task} level to learn from: this file does not annotate "
            "coreference; read this level's data from a corpus that does."
        )

    def read_documents(self, file_path: str) -> Iterator[GoldDocument]:
        """
        The gold documents at `file_path`, parsed and checked as for `read` but without making
        instances and without sharding (e.g. to write or score the gold annotations).
        Malformed documents raise `DataFormatError`, or are skipped (with a warning) when
        `skip_invalid_documents` is set. What `read` would count (e.g. dropped empty clusters) is
        not logged.
        """
        for path in self._data_files(str(file_path)):
            for text in self._document_texts(path):
                try:
                    yield self._parse_document(text, Counter())
                except DataFormatError as error:
                    if not self._skip_invalid_documents:
                        raise
                    logger.warning("Skipped an invalid document: %s", error)

    def _data_files(self, file_path: str) -> List[str]:
        """The data files at `file_path` (a file, or a directory walked recursively, sorted)."""
        if "://" in file_path:
            file_path = cached_path(file_path)
        if not os.path.exists(file_path):
            raise DataFormatError(f"{file_path}: no such file or directory.")
        if not os.path.isdir(file_path):
            return [file_path]
        paths = []
        for root, directories, files in os.walk(file_path):
            directories.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                if self._is_data_file(os.path.relpath(path, file_path)):
                    paths.append(path)
        if not paths:
            raise DataFormatError(
                f"{file_path}: the directory holds no {self.data_file_description} file."
            )
        return paths

    @property
    def token_indexers(self) -> Dict[str, TokenIndexer]:
        """How the reader indexes tokens (the predictor builds its instances the same way)."""
        return self._token_indexers

    @property
    def max_token_characters(self) -> int:
        """How many characters of a token the indexers see at most."""
        return self._max_token_characters

    @property
    def max_document_tokens(self) -> Optional[int]:
        """The longest coreference instance, in tokens (`None`: whole documents)."""
        return self._max_document_tokens

    @property
    def max_span_width(self) -> int:
        """The widest coreference candidate span, in tokens."""
        return self._max_span_width

    def reads(self, file_path: str) -> bool:
        """
        Whether `file_path` is data of this reader's format: a file it would pick when walking a
        directory, or a directory holding one. The "hmtl_multitask" data loader asks this to
        send a plain path (e.g. from `allennlp evaluate`) to the tasks that can read it.
        """
        if os.path.isdir(file_path):
            return any(
                self._is_data_file(os.path.relpath(os.path.join(root, name), file_path))
                for root, _, files in os.walk(file_path)
                for name in files
            )
        return self._is_data_file(os.path.basename(file_path))

    def _is_data_file(self, relative_path: str) -> bool:
        """Whether a file found when walking a directory is one to read."""
        raise NotImplementedError

    def _document_texts(self, path: str) -> Iterator[DocumentText]:
        """The documents of a file, not parsed yet; raises `DataFormatError` on an empty file."""
        raise NotImplementedError

    def _parse_document(self, text: DocumentText, counts: Counter) -> GoldDocument:
        """
        Parses and checks one document; raises `DataFormatError` when it is malformed. What it
        drops or ignores of a document that is read goes to `counts` (logged per file).
        """
        raise NotImplementedError

    @staticmethod
    def _decoded_lines(path: str) -> Iterator[Tuple[int, str]]:
        """(1-based line number, text without line break) of a UTF-8 file; checks the encoding."""
        with open(path, "rb") as data_file:
            for line_number, raw_line in enumerate(data_file, start=1):
                try:
                    line = raw_line.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise DataFormatError(
                        f"{path}, line {line_number}: the file is not valid UTF-8 ({error})."
                    ) from None
                if line_number == 1 and line.startswith("\ufeff"):
                    line = line[1:]
                yield line_number, line.rstrip("\r\n")

    # Making instances.

    def prediction_instances(
        self,
        document: GoldDocument,
        task: str,
        max_document_tokens: Optional[int] = None,
    ) -> List[Instance]:
        """
        The instances that `read` makes of `document` for the reader's task, without the gold
        label fields (tags, relation targets, coreference span labels), and with `task` as
        their task field (the model's prediction tasks run several levels on one instance).
        Coreference instances are the document's segments of at most `max_document_tokens` tokens
        (default: the reader's `max_document_tokens`).
        """
        if self.kind != COREFERENCE:
            return [
                self._sentence_instance(document, index, task=task, with_gold_labels=False)
                for index in range(len(document.sentences))
            ]
        segments = document.segments(max_document_tokens or self._max_document_tokens)
        return [
            self._coref_instance(document, first, stop, task=task, with_gold_labels=False)
            for first, stop in segments
        ]

    def text_to_instance(
        self, document: GoldDocument, sentence_index: Optional[int] = None
    ) -> Instance:
        """
        The instance of the reader's task for sentence `sentence_index` of `document` (sentence
        kinds), or for the whole `document` (coreference; `max_document_tokens` does not apply).
        """
        if self.kind != COREFERENCE:
            if sentence_index is None:
                raise ConfigurationError(f"Task {self.task!r} needs a sentence_index.")
            return self._sentence_instance(
                document, sentence_index, task=self.task, with_gold_labels=True
            )
        return self._coref_instance(
            document, 0, len(document.sentences), task=self.task, with_gold_labels=True
        )

    def _document_instances(
        self, document: GoldDocument, statistics: _FileStatistics
    ) -> Iterator[Instance]:
        if self.kind != COREFERENCE:
            for sentence_index in range(len(document.sentences)):
                yield self._sentence_instance(
                    document,
                    sentence_index,
                    task=self.task,
                    with_gold_labels=True,
                    statistics=statistics,
                )
            return
        segments = document.segments(self._max_document_tokens)
        if len(segments) > 1:
            self._count_segmentation(document, segments, statistics)
        for first, stop in segments:
            yield self._coref_instance(
                document, first, stop, task=self.task, with_gold_labels=True, statistics=statistics
            )

    @staticmethod
    def _count_segmentation(
        document: GoldDocument, segments: List[Tuple[int, int]], statistics: _FileStatistics
    ) -> None:
        """Counts the coreference links and mentions that segmenting `document` loses."""
        statistics.counts["segmented_documents"] += 1
        statistics.counts["segments"] += len(segments)
        if document.clusters is None:
            return
        offsets = document.sentence_offsets()
        segment_clusters = [
            cluster
            for first, stop in segments
            for cluster in document.restricted_clusters(offsets[first], offsets[stop] - 1)
        ]
        links_before = sum(len(cluster) - 1 for cluster in document.clusters)
        links_after = sum(len(cluster) - 1 for cluster in segment_clusters)
        statistics.counts["links"] += links_before
        statistics.counts["links_lost"] += links_before - links_after
        statistics.counts["mentions_lost"] += sum(map(len, document.clusters)) - sum(
            map(len, segment_clusters)
        )

    def _sentence_instance(
        self,
        document: GoldDocument,
        sentence_index: int,
        *,
        task: str,
        with_gold_labels: bool,
        statistics: Optional[_FileStatistics] = None,
    ) -> Instance:
        """
        The instance of one sentence, of task `task`, with the gold label fields of the
        reader's kind when `with_gold_labels` (what they drop is counted in `statistics`).
        """
        counts = statistics.counts if statistics is not None else Counter()
        metadata = document.sentence_metadata(sentence_index)
        words = metadata["tokens"]
        text_field = TextField(
            indexed_tokens(words, self._max_token_characters), self._token_indexers
        )
        fields: Dict[str, Field] = {"tokens": text_field, "task": MetadataField(task)}
        if with_gold_labels and self.kind == TAGGING and document.mentions is not None:
            mentions = to_instance(metadata["gold_mentions"], metadata)
            if self._plain_labels:
                tags, dropped = _plain_tags(len(words), mentions)
            else:
                kept, dropped = flatten_spans(mentions)
                tags = spans_to_bioul_tags(len(words), kept)
            counts["tag_spans"] += len(mentions)
            counts["tag_spans_dropped"] += len(dropped)
            fields["tags"] = BioulTagsField(tags, text_field, self._tag_namespace)
        if with_gold_labels and self.kind == RELATIONS and document.relations is not None:
            edges = [
                (relation.head.end, relation.tail.end, relation.label)
                for relation in to_instance(metadata["gold_relations"], metadata)
            ]
            counts["relations"] += len(edges)
            fields["relation_labels"] = RelationLabelsField(
                [label for _, _, label in edges], self._relation_label_namespace
            )
            if self._relation_adjacency:
                counts["relations_merged"] += len(edges) - len(set(edges))
                fields["relations"] = MultiLabelAdjacencyField(
                    edges, text_field, self._relation_label_namespace
                )
            # Fills the vocabulary of the arguments' entity types (relation heads embed them).
            fields["mention_types"] = MultiLabelField(
                sorted({mention.label for mention in metadata["gold_mentions"]}),
                label_namespace="mention_types",
            )
        fields["metadata"] = MetadataField(metadata)
        return Instance(fields)

    def _coref_instance(
        self,
        document: GoldDocument,
        first_sentence: int,
        stop_sentence: int,
        *,
        task: str,
        with_gold_labels: bool,
        statistics: Optional[_FileStatistics] = None,
    ) -> Instance:
        """
        The coreference instance of sentences [first_sentence, stop_sentence) of a document, of
        task `task`, with the gold span labels when `with_gold_labels` (gold mentions that are
        not candidates are counted in `statistics`).
        """
        metadata = document.segment_metadata(first_sentence, stop_sentence)
        sentences = document.sentences[first_sentence:stop_sentence]
        local_clusters = None
        if with_gold_labels and document.clusters is not None:
            local_clusters = [
                to_instance(cluster, metadata) for cluster in metadata["gold_clusters"]
            ]
            if statistics is not None:
                self._count_non_candidates(local_clusters, sentences, statistics)
                statistics.counts["annotated_instances"] += 1
                statistics.counts["gold_clusters"] += len(local_clusters)
        coref_instance = make_coref_instance(
            sentences,
            self._token_indexers,
            self._max_span_width,
            gold_clusters=local_clusters,
            remove_singleton_clusters=self._remove_singleton_clusters,
        )
        text_field = coref_instance.fields["text"]
        # make_coref_instance rewrites the OntoNotes escapes "/." and "/?"; every task keeps the
        # tokens as written, so that all tasks see the same text.
        text_field.tokens = indexed_tokens(metadata["tokens"], self._max_token_characters)
        fields: Dict[str, Field] = {
            "tokens": text_field,
            "task": MetadataField(task),
            "spans": coref_instance.fields["spans"],
        }
        if "span_labels" in coref_instance.fields:
            fields["span_labels"] = coref_instance.fields["span_labels"]
        fields["metadata"] = MetadataField(metadata)
        return Instance(fields)

    def _count_non_candidates(
        self,
        local_clusters: List[Cluster],
        sentences: Sequence[List[str]],
        statistics: _FileStatistics,
    ) -> None:
        sentence_of_token = [
            index for index, sentence in enumerate(sentences) for _ in range(len(sentence))
        ]
        for cluster in local_clusters:
            for span in cluster:
                statistics.counts["cluster_mentions"] += 1
                if (
                    span.end - span.start + 1 > self._max_span_width
                    or sentence_of_token[span.start] != sentence_of_token[span.end]
                ):
                    statistics.counts["cluster_mentions_not_candidates"] += 1


def _plain_tags(num_tokens: int, mentions: List[Mention]) -> Tuple[List[str], List[Mention]]:
    """
    The label of each token (that of the first one-token mention on it, "O" where there is
    none), and the mentions that the labels leave out (wider, or a token's second one).
    """
    tags = ["O"] * num_tokens
    dropped = []
    for mention in mentions:
        if mention.start == mention.end and tags[mention.start] == "O" and mention.label:
            tags[mention.start] = mention.label
        else:
            dropped.append(mention)
    return tags, dropped


def metadata_of(instance: Instance) -> Dict[str, Any]:
    """The `metadata` dict of an instance that an HMTL reader made."""
    return cast(MetadataField, instance["metadata"]).metadata


def task_readers(dataset_reader: DatasetReader) -> Dict[str, GoldDocumentReader]:
    """
    {task: reader} of the HMTL readers in an archive's dataset reader: the readers of a
    "multitask" reader, or the reader itself. Raises `ConfigurationError` when there is none.
    """
    if isinstance(dataset_reader, MultiTaskDatasetReader):
        # The multitask reader wraps each reader in a shim that keeps it as `inner`.
        readers = [shim.inner for shim in dataset_reader.readers.values()]
    else:
        readers = [dataset_reader]
    found = {reader.task: reader for reader in readers if isinstance(reader, GoldDocumentReader)}
    if not found:
        raise ConfigurationError(
            "The archive's dataset reader is not an hmtl reader ('hmtl_ontonotes', "
            f"'hmtl_ace05') or a multitask reader of them; it is {type(dataset_reader).__name__}."
        )
    return found
