"""
Documents, and the annotations in them, as every part of the package sees them: the readers
parse files into `GoldDocument`s, the heads and metrics take and give `Mention`s, `Relation`s
and clusters of `Span`s, and the predictor and commands put instance-level outputs back into
document offsets with the same helpers.

Offsets are token indices with inclusive ends. A document's annotations are in document
offsets (counted over all its sentences); an instance (a sentence, or a document segment for
coreference) has `token_offset`, the document offset of its first token, in its metadata, and
its heads work in instance offsets: `to_instance` and `to_document` convert.
"""

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

COREF_MENTION_LABEL = "mention"
"""The label of gold mentions derived from coreference clusters (data without typed mentions)."""


class Span(NamedTuple):
    """A span of tokens, `end` inclusive: a coreference mention."""

    start: int
    end: int

    def shifted(self, offset: int) -> "Span":
        return Span(self.start + offset, self.end + offset)


class Mention(NamedTuple):
    """
    A labelled span of tokens, `end` inclusive: a named entity or an entity mention. `label`
    is `None` for a relation argument whose entity type is unknown.
    """

    start: int
    end: int
    label: Optional[str]

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    def shifted(self, offset: int) -> "Mention":
        return Mention(self.start + offset, self.end + offset, self.label)


class Relation(NamedTuple):
    """
    A directed relation between two mentions (each with its entity type, or `None` where it is
    unknown). `score` is the model's probability of a predicted relation, `None` for gold ones.
    """

    head: Mention
    tail: Mention
    label: str
    score: Optional[float] = None

    def shifted(self, offset: int) -> "Relation":
        return self._replace(head=self.head.shifted(offset), tail=self.tail.shifted(offset))


Cluster = List[Span]
"""A coreference cluster: the spans of its mentions."""


def as_mention(value: Sequence[Any]) -> Mention:
    """A `Mention` of a (start, end, label) sequence (metadata that went through JSON)."""
    start, end, label = value
    return Mention(int(start), int(end), None if label is None else str(label))


def as_relation(value: Sequence[Any]) -> Relation:
    """A `Relation` of a (head, tail, label[, score]) sequence (metadata that went through JSON)."""
    head, tail, label, *score = value
    return Relation(as_mention(head), as_mention(tail), str(label), *score)


def as_span(value: Sequence[Any]) -> Span:
    """A `Span` of a (start, end) sequence."""
    start, end = value
    return Span(int(start), int(end))


