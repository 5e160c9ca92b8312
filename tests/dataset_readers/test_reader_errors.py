"""Every kind of bad input gets a `DataFormatError` naming the file, where, and what is wrong."""

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import ensure_list

from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.dataset_readers import Ace05Reader, OntonotesReader

CONLL_CASES = [
    ("wrong_columns.gold_conll", "line 6: wrong number of columns: 9, expected at least 12"),
    (
        "unbalanced_named_entity.gold_conll",
        "line 5: unbalanced brackets in the named-entity column: the 'place' span is opened and "
        "not closed",
    ),
    (
        "named_entity_not_open.gold_conll",
        "line 6: unbalanced brackets in the named-entity column: '*)' closes a span that is "
        "not open",
    ),
    (
        "unbalanced_coreference.gold_conll",
        "line 5: unbalanced brackets in the coreference column: cluster 1 is opened and not closed",
    ),
    (
        "coreference_not_open.gold_conll",
        "line 6: unbalanced brackets in the coreference column: '1)' closes cluster 1, which is "
        "not open",
    ),
    ("empty.gold_conll", ": the file is empty"),
    ("not_utf8.gold_conll", "line 3: the file is not valid UTF-8"),
]

JSON_CASES = [
    ("invalid_json.jsonl", "line 2: invalid JSON"),
    (
        "length_mismatch.jsonl",
        "line 2, doc_key 'bad_doc': 'ner' must have one list per sentence: 2 sentences, 1 'ner' "
        "entries",
    ),
    (
        "span_outside_document.jsonl",
        "line 2, doc_key 'bad_doc': mention [7, 9] of cluster 0 is outside its document "
        "(tokens 0-6)",
    ),
    (
        "span_outside_sentence.jsonl",
        "line 2, doc_key 'bad_doc': mention [2, 4, 'PER'] of sentence 0 is outside its sentence "
        "(tokens 0-3)",
    ),
    (
        "end_before_start.jsonl",
        "line 2, doc_key 'bad_doc': mention [2, 1, 'PER'] of sentence 0 ends before it starts",
    ),
    (
        "boolean_offsets.jsonl",
        "line 2, doc_key 'bad_doc': mention [False, True, 'PER'] of sentence 0 has non-integer "
        "offsets",
    ),
    (
        "bad_doc_key.jsonl",
        "line 2: missing 'doc_key', or neither a string nor an integer ([58])",
    ),
    ("empty.jsonl", ": the file is empty"),
    ("not_utf8.jsonl", "line 2: the file is not valid UTF-8"),
    (
        "pretty_printed.json",
        "line 1: the line holds only '{': this looks like pretty-printed JSON (one object spread "
        "over many lines), but one JSON object per line is expected (JSON Lines)",
    ),
]

# Only the relation instances need the relations (see test_ace05_reader for the other tasks).
RELATION_CASES = [
    (
        "relation_argument_not_mention.jsonl",
        "line 2, doc_key 'bad_doc': relation [0, 1, 2, 2, 'MEET'] of sentence 0: its head "
        "argument [0, 1] is not a mention",
    ),
]


def _where(path, expected: str) -> str:
    """The message starts with the file, then the line (and doc_key) unless about the whole file."""
    return f"{path}{expected}" if expected.startswith(":") else f"{path}, {expected}"


def _message(reader, path) -> str:
    with pytest.raises(DataFormatError) as error:
        ensure_list(reader.read(path))
    assert isinstance(error.value, ConfigurationError) and isinstance(error.value, ValueError)
    return str(error.value)


@pytest.mark.parametrize("task", ["ner", "coref"])
@pytest.mark.parametrize("file_name, expected", CONLL_CASES)
def test_malformed_conll(malformed_dir, task, file_name, expected):
    path = malformed_dir / file_name
    assert _message(OntonotesReader(task=task), path).startswith(_where(path, expected))


@pytest.mark.parametrize("task", ["emd", "relation", "coref"])
@pytest.mark.parametrize("file_name, expected", JSON_CASES)
def test_malformed_json(malformed_dir, task, file_name, expected):
    path = malformed_dir / file_name
    assert _message(Ace05Reader(task=task), path).startswith(_where(path, expected))


@pytest.mark.parametrize("file_name, expected", RELATION_CASES)
def test_malformed_relations(malformed_dir, file_name, expected):
    path = malformed_dir / file_name
    assert _message(Ace05Reader(task="relation"), path).startswith(_where(path, expected))


def test_a_line_cut_inside_its_json_object_says_one_object_per_line(tmp_path):
    # Pretty-printed JSON whose first line is not a lone brace.
    path = tmp_path / "pretty.json"
    path.write_text('{"doc_key": "d1",\n "sentences": [["Ada", "left", "."]]}\n')
    message = _message(Ace05Reader(task="emd"), path)
    assert message.startswith(f"{path}, line 1: invalid JSON (")
    assert message.endswith(
        ": the line ends inside a JSON value, but one JSON object per line is expected "
        "(JSON Lines)."
    )


@pytest.mark.parametrize("reader_class", [OntonotesReader, Ace05Reader])
@pytest.mark.parametrize("value", [0, "50", True])
def test_max_token_characters_is_checked(reader_class, value):
    with pytest.raises(ConfigurationError, match="max_token_characters must be"):
        reader_class(task="coref", max_token_characters=value)


@pytest.mark.parametrize("reader", [OntonotesReader(task="ner"), Ace05Reader(task="emd")])
def test_missing_path(tmp_path, reader):
    path = tmp_path / "missing"
    assert _message(reader, path) == f"{path}: no such file or directory."


@pytest.mark.parametrize(
    "reader, description",
    [
        (OntonotesReader(task="ner"), "English *gold_conll"),
        (Ace05Reader(task="emd"), "*.json or *.jsonl"),
    ],
)
def test_directory_without_data_files(tmp_path, reader, description):
    (tmp_path / "chinese").mkdir()
    (tmp_path / "chinese" / "a.gold_conll").write_text("", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("nothing to read", encoding="utf-8")
    assert _message(reader, tmp_path) == f"{tmp_path}: the directory holds no {description} file."


def test_skipping_never_hides_file_level_errors(malformed_dir):
    reader = OntonotesReader(task="ner", skip_invalid_documents=True)
    assert "not valid UTF-8" in _message(reader, malformed_dir / "not_utf8.gold_conll")
    reader = Ace05Reader(task="emd", skip_invalid_documents=True)
    assert "pretty-printed JSON" in _message(reader, malformed_dir / "pretty_printed.json")


def test_skipping_a_malformed_conll_document_keeps_the_others(malformed_dir, data_dir, tmp_path):
    path = tmp_path / "mixed.gold_conll"
    path.write_text(
        (malformed_dir / "unbalanced_coreference.gold_conll").read_text(encoding="utf-8")
        + (data_dir / "gum_sample.gold_conll").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    instances = ensure_list(OntonotesReader(task="coref", skip_invalid_documents=True).read(path))
    assert [i["metadata"]["doc_key"] for i in instances] == [
        "GUM_news_worship_0",
        "GUM_news_stampede_0",
        "GUM_news_defector_0",
    ]
