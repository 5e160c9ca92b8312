from allennlp.data.dataset_readers.dataset_utils.span_utils import bioul_tags_to_spans
import pytest

from hmtl_allennlp.common.documents import Mention, Span
from hmtl_allennlp.common.spans import (
    flatten_spans,
    spans_to_bioul_tags,
    token_character_offsets,
)


def test_flatten_spans_keeps_longest_outer_span_then_earliest():
    spans = [
        Mention(*span)
        for span in [(2, 2, "PER"), (0, 3, "ORG"), (5, 7, "LOC"), (6, 8, "GPE"), (0, 3, "FAC")]
    ]
    kept, dropped = flatten_spans(spans)
    # (0, 3, ORG) is longest; (5, 7) and (6, 8) tie on length, the earlier start wins; the
    # repeated (0, 3) span keeps its first label.
    assert kept == [(0, 3, "ORG"), (5, 7, "LOC")]
    assert dropped == [(2, 2, "PER"), (6, 8, "GPE"), (0, 3, "FAC")]


def test_flatten_spans_keeps_flat_spans_untouched():
    spans = [Mention(4, 5, "B"), Mention(0, 1, "A")]
    assert flatten_spans(spans) == ([(0, 1, "A"), (4, 5, "B")], [])


def test_flatten_spans_takes_unlabelled_spans():
    assert flatten_spans([Span(0, 3), Span(1, 1)]) == ([Span(0, 3)], [Span(1, 1)])


def test_bioul_tags_decode_back_to_the_spans():
    spans = [Mention(0, 1, "PER"), Mention(3, 3, "LOC"), Mention(5, 8, "ORG")]
    tags = spans_to_bioul_tags(10, spans)
    assert tags == ["B-PER", "L-PER", "O", "U-LOC", "O", "B-ORG", "I-ORG", "I-ORG", "L-ORG", "O"]
    assert sorted((start, end, label) for label, (start, end) in bioul_tags_to_spans(tags)) == spans


@pytest.mark.parametrize("spans", [[(0, 2, "A"), (2, 3, "B")], [(3, 5, "A")]])
def test_bioul_tags_refuse_overlapping_or_outside_spans(spans):
    with pytest.raises(ValueError):
        spans_to_bioul_tags(4, [Mention(*span) for span in spans])


def test_token_character_offsets_with_whitespace_tokens():
    tokens = ["Paris", "\u00a0", "is", ""]
    text = " ".join(tokens)
    offsets = token_character_offsets(tokens)
    assert offsets == [(0, 5), (6, 7), (8, 10), (11, 11)]
    assert [text[start:end] for start, end in offsets] == tokens