@dataclass
class GoldDocument:
    """
    One document as the file has it, in document offsets. An annotation layer the file does not
    have is `None` (an empty list means the file has the layer and it is empty).

    # Parameters

    doc_key : `str`
        The document's identifier.
    sentences : `List[List[str]]`
        The tokens of each sentence, as written.
    mentions : `List[List[Mention]]`, optional (default = `None`)
        The labelled spans of each sentence (NER spans or entity mentions).
    relations : `List[List[Relation]]`, optional (default = `None`)
        The relations of each sentence, their arguments typed as the sentence's mentions of the
        same span (the first one listed, where several are).
    clusters : `List[Cluster]`, optional (default = `None`)
        The coreference clusters of the document.
    """

    doc_key: Optional[str]
    sentences: List[List[str]]
    mentions: Optional[List[List[Mention]]] = None
    relations: Optional[List[List[Relation]]] = None
    clusters: Optional[List[Cluster]] = None

    def sentence_offsets(self) -> List[int]:
        """The document offset of the first token of each sentence, and the document's length."""
        offsets = [0]
        for sentence in self.sentences:
            offsets.append(offsets[-1] + len(sentence))
        return offsets

    def segments(self, max_tokens: Optional[int]) -> List[Tuple[int, int]]:
        """
        [first, stop) sentence ranges of at most `max_tokens` tokens each, cut at sentence
        boundaries (a longer sentence makes a segment of its own); the whole document when
        `max_tokens` is `None`.
        """
        if max_tokens is None:
            return [(0, len(self.sentences))]
        segments = []
        first = 0
        num_tokens = 0
        for index, sentence in enumerate(self.sentences):
            if index > first and num_tokens + len(sentence) > max_tokens:
                segments.append((first, index))
                first, num_tokens = index, 0
            num_tokens += len(sentence)
        segments.append((first, len(self.sentences)))
        return segments

    def restricted_clusters(self, start: int, end: int) -> List[Cluster]:
        """
        The parts of the clusters inside tokens `start`..`end` (inclusive) that still link
        mentions: a cluster left with one mention is dropped, unless it had only that one.
        """
        restricted = []
        for cluster in self.clusters or []:
            inside = [span for span in cluster if start <= span.start and span.end <= end]
            if len(inside) > 1 or (len(inside) == 1 and len(cluster) == 1):
                restricted.append(inside)
        return restricted

    def split_sentences(self, max_tokens: int) -> "GoldDocument":
        """
        The document with every sentence longer than `max_tokens` split into pieces of at most
        that many tokens and of equal lengths (itself when no sentence is that long). A
        mention or relation that crosses pieces is dropped; offsets do not change.
        """
        if all(len(sentence) <= max_tokens for sentence in self.sentences):
            return self
        sentences: List[List[str]] = []
        mentions: List[List[Mention]] = []
        relations: List[List[Relation]] = []
        for index, (sentence, offset) in enumerate(zip(self.sentences, self.sentence_offsets())):
            num_pieces = -(-len(sentence) // max_tokens)
            bounds = [len(sentence) * piece // num_pieces for piece in range(num_pieces + 1)]
            for start, stop in zip(bounds, bounds[1:]):
                sentences.append(sentence[start:stop])
                piece = Span(offset + start, offset + stop - 1)
                mentions.append([m for m in _layer(self.mentions, index) if _within(m, piece)])
                relations.append(
                    [
                        relation
                        for relation in _layer(self.relations, index)
                        if _within(relation.head, piece) and _within(relation.tail, piece)
                    ]
                )
        return GoldDocument(
            self.doc_key,
            sentences,
            mentions if self.mentions is not None else None,
            relations if self.relations is not None else None,
            self.clusters,
        )

    def sentence_metadata(self, sentence_index: int) -> Dict[str, Any]:
        """
        The `metadata` of the instance of one sentence (see `GoldDocumentReader`): its tokens,
        offsets, mentions and relations, in document offsets.
        """
        return self._metadata(
            sentence_index,
            sentence_index + 1,
            sentence_index=sentence_index,
            mentions=list(_layer(self.mentions, sentence_index)),
            relations=list(_layer(self.relations, sentence_index)),
            clusters=[],
        )

    def segment_metadata(self, first_sentence: int, stop_sentence: int) -> Dict[str, Any]:
        """
        The `metadata` of the coreference instance of sentences [first_sentence,
        stop_sentence): their tokens and offsets, their mentions (for data without typed
        mentions, those of the clusters, labelled `COREF_MENTION_LABEL`) and the document's
        clusters restricted to them, in document offsets.
        """
        offsets = self.sentence_offsets()
        whole = first_sentence == 0 and stop_sentence == len(self.sentences)
        clusters = (
            [list(cluster) for cluster in self.clusters or []]
            if whole
            else self.restricted_clusters(offsets[first_sentence], offsets[stop_sentence] - 1)
        )
        if self.mentions is not None:
            mentions = [
                mention
                for index in range(first_sentence, stop_sentence)
                for mention in self.mentions[index]
            ]
        else:
            # Data without typed mentions: the mentions of the clusters.
            mentions = sorted(
                {
                    Mention(span.start, span.end, COREF_MENTION_LABEL)
                    for cluster in clusters
                    for span in cluster
                }
            )
        return self._metadata(
            first_sentence,
            stop_sentence,
            sentence_index=None,
            mentions=mentions,
            relations=[],
            clusters=clusters,
        )

    def _metadata(
        self,
        first_sentence: int,
        stop_sentence: int,
        *,
        sentence_index: Optional[int],
        mentions: List[Mention],
        relations: List[Relation],
        clusters: List[Cluster],
    ) -> Dict[str, Any]:
        sentences = self.sentences[first_sentence:stop_sentence]
        return {
            "doc_key": self.doc_key,
            "sentence_index": sentence_index,
            "tokens": [word for sentence in sentences for word in sentence],
            "token_offset": self.sentence_offsets()[first_sentence],
            "sentence_lengths": [len(sentence) for sentence in sentences],
            "gold_mentions": mentions,
            "gold_relations": relations,
            "gold_clusters": clusters,
        }


def to_instance(annotations: Iterable[Any], metadata: Dict[str, Any]) -> List[Any]:
    """Mentions, relations or spans of an instance's metadata, in the instance's offsets."""
    return [annotation.shifted(-metadata["token_offset"]) for annotation in annotations]


def to_document(annotations: Iterable[Any], metadata: Dict[str, Any]) -> List[Any]:
    """Mentions, relations or spans predicted for an instance, in its document's offsets."""
    return [annotation.shifted(metadata["token_offset"]) for annotation in annotations]


def _layer(layer: Optional[List[List[Any]]], sentence_index: int) -> List[Any]:
    """The annotations of one sentence of a per-sentence layer (none if the layer is absent)."""
    return layer[sentence_index] if layer is not None else []


def _within(mention: Mention, span: Span) -> bool:
    return span.start <= mention.start and mention.end <= span.end
