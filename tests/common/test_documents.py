import json

from hmtl_allennlp.common.documents import (
    GoldDocument,
    Mention,
    Relation,
    Span,
    as_relation,
    to_document,
    to_instance,
)

DOCUMENT = GoldDocument(
    "doc",
    [["Ada", "met", "Bob", "."], ["She", "left", "."], ["Bob", "stayed", "in", "Paris", "."]],
    mentions=[
        [Mention(0, 0, "PER"), Mention(2, 2, "PER")],
        [Mention(4, 4, "PER")],
        [Mention(7, 7, "PER"), Mention(10, 10, "LOC")],
    ],
    relations=[[], [], [Relation(Mention(7, 7, "PER"), Mention(10, 10, "LOC"), "LIVES_IN")]],
    clusters=[[Span(0, 0), Span(4, 4)], [Span(2, 2), Span(7, 7)], [Span(10, 10)]],
)


def test_sentence_offsets_and_segments():
    assert DOCUMENT.sentence_offsets() == [0, 4, 7, 12]
    assert DOCUMENT.segments(None) == [(0, 3)]
    assert DOCUMENT.segments(7) == [(0, 2), (2, 3)]
    # A sentence longer than the limit makes a segment of its own.
    assert DOCUMENT.segments(2) == [(0, 1), (1, 2), (2, 3)]


def test_restricted_clusters_keep_only_links_inside_and_whole_singletons():
    # Tokens 0-6: (2, 2) loses its partner (7, 7) and is dropped; the singleton (10, 10) is
    # outside.
    assert DOCUMENT.restricted_clusters(0, 6) == [[Span(0, 0), Span(4, 4)]]
    assert DOCUMENT.restricted_clusters(7, 11) == [[Span(10, 10)]]


def test_instance_metadata_of_a_sentence_and_of_a_segment():
    sentence = DOCUMENT.sentence_metadata(2)
    assert sentence["sentence_index"] == 2 and sentence["token_offset"] == 7
    assert sentence["tokens"] == ["Bob", "stayed", "in", "Paris", "."]
    assert sentence["gold_relations"] == DOCUMENT.relations[2]
    assert to_instance(sentence["gold_mentions"], sentence) == [(0, 0, "PER"), (3, 3, "LOC")]
    segment = DOCUMENT.segment_metadata(0, 2)
    assert segment["sentence_index"] is None and segment["sentence_lengths"] == [4, 3]
    assert segment["gold_clusters"] == [[Span(0, 0), Span(4, 4)]]
    assert len(segment["gold_mentions"]) == 3 and segment["gold_relations"] == []


def test_split_sentences_keeps_offsets_and_drops_what_crosses_pieces():
    split = DOCUMENT.split_sentences(3)
    assert split.sentences == [
        ["Ada", "met"],
        ["Bob", "."],
        ["She", "left", "."],
        ["Bob", "stayed"],
        ["in", "Paris", "."],
    ]
    assert split.mentions == [
        [Mention(0, 0, "PER")],
        [Mention(2, 2, "PER")],
        [Mention(4, 4, "PER")],
        [Mention(7, 7, "PER")],
        [Mention(10, 10, "LOC")],
    ]
    # The relation's arguments are now in two pieces.
    assert split.relations == [[], [], [], [], []]
    assert split.clusters == DOCUMENT.clusters
    assert DOCUMENT.split_sentences(5) is DOCUMENT


def test_offsets_convert_both_ways_and_relations_survive_json():
    relation = Relation(Mention(7, 7, "PER"), Mention(10, 10, "LOC"), "LIVES_IN", 0.75)
    metadata = {"token_offset": 7}
    local = to_instance([relation], metadata)
    assert local == [Relation(Mention(0, 0, "PER"), Mention(3, 3, "LOC"), "LIVES_IN", 0.75)]
    assert to_document(local, metadata) == [relation]
    assert as_relation(json.loads(json.dumps(relation))) == relation
