import logging
from collections import defaultdict

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import ensure_list
from allennlp.data import Vocabulary
from allennlp.data.dataset_readers.dataset_utils.span_utils import bioul_tags_to_spans
from allennlp.data.dataset_readers.dataset_reader import WorkerInfo
from allennlp_models.common.ontonotes import Ontonotes

from hmtl_allennlp.common.documents import Mention
from hmtl_allennlp.dataset_readers import OntonotesReader


def _local_spans(instance):
    metadata = instance["metadata"].metadata
    offset = metadata["token_offset"]
    return sorted(
        (start - offset, end - offset, label) for start, end, label in metadata["gold_mentions"]
    )


def test_ner_instances_keep_every_named_entity_and_tags_decode_to_them(data_dir, conll_gold):
    path = data_dir / "gum_sample.gold_conll"
    gold = conll_gold(path)
    instances = ensure_list(OntonotesReader(task="ner").read(path))

    assert len(instances) == sum(len(sentences) for sentences, _, _ in gold.values())
    by_document = defaultdict(list)
    for instance in instances:
        metadata = instance["metadata"].metadata
        assert instance["task"].metadata == "ner"
        assert metadata["sentence_index"] == len(by_document[metadata["doc_key"]])
        assert metadata["gold_relations"] == [] and metadata["gold_clusters"] == []
        assert [token.text for token in instance["tokens"].tokens] == metadata["tokens"]
        assert metadata["sentence_lengths"] == [len(metadata["tokens"])]
        by_document[metadata["doc_key"]].append(metadata)
        tags = instance["tags"].labels
        assert instance["tags"]._label_namespace == "ner_tags"
        decoded = sorted((start, end, label) for label, (start, end) in bioul_tags_to_spans(tags))
        assert decoded == _local_spans(instance)

    assert set(by_document) == {"GUM_news_worship_0", "GUM_news_stampede_0", "GUM_news_defector_0"}
    for doc_key, (sentences, entities, _) in gold.items():
        sentence_metadata = by_document[doc_key]
        assert [metadata["tokens"] for metadata in sentence_metadata] == sentences
        assert (
            sorted(m for metadata in sentence_metadata for m in metadata["gold_mentions"])
            == entities
        )
        offsets = [metadata["token_offset"] for metadata in sentence_metadata]
        assert offsets == [sum(len(s) for s in sentences[:i]) for i in range(len(sentences))]


def test_tokens_with_brackets_are_read_as_written(data_dir):
    path = data_dir / "gum_sample.gold_conll"
    # allennlp-models' parser builds an nltk tree with the raw word and fails on it.
    with pytest.raises(ValueError):
        for _ in Ontonotes().dataset_document_iterator(str(path)):
            pass
    instances = OntonotesReader(task="ner").read(path)
    words = [token.text for instance in instances for token in instance["tokens"].tokens]
    assert "a)" in words and "b)" in words


def test_coref_instances_keep_every_cluster(data_dir, conll_gold):
    path = data_dir / "gum_sample.gold_conll"
    gold = conll_gold(path)
    instances = ensure_list(OntonotesReader(task="coref").read(path))
    assert len(instances) == len(gold)
    for instance in instances:
        metadata = instance["metadata"].metadata
        sentences, _, clusters = gold[metadata["doc_key"]]
        assert instance["task"].metadata == "coref"
        assert metadata["sentence_index"] is None and metadata["token_offset"] == 0
        assert metadata["sentence_lengths"] == [len(sentence) for sentence in sentences]
        assert sorted(map(sorted, metadata["gold_clusters"])) == sorted(
            sorted(cluster) for cluster in clusters.values()
        )
        assert {(start, end) for start, end, _ in metadata["gold_mentions"]} == {
            mention for cluster in clusters.values() for mention in cluster
        }
        spans = [(span.span_start, span.span_end) for span in instance["spans"].field_list]
        labels = instance["span_labels"].labels
        assert all(end - start < 8 for start, end in spans)
        # Every gold mention that is a candidate span is labelled with the id of its cluster.
        label_of_span = dict(zip(spans, labels))
        for cluster in metadata["gold_clusters"]:
            cluster_labels = {label_of_span[m] for m in cluster if m in label_of_span}
            assert len(cluster_labels) <= 1 and -1 not in cluster_labels


def test_long_documents_are_split_into_segments_with_restricted_clusters(data_dir, caplog):
    path = data_dir / "gum_sample.gold_conll"
    whole = {
        instance["metadata"]["doc_key"]: instance["metadata"].metadata
        for instance in OntonotesReader(task="coref").read(path)
    }
    with caplog.at_level(logging.INFO):
        segments = ensure_list(OntonotesReader(task="coref", max_document_tokens=100).read(path))
    assert len(segments) > len(whole)
    assert "coreference links (MUC links) cross segments and are lost" in caplog.text
    for doc_key, document in whole.items():
        parts = [s["metadata"].metadata for s in segments if s["metadata"]["doc_key"] == doc_key]
        assert [token for part in parts for token in part["tokens"]] == document["tokens"]
        for part in parts:
            assert sum(part["sentence_lengths"]) <= 100 or len(part["sentence_lengths"]) == 1
            start, end = part["token_offset"], part["token_offset"] + len(part["tokens"]) - 1
            for cluster in part["gold_clusters"]:
                assert all(start <= s and e <= end for s, e in cluster)
                original = next(c for c in document["gold_clusters"] if cluster[0] in c)
                assert set(cluster) <= set(original)


