"""
The ACE 2005 converter on the hand-written release under fixtures/data/ace05_ldc: two documents
that follow the APF 5.1.1 DTD (one bn, one nw), and a split whose test document is absent.
"""

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from hmtl_allennlp.convert import ace05 as ace05_conversion
from hmtl_allennlp.convert.ace05 import (
    CHANGES,
    STANDARD_SPLIT_DIR,
    ConversionOptions,
    DocumentConverter,
    convert_release,
    read_split,
    read_sgm_text,
)
from hmtl_allennlp.common.errors import DataFormatError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "data"
LDC_DIR = FIXTURES / "ace05_ldc"
SPLIT_DIR = FIXTURES / "ace05_split"
ENGLISH = LDC_DIR / "data" / "English"
BN_KEY = "CNN_ENG_20030401_000000.1"
NW_KEY = "AFP_ENG_20030401.0001"
MISSING_KEY = "AFP_ENG_20030402.0002"

BN_SENTENCES = [
    [BN_KEY],
    ["NEWS", "STORY"],
    ["2003", "-", "04", "-", "01", "00:00:00"],
    # The headline: "U.S." is a GPE head inside the token "U.S.-led".
    ["U.S.", "-led", "troops", "near", "Baghdad"],
    # The speaker's name, a PER mention.
    ["MARTIN", "GEISSLER"],
    # Three sentences joined: "They" (GEN-AFF) relates to "U.S." of the first.
    # "&amp;" stays as written (APF offsets count it so).
    [
        "U.S.",
        "-led",
        "troops",
        "reached",
        "Baghdad",
        "on",
        "Tuesday",
        ".",
        "Smith",
        "&amp;",
        "Wesson",
        "sold",
        "them",
        "rifles",
        ".",
        "They",
        "found",
        "the",
        "city",
        "quiet",
        ".",
    ],
    ["2003", "-", "04", "-", "01", "00:00:30"],
]
BN_DOCUMENT = {
    "doc_key": BN_KEY,
    "dataset": "ace05",
    "sentences": BN_SENTENCES,
    "ner": [
        [],
        [],
        [],
        [[9, 9, "GPE"], [11, 11, "PER"], [13, 13, "GPE"]],
        [[14, 15, "PER"]],
        [
            [16, 16, "GPE"],
            [18, 18, "PER"],
            [20, 20, "GPE"],
            [24, 26, "ORG"],
            [28, 28, "PER"],
            [29, 29, "WEA"],
            [31, 31, "PER"],
            [34, 34, "GPE"],
        ],
        [],
    ],
    "relations": [
        [],
        [],
        [],
        [],
        [],
        # PHYS once: its second mention (through the duplicate mention of "troops") repeats it;
        # the Time-Within argument (a timex2) is not a relation argument.
        [
            [18, 18, 20, 20, "PHYS"],
            [24, 26, 29, 29, "ART"],
            [31, 31, 16, 16, "GEN-AFF"],
            [28, 28, 29, 29, "ART"],
        ],
        [],
    ],
    "clusters": [
        [[9, 9], [16, 16]],
        [[11, 11], [18, 18], [28, 28], [31, 31]],
        [[13, 13], [20, 20], [34, 34]],
    ],
}
NW_DOCUMENT = {
    "doc_key": NW_KEY,
    "dataset": "ace05",
    "sentences": [
        [NW_KEY],
        ["NEWS", "STORY"],
        ["2003", "-", "04", "-", "01"],
        ["Texas", "professor", "paid", "$", "500"],
        # The line break after "Labs," does not end the sentence.
        [
            "The",
            "University",
            "of",
            "Texas",
            "paid",
            "John",
            "Smith",
            ",",
            "a",
            "professor",
            "at",
            "AT&amp;T",
            "Labs",
            ",",
            "$",
            "500",
            ".",
        ],
        ["Smith", "and", "his", "wife", "Mary", "left", "Austin", "."],
    ],
    "ner": [
        [],
        [],
        [],
        [[8, 8, "GPE"], [9, 9, "PER"]],
        # "Texas" (GPE) nested in the ORG head; "professor" once although annotated twice.
        [[14, 16, "ORG"], [16, 16, "GPE"], [18, 19, "PER"], [22, 22, "PER"], [24, 25, "ORG"]],
        [[30, 30, "PER"], [32, 32, "PER"], [33, 33, "PER"], [34, 34, "PER"], [36, 36, "GPE"]],
    ],
    "relations": [
        [],
        [],
        [],
        [],
        # The second ORG-AFF's Arg-1 is the duplicate "professor" of another entity; the ART
        # relation whose Arg-2 is a value ("$500") is left out.
        [[18, 19, 14, 16, "ORG-AFF"], [22, 22, 24, 25, "ORG-AFF"], [14, 16, 16, 16, "GEN-AFF"]],
        [[32, 32, 33, 33, "PER-SOC"]],
    ],
    "clusters": [
        [[8, 8], [16, 16]],
        [[9, 9], [18, 19], [22, 22], [30, 30], [32, 32]],
        [[33, 33], [34, 34]],
    ],
}


