import json
import sys

import numpy
import pytest
from allennlp.commands import main
from allennlp.commands.evaluate import evaluate_from_archive

from hmtl_allennlp.commands.item_counts import count_items
from hmtl_allennlp.commands.parity import read_task_documents
from hmtl_allennlp.common.documents import GoldDocument, Mention, Relation, Span
from hmtl_allennlp.common.levels import COREFERENCE, RELATIONS, TAGGING
from hmtl_allennlp.metrics.item_counts import (
    item_counts,
    level_item_counts,
    paired_counts,
    read_item_counts,
    write_counts_file,
)
from hmtl_allennlp.metrics.significance import SCORES, approximate_randomization

# Two sentences: tokens 0-3 and 4-6.
PERSON, PLACE = Mention(0, 1, "PER"), Mention(3, 3, "LOC")
DOCUMENT = GoldDocument(
    doc_key="d1",
    sentences=[["Ann", "Lee", "left", "Rome"], ["She", "was", "glad"]],
    mentions=[[PERSON, PLACE], [Mention(4, 4, "PER")]],
    relations=[[Relation(PERSON, PLACE, "left")], []],
    clusters=[[Span(0, 1), Span(4, 4)]],
)


def mention(start, end, label):
    return {"start": start, "end": end, "label": label, "text": "..."}


OUTPUT = {
    "doc_key": "d1",
    # The person right, the place missed, a wrong span in the second sentence.
    "ner": [mention(0, 1, "PER"), mention(5, 6, "PER")],
    "relations": [
        {"head": mention(0, 1, "PER"), "tail": mention(3, 3, "LOC"), "label": "left", "score": 1},
        {"head": mention(4, 4, "PER"), "tail": mention(6, 6, "LOC"), "label": "left", "score": 1},
    ],
    "clusters": [[mention(0, 1, None), mention(4, 4, None)]],
}
LEVELS = {"ner": TAGGING, "relation": RELATIONS, "coref": COREFERENCE}
MAIN_METRICS = {"ner": "ner_f1", "relation": "relation_strict_f1", "coref": "coref_avg_f1"}


def test_counts_per_sentence_and_document_by_hand():
    ner = level_item_counts("ner", TAGGING, [OUTPUT], [DOCUMENT])
    assert ner == {"d1/0": [1, 1, 2], "d1/1": [0, 1, 1]}
    relation = level_item_counts("relation", RELATIONS, [OUTPUT], [DOCUMENT])
    # A relation goes to the sentence of its head.
    assert relation == {"d1/0": [1, 1, 1], "d1/1": [0, 1, 0]}
    coref = level_item_counts("coref", COREFERENCE, [OUTPUT], [DOCUMENT])
    # The one cluster found exactly: recall and precision 1 in each metric.
    assert coref == {"d1": [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0]}
    levels = item_counts(LEVELS, MAIN_METRICS, [OUTPUT], [DOCUMENT])
    assert levels["ner"]["value"] == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
    assert levels["relation"]["value"] == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert levels["coref"]["value"] == 1.0
    assert [levels[level]["item"] for level in LEVELS] == ["sentence", "sentence", "document"]


def test_levels_scored_by_accuracy_have_no_counts():
    levels = item_counts({"pos": TAGGING}, {"pos": "pos_accuracy"}, [OUTPUT], [DOCUMENT])
    assert levels == {}


def test_documents_without_a_key_are_numbered_and_repeated_keys_refused():
    unnamed = GoldDocument(doc_key=None, sentences=DOCUMENT.sentences, mentions=DOCUMENT.mentions)
    counts = level_item_counts("ner", TAGGING, [OUTPUT, OUTPUT], [unnamed, DOCUMENT])
    assert list(counts) == ["#0/0", "#0/1", "d1/0", "d1/1"]
    with pytest.raises(ValueError, match="Two documents have the id 'd1'"):
        level_item_counts("ner", TAGGING, [OUTPUT, OUTPUT], [DOCUMENT, DOCUMENT])


def test_written_files_read_back_and_pair_up(tmp_path):
    levels = item_counts(LEVELS, MAIN_METRICS, [OUTPUT], [DOCUMENT])
    path = tmp_path / "counts" / "run.json"
    write_counts_file(str(path), "run/model.tar.gz", {"ner": "dev.gold_conll"}, levels)
    content = read_item_counts(str(path))
    assert content["levels"] == json.loads(json.dumps(levels))
    ids, first, second, score = paired_counts(content, content, "coref")
    assert (ids, score) == (["d1"], "coref_avg_f1")
    assert SCORES[score](first.sum(axis=0)) == 1.0
    assert numpy.array_equal(first, second)


