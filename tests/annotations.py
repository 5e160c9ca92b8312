"""The annotations of raw DyGIE JSON as the readers make them, for expected values in tests."""

from typing import Any, List, Sequence

from hmtl_allennlp.common.documents import Mention, Relation, Span


def dygie_mentions(entries: Sequence[Sequence[Any]]) -> List[Mention]:
    """The `Mention`s of a sentence's "ner" entries, [start, end, label]."""
    return [Mention(start, end, label) for start, end, label in entries]


def dygie_relations(
    entries: Sequence[Sequence[Any]], mention_entries: Sequence[Sequence[Any]]
) -> List[Relation]:
    """
    The `Relation`s of a sentence's "relations" entries, [head_start, head_end, tail_start,
    tail_end, label], each argument typed as the first mention of the sentence with its span.
    """
    types = {}
    for mention in dygie_mentions(mention_entries):
        types.setdefault(mention.span, mention.label)
    relations = []
    for head_start, head_end, tail_start, tail_end, label in entries:
        head, tail = Span(head_start, head_end), Span(tail_start, tail_end)
        relations.append(
            Relation(Mention(*head, types.get(head)), Mention(*tail, types.get(tail)), label)
        )
    return relations


def dygie_clusters(entries: Sequence[Sequence[Sequence[int]]]) -> List[List[Span]]:
    """The clusters of a document's "clusters" entries, lists of [start, end]."""
    return [[Span(start, end) for start, end in cluster] for cluster in entries]