def changes(**counts):
    return {change: counts.get(change, 0) for change in CHANGES}


BN_CHANGES = changes(
    values_and_timex2_left_out=1,
    tokens_split_at_mention_boundary=2,
    mentions_merged_duplicate=1,
    relation_arguments_ignored=1,
    relations_dropped_duplicate=1,
    relations_across_sentences=1,
    sentences_merged=2,
    entities_singleton=3,
)
NW_CHANGES = changes(
    values_and_timex2_left_out=2,
    mentions_merged_duplicate=1,
    mentions_merged_duplicate_of_other_entity=1,
    relations_dropped_argument_not_kept=1,
    entities_singleton=3,
)


def convert(doc_key, genre, **options):
    folder = ENGLISH / genre / "timex2norm"
    converter = DocumentConverter(ConversionOptions(**options))
    return converter.convert(doc_key, folder / f"{doc_key}.sgm", folder / f"{doc_key}.apf.xml")


def test_sgm_text_has_no_tags_and_keeps_character_references():
    text, tag_positions = read_sgm_text(ENGLISH / "bn" / "timex2norm" / f"{BN_KEY}.sgm")
    assert "<" not in text and "Smith &amp; Wesson" in text
    assert text.startswith(f"\n {BN_KEY} \n NEWS STORY \n")
    assert 0 in tag_positions and text.index(f" {BN_KEY}") in tag_positions


@pytest.mark.parametrize(
    "doc_key, genre, expected, expected_changes",
    [(BN_KEY, "bn", BN_DOCUMENT, BN_CHANGES), (NW_KEY, "nw", NW_DOCUMENT, NW_CHANGES)],
)
def test_documents_convert_exactly(doc_key, genre, expected, expected_changes):
    converted = convert(doc_key, genre)
    assert converted.json == expected
    assert changes(**converted.changes) == expected_changes


def test_without_pronouns_their_relations_go_and_sentences_stay_apart():
    converted = convert(BN_KEY, "bn", keep_pronouns=False).json
    assert converted["sentences"][5:8] == [
        BN_SENTENCES[5][:8],
        BN_SENTENCES[5][8:15],
        BN_SENTENCES[5][15:],
    ]
    assert converted["ner"][6] == [[24, 26, "ORG"], [29, 29, "WEA"]]
    assert converted["relations"][5:8] == [
        [[18, 18, 20, 20, "PHYS"]],
        [[24, 26, 29, 29, "ART"]],
        [],
    ]
    assert converted["clusters"][1] == [[11, 11], [18, 18]]
    counts = convert(NW_KEY, "nw", keep_pronouns=False).changes
    assert counts["mentions_dropped_pronoun"] == 1
    assert counts["relations_dropped_argument_not_kept"] == 2  # the value and "his"