def test_files_that_do_not_pair_are_refused(tmp_path):
    levels = item_counts(LEVELS, MAIN_METRICS, [OUTPUT], [DOCUMENT])
    other = json.loads(json.dumps(levels))
    del other["ner"]["items"]["d1/1"]
    other["ner"]["items"]["d2/0"] = [0, 0, 0]
    first, second = {"levels": levels}, {"levels": other}
    with pytest.raises(ValueError, match=r"1 items \('d1/1'\) only in a.json, 1 items"):
        paired_counts(first, second, "ner", ("a.json", "b.json"))
    with pytest.raises(ValueError, match="b.json has no counts of level 'emd'"):
        paired_counts({"levels": {"emd": levels["ner"]}}, first, "emd", ("a.json", "b.json"))
    with pytest.raises(ValueError, match="a.json counts f1"):
        paired_counts({"levels": {"x": levels["ner"]}}, {"levels": {"x": levels["coref"]}}, "x",
                      ("a.json", "b.json"))  # fmt: skip
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ValueError, match="broken.json: cannot read it as a counts file"):
        read_item_counts(str(broken))
    broken.write_text(json.dumps({"levels": {"ner": {**levels["ner"], "items": {"d1/0": [1]}}}}))
    with pytest.raises(ValueError, match="item 'd1/0' has not 3 counts"):
        read_item_counts(str(broken))


@pytest.mark.slow
def test_summed_counts_are_what_evaluate_reports(archive_path, repository_root, monkeypatch):
    # The archive's validation data paths are relative to the repository root.
    monkeypatch.chdir(repository_root)
    content = count_items(str(archive_path), batch_size=3)
    data = repository_root / "fixtures" / "data"
    dygie = "fixtures/data/redocred_sample.jsonl"
    assert content["data"] == {
        "ner": "fixtures/data/gum_sample.gold_conll",
        "emd": dygie,
        "relation": dygie,
        "coref": dygie,
    }
    assert data.exists()
    evaluated = evaluate_from_archive(str(archive_path), json.dumps(content["data"]))
    levels = content["levels"]
    assert set(levels) == {"ner", "emd", "relation", "coref"}
    for level, counts in levels.items():
        rows = numpy.array(list(counts["items"].values()))
        summed = SCORES[counts["score"]](rows.sum(axis=0))
        assert summed == pytest.approx(evaluated[counts["metric"]], abs=1e-12), level
        assert counts["value"] == summed
    # The fixture model gets some of everything right: the comparison is not of zeros.
    assert all(counts["value"] > 0 for counts in levels.values())
    # A model against itself: no difference.
    ids, first, second, score = paired_counts(content, content, "ner")
    assert approximate_randomization(first, second, SCORES[score], trials=100).p_value == 1.0


@pytest.mark.slow
def test_command_writes_the_file(archive_path, repository_root, tmp_path, monkeypatch, capsys):
    output = tmp_path / "counts.json"
    data = {"emd": str(repository_root / "fixtures" / "data" / "redocred_sample.jsonl")}
    arguments = ["allennlp", "hmtl-item-counts", str(archive_path), "--output-file", str(output),
                 "--data-paths", json.dumps(data)]  # fmt: skip
    monkeypatch.setattr(sys, "argv", arguments)
    main(prog="allennlp")
    content = read_item_counts(str(output))
    assert list(content["levels"]) == ["emd"] and content["data"] == data
    assert "emd_f1" in capsys.readouterr().out


def test_unknown_task_and_missing_archive_are_one_line(tmp_path, monkeypatch):
    arguments = ["allennlp", "hmtl-item-counts", str(tmp_path / "missing.tar.gz"),
                 "--output-file", str(tmp_path / "counts.json")]  # fmt: skip
    monkeypatch.setattr(sys, "argv", arguments)
    with pytest.raises(SystemExit) as exit_info:
        main(prog="allennlp")
    assert "missing.tar.gz: no such model archive" in str(exit_info.value.code)


class LayerReader:
    """A reader of one file that keeps some layers of its documents only."""

    def __init__(self, documents):
        self.documents = documents

    def read_documents(self, path):
        return iter(self.documents)


def test_each_task_is_scored_against_its_own_readers_documents():
    # A CoNLL-2012 file: its NER reader keeps the mentions, its coreference reader the clusters.
    ner = GoldDocument("d1", DOCUMENT.sentences, mentions=DOCUMENT.mentions)
    coref = GoldDocument("d1", DOCUMENT.sentences, clusters=DOCUMENT.clusters)
    readers = {"ner": LayerReader([ner]), "coref": LayerReader([coref])}
    documents = read_task_documents(readers, ["ner", "coref"], "dev.gold_conll")
    assert documents == {"ner": [ner], "coref": [coref]}
    other = GoldDocument("d2", DOCUMENT.sentences, clusters=DOCUMENT.clusters)
    with pytest.raises(ValueError, match="readers of ner and coref read different documents"):
        read_task_documents({**readers, "coref": LayerReader([other])}, ["ner", "coref"], "f")
