"""
Span helpers shared by the readers, the model and the predictor: flattening nested or
overlapping spans for a tag encoding, BIOUL tags of flat spans, and character offsets of tokens.
"""

from typing import List, Sequence, Tuple, TypeVar, Union

from hmtl_allennlp.common.documents import COREF_MENTION_LABEL, Mention, Span  # noqa: F401

_Span = TypeVar("_Span", bound=Union[Span, Mention])


def flatten_spans(spans: Sequence[_Span]) -> Tuple[List[_Span], List[_Span]]:
    """
    Chooses the spans a flat tag encoding (such as BIOUL) can represent.

    The rule ("longest outer span"): spans are considered from the longest to the shortest, ties
    broken by the earliest start, then by their order in `spans`; a span is kept when it overlaps
    no span kept before it. So of nested spans the outermost one is kept, of partly overlapping
    spans of equal length the earlier one, and of repeated spans (same boundaries, any label) the
    first one.

    # Parameters

    spans : `Sequence[Union[Span, Mention]]`
        The spans (their labels are carried along).

    # Returns

    `Tuple[List, List]`
        The kept spans sorted by start, and the dropped spans in their original order.
    """
    order = sorted(
        range(len(spans)), key=lambda i: (spans[i].start - spans[i].end, spans[i].start, i)
    )
    occupied: set = set()
    kept_indices = []
    for index in order:
        positions = range(spans[index].start, spans[index].end + 1)
        if any(position in occupied for position in positions):
            continue
        occupied.update(positions)
        kept_indices.append(index)
    kept_set = set(kept_indices)
    kept = sorted((spans[i] for i in kept_indices), key=lambda span: span.start)
    dropped = [span for i, span in enumerate(spans) if i not in kept_set]
    return kept, dropped


def spans_to_bioul_tags(num_tokens: int, spans: Sequence[Mention]) -> List[str]:
    """
    BIOUL tags of non-overlapping labelled spans (use `flatten_spans` first when they may
    overlap). `allennlp.data.dataset_readers.dataset_utils.span_utils.bioul_tags_to_spans`
    decodes them back.

    # Parameters

    num_tokens : `int`
        The length of the tagged sequence.
    spans : `Sequence[Mention]`
        The labelled spans, as indices into the sequence.
    """
    tags = ["O"] * num_tokens
    for span in spans:
        start, end, label = span.start, span.end, span.label
        if not 0 <= start <= end < num_tokens:
            raise ValueError(f"span ({start}, {end}) is outside a sequence of {num_tokens} tokens")
        if any(tag != "O" for tag in tags[start : end + 1]):
            raise ValueError(f"span ({start}, {end}, {label}) overlaps another span")
        if start == end:
            tags[start] = f"U-{label}"
        else:
            tags[start] = f"B-{label}"
            for position in range(start + 1, end):
                tags[position] = f"I-{label}"
            tags[end] = f"L-{label}"
    return tags


def token_character_offsets(tokens: Sequence[str]) -> List[Tuple[int, int]]:
    """
    Character offsets of tokens in the text made by joining them with single spaces
    (`" ".join(tokens)`), as (start, end) with an exclusive end, so that
    `text[start:end] == token`. Tokens are used as written, whitespace-only tokens included,
    so readers need not store offsets: the predictor recovers them from `metadata["tokens"]`.
    """
    offsets = []
    position = 0
    for token in tokens:
        offsets.append((position, position + len(token)))
        position += len(token) + 1
    return offsets