def test_extent_spans_subtype_labels_and_symmetric_relations():
    converted = convert(
        NW_KEY, "nw", span="extent", relation_labels="subtype", symmetric_relations="both"
    )
    document = converted.json
    # "The University of Texas"; "John Smith, a professor at AT&amp;T Labs" nests the rest;
    # the extent of the other entity's "professor" is not that of E3's: no duplicate now.
    assert document["ner"][4] == [
        [13, 16, "ORG"],
        [16, 16, "GPE"],
        [18, 25, "PER"],
        [21, 25, "PER"],
        [22, 22, "PER"],
        [24, 25, "ORG"],
    ]
    assert document["relations"][4][0] == [18, 25, 13, 16, "ORG-AFF.Employment"]
    # PER-SOC is symmetric: its reverse follows it.
    assert document["relations"][5] == [
        [32, 32, 32, 34, "PER-SOC.Family"],
        [32, 34, 32, 32, "PER-SOC.Family"],
    ]
    assert converted.changes["relations_reverse_added"] == 1


def test_the_standard_split_is_351_80_80():
    split = read_split(STANDARD_SPLIT_DIR)
    assert [len(split[name]) for name in ("train", "dev", "test")] == [351, 80, 80]
    assert split["train"][0] == "CNN_ENG_20030416_160804.4"


def test_release_conversion_reports_the_absent_document(tmp_path):
    statistics = convert_release(LDC_DIR, tmp_path, SPLIT_DIR)

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "dev.json",
        "stats.json",
        "test.json",
        "train.json",
    ]
    assert json.loads((tmp_path / "train.json").read_text()) == BN_DOCUMENT
    assert json.loads((tmp_path / "dev.json").read_text()) == NW_DOCUMENT
    assert (tmp_path / "test.json").read_text() == ""
    assert json.loads((tmp_path / "stats.json").read_text()) == statistics
    ((failure),) = statistics["failures"]
    assert failure["split"] == "test" and failure["doc_key"] == MISSING_KEY
    assert f"no {MISSING_KEY}.sgm in" in failure["error"]
    assert statistics["options"] == {
        "span": "head",
        "keep_pronouns": True,
        "symmetric_relations": "keep",
        "relation_labels": "type",
    }
    assert statistics["splits"]["train"] == {
        "documents_listed": 1,
        "documents": 1,
        "documents_failed": 0,
        "sentences": 7,
        "tokens": 43,
        "mentions": {"GPE": 5, "ORG": 1, "PER": 5, "WEA": 1},
        "relations": {"ART": 2, "GEN-AFF": 1, "PHYS": 1},
        "clusters": 3,
        "cluster_mentions": 9,
        "changes": BN_CHANGES,
    }
    assert statistics["splits"]["dev"] == {
        "documents_listed": 1,
        "documents": 1,
        "documents_failed": 0,
        "sentences": 6,
        "tokens": 38,
        "mentions": {"GPE": 3, "ORG": 2, "PER": 7},
        "relations": {"GEN-AFF": 1, "ORG-AFF": 2, "PER-SOC": 1},
        "clusters": 3,
        "cluster_mentions": 9,
        "changes": NW_CHANGES,
    }
    assert statistics["splits"]["test"] == {
        "documents_listed": 1,
        "documents": 0,
        "documents_failed": 1,
        "sentences": 0,
        "tokens": 0,
        "mentions": {},
        "relations": {},
        "clusters": 0,
        "cluster_mentions": 0,
        "changes": changes(),
    }
    assert statistics["total"] == {
        "documents_listed": 3,
        "documents": 2,
        "documents_failed": 1,
        "sentences": 13,
        "tokens": 81,
        "mentions": {"GPE": 8, "ORG": 3, "PER": 12, "WEA": 1},
        "relations": {"ART": 2, "GEN-AFF": 2, "ORG-AFF": 2, "PER-SOC": 1, "PHYS": 1},
        "clusters": 6,
        "cluster_mentions": 18,
        "changes": changes(**(Counter(BN_CHANGES) + Counter(NW_CHANGES))),
    }


