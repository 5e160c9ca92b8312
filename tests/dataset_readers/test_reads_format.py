"""`reads(path)`: which reader a plain path (e.g. from `allennlp evaluate`) belongs to."""

from hmtl_allennlp.dataset_readers import Ace05Reader, OntonotesReader


def test_each_reader_claims_only_its_own_files(tmp_path):
    ontonotes, ace05 = OntonotesReader(task="ner"), Ace05Reader(task="emd")
    assert ontonotes.reads("fixtures/sample/dev.gold_conll")
    assert not ace05.reads("fixtures/sample/dev.gold_conll")
    assert ace05.reads("fixtures/sample/dev.jsonl")
    assert not ontonotes.reads("fixtures/sample/dev.jsonl")


def test_directories_are_claimed_by_what_they_hold(tmp_path):
    ontonotes, ace05 = OntonotesReader(task="ner"), Ace05Reader(task="emd")
    english = tmp_path / "data" / "english" / "annotations"
    english.mkdir(parents=True)
    (english / "doc.v4_gold_conll").write_text("")
    assert ontonotes.reads(str(tmp_path))
    assert not ace05.reads(str(tmp_path))
    chinese = tmp_path / "chinese_only" / "chinese"
    chinese.mkdir(parents=True)
    (chinese / "doc.v4_gold_conll").write_text("")
    assert not ontonotes.reads(str(tmp_path / "chinese_only"))
