import json
import sys

import pytest
from allennlp.commands import main
from allennlp.models.archival import load_archive

from hmtl_allennlp.commands.coref_export import (
    _without_crossing_mentions,
    export_coreference,
    format_scores,
)
from hmtl_allennlp.convert.conll2012 import read_coreference_file
from tests.annotations import dygie_clusters

# Tokens:     0       1        2     3         4       5          6     7      8      9     10
SENTENCES = [["John", "Smith", "'s", "sister", "Mary", "arrived", "."], ["She", "met", "him", "."]]
GOLD_CLUSTERS = [
    [[0, 1], [9, 9]],  # John Smith ... him
    [[0, 3], [4, 4], [7, 7]],  # nested around cluster 0's first mention
    [[5, 5]],  # a singleton
    [[1, 2]],  # crosses [0, 1] of another cluster: brackets of different ids may cross
]


def test_crossing_mentions_of_one_cluster_are_left_out():
    clusters = dygie_clusters([[(0, 3), (1, 2), (0, 3), (2, 5), (4, 6), (7, 7)], [(2, 5)]])
    writable, left_out = _without_crossing_mentions(clusters)
    # Nested and repeated mentions stay (the scorer removes repetitions itself); (2, 5)
    # crosses (0, 3), and (4, 6) is kept because (2, 5) was left out.
    assert writable == [[(0, 3), (1, 2), (0, 3), (4, 6), (7, 7)], [(2, 5)]]
    assert left_out == 1


@pytest.mark.slow
def test_export_writes_tab_separated_brackets_that_read_back(archive_path, tmp_path):
    data = tmp_path / "nested.jsonl"
    document = {"doc_key": "nested", "sentences": SENTENCES, "clusters": GOLD_CLUSTERS}
    data.write_text(json.dumps(document) + "\n", encoding="utf-8")
    key, response = tmp_path / "key.conll", tmp_path / "response.conll"

    scores = export_coreference(load_archive(str(archive_path)), str(data), str(key), str(response))

    lines = key.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#begin document (nested); part 000" and lines[-1] == "#end document"
    rows = [line.split("\t") for line in lines[1:-1] if line]
    assert all(len(row) == 12 for row in rows)
    assert [row[3] for row in rows] == SENTENCES[0] + SENTENCES[1]
    assert lines[1 + len(SENTENCES[0])] == ""  # a blank line between sentences
    coreference = [row[11] for row in rows]
    assert coreference[:6] == ["(0|(1", "0)|(3", "3)", "1)", "(1)", "(2)"]
    assert coreference[7] == "(1)" and coreference[9] == "(0)"

    (key_document,) = read_coreference_file(key)
    assert key_document["sentences"] == SENTENCES
    assert sorted(map(sorted, key_document["clusters"])) == sorted(map(sorted, GOLD_CLUSTERS))
    (response_document,) = read_coreference_file(response)
    assert response_document["doc_key"] == "nested"
    assert scores["documents"] == 1 and scores["mentions_left_out"]["key"] == 0
    assert set(scores["files"]) >= {"muc_f1", "b3_f1", "ceafe_f1", "avg_f1"}
    table = format_scores(scores, "k", "r")
    assert f"{100 * scores['files']['avg_f1']:8.2f}" in table
    assert "perl scorer.pl all k r none" in table


def test_missing_archive_is_one_line(tmp_path, monkeypatch):
    arguments = [
        "allennlp",
        "hmtl-coref-export",
        str(tmp_path / "missing.tar.gz"),
        str(tmp_path / "data.jsonl"),
        "--key",
        str(tmp_path / "k"),
        "--response",
        str(tmp_path / "r"),
    ]
    monkeypatch.setattr(sys, "argv", arguments)
    with pytest.raises(SystemExit) as exit_info:
        main(prog="allennlp")
    message = str(exit_info.value.code)
    assert "missing.tar.gz: no such model archive" in message and "\n" not in message