@pytest.fixture
def release_copy(tmp_path):
    copy = tmp_path / "ldc"
    shutil.copytree(LDC_DIR, copy)
    return copy


def test_charseq_that_does_not_match_the_text_fails_its_document(release_copy, tmp_path):
    apf = release_copy / "data" / "English" / "nw" / "timex2norm" / f"{NW_KEY}.apf.xml"
    text = apf.read_text()
    apf.write_text(text.replace('START="86" END="104"', 'START="87" END="105"', 1))

    statistics = convert_release(release_copy, tmp_path / "out", SPLIT_DIR)

    errors = {failure["doc_key"]: failure["error"] for failure in statistics["failures"]}
    assert set(errors) == {NW_KEY, MISSING_KEY}
    assert errors[NW_KEY].startswith(f"{apf}: charseq of {NW_KEY}-E1-1 at START=87 END=105")
    assert "'niversity of Texas '" in errors[NW_KEY]
    assert statistics["splits"]["train"]["documents"] == 1  # the others are converted
    assert (tmp_path / "out" / "dev.json").read_text() == ""


def test_malformed_xml_fails_its_document(release_copy, tmp_path):
    apf = release_copy / "data" / "English" / "bn" / "timex2norm" / f"{BN_KEY}.apf.xml"
    apf.write_text(apf.read_text().replace("</entity>", "", 1))

    statistics = convert_release(release_copy, tmp_path / "out", SPLIT_DIR)

    failure = statistics["failures"][0]
    assert failure["doc_key"] == BN_KEY
    assert failure["error"].startswith(f"{apf}: malformed XML (mismatched tag: line")
    assert json.loads((tmp_path / "out" / "dev.json").read_text())["doc_key"] == NW_KEY


def test_missing_or_wrong_release_folder(tmp_path):
    with pytest.raises(DataFormatError, match="missing: no such directory"):
        convert_release(tmp_path / "missing", tmp_path / "out", SPLIT_DIR)
    with pytest.raises(DataFormatError, match="not the ACE 2005 release"):
        convert_release(FIXTURES, tmp_path / "out", SPLIT_DIR)
    assert not (tmp_path / "out").exists()


def test_the_english_folder_itself_is_accepted(tmp_path):
    statistics = convert_release(ENGLISH, tmp_path, SPLIT_DIR)
    assert statistics["total"]["documents"] == 2


def test_existing_outputs_are_kept_unless_forced(tmp_path):
    (tmp_path / "train.json").write_text("mine\n")
    with pytest.raises(DataFormatError, match="already has train.json"):
        convert_release(LDC_DIR, tmp_path, SPLIT_DIR)
    assert (tmp_path / "train.json").read_text() == "mine\n"
    convert_release(LDC_DIR, tmp_path, SPLIT_DIR, force=True)
    assert json.loads((tmp_path / "train.json").read_text())["doc_key"] == BN_KEY


def test_nothing_is_half_written_when_the_conversion_stops(tmp_path, monkeypatch):
    original = ace05_conversion._convert_listed
    calls = []

    def convert_then_stop(*arguments):
        calls.append(arguments[1])
        if len(calls) > 1:
            raise KeyboardInterrupt
        return original(*arguments)

    monkeypatch.setattr(ace05_conversion, "_convert_listed", convert_then_stop)
    with pytest.raises(KeyboardInterrupt):
        convert_release(LDC_DIR, tmp_path, SPLIT_DIR)
    assert calls == [BN_KEY, NW_KEY]
    assert list(tmp_path.iterdir()) == []