def test_reads_english_files_of_a_conll_2012_tree(tmp_path, data_dir):
    text = (data_dir / "gum_sample.gold_conll").read_text(encoding="utf-8")
    for language in ("english", "chinese"):
        folder = tmp_path / "v4" / "data" / "train" / "data" / language / "annotations" / "nw"
        folder.mkdir(parents=True)
        (folder / "sample.v4_gold_conll").write_text(text, encoding="utf-8")
        (folder / "sample.v4_gold_skel").write_text("not read", encoding="utf-8")
    from_tree = ensure_list(OntonotesReader(task="coref").read(tmp_path / "v4" / "data" / "train"))
    from_file = ensure_list(OntonotesReader(task="coref").read(data_dir / "gum_sample.gold_conll"))
    assert [i["metadata"]["doc_key"] for i in from_tree] == [
        i["metadata"]["doc_key"] for i in from_file
    ]


def test_a_malformed_parse_column_does_not_stop_reading(tmp_path):
    path = tmp_path / "no_tree.gold_conll"
    path.write_text(
        "#begin document (doc); part 001\n"
        "doc\t1\t0\t(1)\tNN\t(TOP((*\t-\t-\t-\t-\t(ORG*\t(0\n"
        "doc\t1\t1\tAda Lovelace\tNNP\t*\t-\t-\t-\tAda L.\t*)\t0)\n"
        "\n#end document\n",
        encoding="utf-8",
    )
    (ner,) = OntonotesReader(task="ner").read(path)
    assert ner["metadata"]["tokens"] == ["(1)", "Ada Lovelace"]
    assert ner["metadata"]["gold_mentions"] == [(0, 1, "ORG")]
    (coref,) = OntonotesReader(task="coref").read(path)
    assert coref["metadata"]["doc_key"] == "doc_1"
    assert coref["metadata"]["gold_clusters"] == [[(0, 1)]]


def test_documents_are_sharded_across_workers(data_dir):
    path = data_dir / "gum_sample.gold_conll"
    shards = []
    for worker_id in range(2):
        reader = OntonotesReader(task="coref")
        reader._set_worker_info(WorkerInfo(num_workers=2, id=worker_id))
        shards.append([instance["metadata"]["doc_key"] for instance in reader.read(path)])
    assert shards == [["GUM_news_worship_0", "GUM_news_defector_0"], ["GUM_news_stampede_0"]]


def test_a_kind_the_format_lacks_or_a_level_without_kind_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="tagging, coreference; got kind 'relations'"):
        OntonotesReader(task="relation")
    with pytest.raises(ConfigurationError, match="of task 'pos': give its kind"):
        OntonotesReader(task="pos")
    with pytest.raises(ConfigurationError, match="tag_layer must be one of"):
        OntonotesReader(task="pos", kind="tagging", tag_layer="lemma")


def test_a_tagging_level_of_any_name_reads_named_entities_into_its_own_namespace(data_dir):
    path = data_dir / "gum_sample.gold_conll"
    ner = ensure_list(OntonotesReader(task="ner").read(path))
    ner2 = ensure_list(OntonotesReader(task="ner2", kind="tagging").read(path))
    assert [instance["task"].metadata for instance in ner2[:1]] == ["ner2"]
    assert ner2[0]["tags"]._label_namespace == "ner2_tags"
    assert [i["tags"].labels for i in ner2] == [i["tags"].labels for i in ner]


def test_pos_level_reads_one_plain_tag_per_token_from_column_5(data_dir):
    path = data_dir / "gum_sample.gold_conll"
    reader = OntonotesReader(task="pos", kind="tagging", tag_layer="pos", label_encoding="plain")
    instances = ensure_list(reader.read(path))
    rows = [
        line.split()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    tags = [tag for instance in instances for tag in instance["tags"].labels]
    assert tags == [row[4] for row in rows]
    first = instances[0]
    assert first["tags"]._label_namespace == "pos_tags"
    assert first["metadata"]["gold_mentions"][0] == Mention(0, 0, rows[0][4])
    vocab = Vocabulary.from_instances(instances)
    assert "O" not in vocab.get_token_to_index_vocabulary("pos_tags")


def test_instances_index_with_a_vocabulary(data_dir):
    instances = ensure_list(OntonotesReader(task="ner").read(data_dir / "gum_sample.gold_conll"))
    vocab = Vocabulary.from_instances(instances)
    assert "U-person" in vocab.get_token_to_index_vocabulary("ner_tags")
    for instance in instances[:5]:
        instance.index_fields(vocab)
        assert instance.as_tensor_dict()["tags"].shape[0] == len(instance["tokens"])