def test_a_document_listed_twice_is_an_error(tmp_path):
    for name, ids in (("train", "a\nb\n"), ("dev", "c\n"), ("test", "b\n")):
        (tmp_path / f"{name}.txt").write_text(ids)
    with pytest.raises(
        DataFormatError,
        match=r"test.txt, line 1: b is listed again \(first in " r"train.txt, line 2\)",
    ):
        read_split(tmp_path)


def write_document(folder, doc_key, sgm, mentions, docid=None):
    """A one-entity document: `mentions` are (head text, its position in the tag-free text)."""
    folder.mkdir(parents=True)
    (folder / f"{doc_key}.sgm").write_text(sgm)
    mention_elements = "".join(
        f'<entity_mention ID="{doc_key}-E1-{index}" TYPE="NAM">'
        f'<extent><charseq START="{start}" END="{start + len(head) - 1}">{head}</charseq>'
        f'</extent><head><charseq START="{start}" END="{start + len(head) - 1}">{head}'
        "</charseq></head></entity_mention>"
        for index, (head, start) in enumerate(mentions, 1)
    )
    (folder / f"{doc_key}.apf.xml").write_text(
        f'<?xml version="1.0"?>\n<source_file URI="{doc_key}.sgm" SOURCE="weblog" TYPE="text">'
        f'<document DOCID="{docid or doc_key}"><entity ID="{doc_key}-E1" TYPE="ORG" '
        f'SUBTYPE="Commercial" CLASS="SPC">{mention_elements}</entity></document></source_file>\n'
    )
    return folder / f"{doc_key}.sgm", folder / f"{doc_key}.apf.xml"


def test_poster_names_and_upper_case_references(tmp_path):
    sgm = (
        "<DOC>\n<DOCID> wl_1 </DOCID>\n<BODY>\n<POSTER> AT&AMP;T fan </POSTER>\n<TEXT>\n"
        "<POST>\nI like AT&amp;T.\n</POST>\n</TEXT>\n</BODY>\n</DOC>\n"
    )
    text, _ = read_sgm_text_of(sgm, tmp_path)
    mentions = [("AT&amp;T", text.index("AT&AMP;T")), ("AT&amp;T", text.index("AT&amp;T"))]
    # The APF has "AT&amp;T" (XML for "AT&T"); the .sgm "AT&AMP;T" and "AT&amp;T".
    sgm_path, apf_path = write_document(tmp_path / "wl", "wl_1", sgm, mentions)
    document = DocumentConverter(ConversionOptions()).convert("wl_1", sgm_path, apf_path).json
    assert document["sentences"] == [["wl_1"], ["AT&AMP;T", "fan"], ["I", "like", "AT&amp;T", "."]]
    assert document["ner"] == [[], [[1, 1, "ORG"]], [[5, 5, "ORG"]]]
    assert document["clusters"] == [[[1, 1], [5, 5]]]


def test_an_apf_of_another_document_fails(tmp_path):
    sgm = "<DOC>\n<DOCID> wl_1 </DOCID>\n<TEXT>\nAcme sells.\n</TEXT>\n</DOC>\n"
    text, _ = read_sgm_text_of(sgm, tmp_path)
    sgm_path, apf_path = write_document(
        tmp_path / "wl", "wl_1", sgm, [("Acme", text.index("Acme"))], docid="wl_2"
    )
    with pytest.raises(DataFormatError, match="its <document DOCID> is 'wl_2', not 'wl_1'"):
        DocumentConverter(ConversionOptions()).convert("wl_1", sgm_path, apf_path)


def read_sgm_text_of(sgm, tmp_path):
    path = tmp_path / "scratch.sgm"
    path.write_text(sgm)
    return read_sgm_text(path)


def test_overlapping_joins_make_one_sentence():
    joins = [(2, 4), (1, 2), (6, 7), (6, 6)]
    assert ace05_conversion._joined(9, joins) == [(0, 0), (1, 4), (5, 5), (6, 7), (8, 8)]
