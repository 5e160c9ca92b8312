import json
import logging
import re

import pytest
import torch
from allennlp.common.util import ensure_list
from allennlp.data import Batch, Vocabulary
from allennlp.data.dataset_readers import MultiTaskDatasetReader
from allennlp.data.dataset_readers.dataset_utils.span_utils import bioul_tags_to_spans
from allennlp.common.checks import ConfigurationError
from allennlp.data.token_indexers import SingleIdTokenIndexer, TokenCharactersIndexer

from hmtl_allennlp.common.documents import Mention, Relation, to_instance
from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.common.spans import flatten_spans
from hmtl_allennlp.dataset_readers import Ace05Reader, GoldDocument
from hmtl_allennlp.dataset_readers.ace05 import parse_dygie_document
from tests.annotations import dygie_relations


def _documents(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _sentence_instances(instances):
    return {(i["metadata"]["doc_key"], i["metadata"]["sentence_index"]): i for i in instances}


@pytest.mark.parametrize("corpus", ["redocred", "litbank"])
def test_emd_keeps_every_mention_and_tags_decode_to_the_representable_ones(data_dir, corpus):
    path = data_dir / f"{corpus}_sample.jsonl"
    instances = _sentence_instances(Ace05Reader(task="emd").read(path))
    documents = _documents(path)
    assert len(instances) == sum(len(document["sentences"]) for document in documents)
    dropped_total = 0
    for document in documents:
        offset = 0
        for index, sentence in enumerate(document["sentences"]):
            instance = instances[(document["doc_key"], index)]
            metadata = instance["metadata"].metadata
            assert instance["task"].metadata == "emd"
            assert metadata["tokens"] == sentence
            assert metadata["token_offset"] == offset
            assert metadata["gold_mentions"] == [tuple(m) for m in document["ner"][index]]
            kept, dropped = flatten_spans(to_instance(metadata["gold_mentions"], metadata))
            dropped_total += len(dropped)
            decoded = [
                (s, e, label) for label, (s, e) in bioul_tags_to_spans(instance["tags"].labels)
            ]
            assert sorted(decoded) == sorted(kept)
            offset += len(sentence)
    if corpus == "litbank":
        # LitBank has nested mentions: the tags miss some of them, the metadata keeps them all.
        assert dropped_total > 0


def test_emd_logs_how_many_mentions_the_tags_cannot_represent(data_dir, caplog):
    with caplog.at_level(logging.INFO):
        ensure_list(Ace05Reader(task="emd").read(data_dir / "litbank_sample.jsonl"))
    assert "gold spans cannot be represented in BIOUL tags" in caplog.text
    assert "keeping the longest outer span, ties -> earliest start" in caplog.text


def test_relation_instances_for_every_sentence_with_targets_at_last_tokens(data_dir):
    path = data_dir / "redocred_sample.jsonl"
    instances = ensure_list(Ace05Reader(task="relation", relation_adjacency=True).read(path))
    documents = _documents(path)
    assert len(instances) == sum(len(document["sentences"]) for document in documents)
    assert any(not i["metadata"]["gold_relations"] for i in instances)
    by_key = _sentence_instances(instances)
    vocab = Vocabulary.from_instances(instances)
    for document in documents:
        for index, relations in enumerate(document["relations"]):
            instance = by_key[(document["doc_key"], index)]
            metadata = instance["metadata"].metadata
            assert metadata["gold_relations"] == dygie_relations(relations, document["ner"][index])
            assert metadata["gold_mentions"] == [tuple(m) for m in document["ner"][index]]
            instance.index_fields(vocab)
            assert sorted(instance["relation_labels"].labels) == sorted(r[4] for r in relations)
            target = instance["relations"].as_tensor(instance["relations"].get_padding_lengths())
            offset = metadata["token_offset"]
            expected = torch.zeros_like(target)
            for _, head_end, _, tail_end, label in relations:
                label_id = vocab.get_token_index(label, "relation_labels")
                expected[head_end - offset, tail_end - offset, label_id] = 1.0
            assert torch.equal(target, expected)
            # The entity types of the sentence's mentions, for the vocabulary of the types that
            # the relation heads embed.
            assert instance["mention_types"].labels == sorted(
                {m[2] for m in document["ner"][index]}
            )
    all_types = {m[2] for document in documents for sentence in document["ner"] for m in sentence}
    assert set(vocab.get_token_to_index_vocabulary("mention_types")) == all_types | {
        "@@PADDING@@",
        "@@UNKNOWN@@",
    }


def test_coref_instances_keep_clusters_and_label_candidate_spans(data_dir):
    path = data_dir / "litbank_sample.jsonl"
    (document,) = _documents(path)
    (instance,) = Ace05Reader(task="coref").read(path)
    metadata = instance["metadata"].metadata
    assert metadata["gold_clusters"] == [
        [tuple(m) for m in cluster] for cluster in document["clusters"]
    ]
    assert metadata["gold_mentions"] == [tuple(m) for sentence in document["ner"] for m in sentence]
    assert metadata["tokens"] == [token for sentence in document["sentences"] for token in sentence]
    spans = [(span.span_start, span.span_end) for span in instance["spans"].field_list]
    labels = dict(zip(spans, instance["span_labels"].labels))
    non_singletons = [c for c in metadata["gold_clusters"] if len(c) > 1]
    for cluster in metadata["gold_clusters"]:
        cluster_labels = {labels[tuple(m)] for m in cluster if tuple(m) in labels}
        if len(cluster) == 1:
            assert cluster_labels <= {-1}
        else:
            assert len(cluster_labels) == 1 and -1 not in cluster_labels
    assert len({label for label in labels.values() if label != -1}) == len(non_singletons)


def test_max_span_width_bounds_candidates(data_dir):
    (instance,) = Ace05Reader(task="coref", max_span_width=3).read(
        data_dir / "litbank_sample.jsonl"
    )
    widths = {span.span_end - span.span_start + 1 for span in instance["spans"].field_list}
    assert max(widths) == 3


def test_whitespace_tokens_survive_indexing(data_dir, tmp_path):
    indexers = {"tokens": SingleIdTokenIndexer(), "characters": TokenCharactersIndexer()}
    instances = ensure_list(
        Ace05Reader(task="emd", token_indexers=indexers).read(data_dir / "redocred_sample.jsonl")
    )
    with_space = [i for i in instances if "\u00a0" in i["metadata"]["tokens"]]
    assert with_space
    vocab = Vocabulary.from_instances(instances)
    vocab.save_to_files(tmp_path / "vocab")
    vocab = Vocabulary.from_files(tmp_path / "vocab")
    space_id = vocab.get_token_index("\u00a0", "tokens")
    assert space_id != vocab.get_token_index(vocab._oov_token, "tokens")
    batch = Batch(with_space[:1])
    batch.index_instances(vocab)
    tensors = batch.as_tensor_dict()["tokens"]
    position = with_space[0]["metadata"]["tokens"].index("\u00a0")
    assert tensors["tokens"]["tokens"][0, position] == space_id
    characters = tensors["characters"]["token_characters"][0, position]
    assert characters[0] == vocab.get_token_index("\u00a0", "token_characters")
    assert characters[0] != 1 and characters[1:].sum() == 0


def test_skip_invalid_documents_counts_and_logs_them(malformed_dir, caplog):
    path = malformed_dir / "relation_argument_not_mention.jsonl"
    with caplog.at_level(logging.INFO):
        instances = ensure_list(
            Ace05Reader(task="relation", skip_invalid_documents=True).read(path)
        )
    assert {i["metadata"]["doc_key"] for i in instances} == {"good_doc"}
    assert "1 invalid documents skipped" in caplog.text
    assert "Skipped 1 invalid documents" in caplog.text and "is not a mention" in caplog.text


def test_text_to_instance_and_missing_layers():
    document = GoldDocument(
        "doc", [["Ada", "met", "Bob"], ["Bye"]], mentions=[[Mention(0, 0, "PER")], []]
    )
    emd = Ace05Reader(task="emd").text_to_instance(document, sentence_index=0)
    assert emd["tags"].labels == ["U-PER", "O", "O"]
    relation = Ace05Reader(task="relation").text_to_instance(document, sentence_index=1)
    assert "relations" not in relation.fields and "relation_labels" not in relation.fields
    assert relation["metadata"]["token_offset"] == 3
    coref = Ace05Reader(task="coref").text_to_instance(document)
    assert "span_labels" not in coref.fields and coref["metadata"]["gold_clusters"] == []


def test_works_inside_the_multitask_reader(data_dir):
    reader = MultiTaskDatasetReader(
        {"emd": Ace05Reader(task="emd"), "relation": Ace05Reader(task="relation")}
    )
    path = str(data_dir / "redocred_sample.jsonl")
    for task in ("emd", "relation"):
        instances = ensure_list(reader.read(path, force_task=task))
        assert instances and {i["task"].metadata for i in instances} == {task}


def test_reads_every_json_file_of_a_directory(data_dir, tmp_path):
    for name in ("redocred_sample.jsonl", "litbank_sample.jsonl"):
        (tmp_path / "nested").mkdir(exist_ok=True)
        (tmp_path / "nested" / name).write_bytes((data_dir / name).read_bytes())
    (tmp_path / "README.txt").write_text("not data")
    instances = ensure_list(Ace05Reader(task="coref").read(tmp_path))
    assert len(instances) == 5


@pytest.mark.parametrize("task", ["emd", "relation", "coref"])
def test_the_indexers_see_at_most_max_token_characters_of_a_token(task, tmp_path):
    long_token = "y" * 10_000
    path = tmp_path / "long_token.jsonl"
    document = {"doc_key": "d", "sentences": [["Ada", long_token, "left"]], "ner": [[]]}
    clusters = [[[0, 0], [2, 2]]]  # a coreference reader refuses a file without clusters
    path.write_text(json.dumps({**document, "relations": [[]], "clusters": clusters}) + "\n")
    indexers = {"tokens": SingleIdTokenIndexer(), "characters": TokenCharactersIndexer()}
    for cap, expected in ((None, 50), (8, 8)):
        settings = {} if cap is None else {"max_token_characters": cap}
        reader = Ace05Reader(task=task, token_indexers=indexers, **settings)
        (instance,) = ensure_list(reader.read(path))
        assert [token.text for token in instance["tokens"].tokens] == [
            "Ada",
            long_token[:expected],
            "left",
        ]
        assert instance["metadata"]["tokens"] == ["Ada", long_token, "left"]
        batch = Batch([instance])
        batch.index_instances(Vocabulary.from_instances([instance]))
        characters = batch.as_tensor_dict()["tokens"]["characters"]["token_characters"]
        assert characters.shape == (1, 3, expected)


def test_relation_arguments_are_typed_as_the_first_mention_of_their_span():
    document = parse_dygie_document(
        "doc.jsonl, line 1",
        {
            "doc_key": "doc",
            "sentences": [["Ada", "joined", "Acme", "."]],
            # (2, 2) is typed twice: the type listed first wins.
            "ner": [[[0, 0, "PER"], [2, 2, "ORG"], [2, 2, "GPE"]]],
            "relations": [[[0, 0, 2, 2, "WORK_FOR"]]],
        },
    )
    assert document.relations == [
        [Relation(Mention(0, 0, "PER"), Mention(2, 2, "ORG"), "WORK_FOR")]
    ]


# What DyGIE++'s own data has and reads: an integer doc_key, and empty clusters.
DYGIEPP_STYLE = {
    "doc_key": 58,
    "sentences": [["Ada", "met", "Bob", "."], ["She", "left", "."]],
    "ner": [[[0, 0, "PER"], [2, 2, "PER"]], [[4, 4, "PER"]]],
    "relations": [[[0, 0, 2, 2, "MEET"]], []],
    "clusters": [[], [[0, 0], [4, 4]], []],
}


@pytest.mark.parametrize("task", ["emd", "relation", "coref"])
def test_an_integer_doc_key_is_read_as_a_string(task, tmp_path):
    path = tmp_path / "dygiepp.jsonl"
    path.write_text(json.dumps(DYGIEPP_STYLE) + "\n")
    instances = ensure_list(Ace05Reader(task=task).read(path))
    assert instances and {i["metadata"]["doc_key"] for i in instances} == {"58"}


def test_empty_clusters_are_dropped_and_counted(tmp_path, caplog):
    path = tmp_path / "dygiepp.jsonl"
    path.write_text(json.dumps(DYGIEPP_STYLE) + "\n")
    with caplog.at_level(logging.INFO):
        (instance,) = ensure_list(Ace05Reader(task="coref").read(path))
    assert instance["metadata"]["gold_clusters"] == [[(0, 0), (4, 4)]]
    assert "; 2 empty coreference clusters dropped" in caplog.text
    (document,) = Ace05Reader(task="coref").read_documents(path)
    assert document.clusters == [[(0, 0), (4, 4)]]


def test_coreference_from_a_file_with_empty_clusters_is_an_error(tmp_path):
    path = tmp_path / "conll04_like.jsonl"
    document = {**DYGIEPP_STYLE, "clusters": []}
    path.write_text(json.dumps(document) + "\n" + json.dumps({**document, "doc_key": "d2"}) + "\n")
    with pytest.raises(DataFormatError) as error:
        ensure_list(Ace05Reader(task="coref").read(path))
    assert str(path) in str(error.value)
    assert "none of its 2 documents has a coreference cluster" in str(error.value)
    # The other tasks read the same file.
    assert len(ensure_list(Ace05Reader(task="emd").read(path))) == 4


def test_a_file_without_a_clusters_layer_is_text_without_gold_clusters(tmp_path):
    path = tmp_path / "text.jsonl"
    document = {key: value for key, value in DYGIEPP_STYLE.items() if key != "clusters"}
    path.write_text(json.dumps(document) + "\n")
    (instance,) = ensure_list(Ace05Reader(task="coref").read(path))
    assert "span_labels" not in instance.fields


def test_a_file_whose_only_clusters_are_singletons_is_read(tmp_path):
    path = tmp_path / "singletons.jsonl"
    path.write_text(json.dumps({**DYGIEPP_STYLE, "clusters": [[[0, 0]], [[4, 4]]]}) + "\n")
    (instance,) = ensure_list(Ace05Reader(task="coref").read(path))
    assert instance["metadata"]["gold_clusters"] == [[(0, 0)], [(4, 4)]]


BAD_RELATION_LAYERS = [
    # An argument that is not a mention of its sentence.
    [[[0, 1, 2, 2, "MEET"]], []],
    # Not one list per sentence.
    [[[0, 0, 2, 2, "MEET"]]],
]


def _with_bad_relations(path, relations):
    """A file of a good document, then the same document with `relations` (line 2)."""
    good = {**DYGIEPP_STYLE, "doc_key": "good_doc"}
    bad = {**good, "doc_key": "bad_doc", "relations": relations}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    return path


@pytest.mark.parametrize("relations", BAD_RELATION_LAYERS)
@pytest.mark.parametrize("task", ["emd", "coref"])
def test_invalid_relations_fail_only_the_relation_instances(task, relations, tmp_path, caplog):
    path = _with_bad_relations(tmp_path / "bad_relations.jsonl", relations)
    with caplog.at_level(logging.INFO):
        instances = ensure_list(Ace05Reader(task=task).read(path))
    by_document = {}
    for instance in instances:
        by_document.setdefault(instance["metadata"]["doc_key"], []).append(instance)
    num_instances = 2 if task == "emd" else 1
    assert len(by_document["bad_doc"]) == len(by_document["good_doc"]) == num_instances
    for good_instance, bad_instance in zip(by_document["good_doc"], by_document["bad_doc"]):
        good_metadata, bad_metadata = good_instance["metadata"], bad_instance["metadata"]
        assert bad_metadata["gold_mentions"] == good_metadata["gold_mentions"]
        assert bad_metadata["gold_clusters"] == good_metadata["gold_clusters"]
        assert bad_metadata["gold_relations"] == []
    assert f"2 documents, {2 * num_instances} {task} instances" in caplog.text
    assert "1 documents read without their relations, which are invalid" in caplog.text


@pytest.mark.parametrize("relations", BAD_RELATION_LAYERS)
def test_invalid_relations_fail_or_skip_the_relation_instances(relations, tmp_path, caplog):
    path = _with_bad_relations(tmp_path / "bad_relations.jsonl", relations)
    with pytest.raises(
        DataFormatError, match=f"^{re.escape(str(path))}, line 2, doc_key .bad_doc.: "
    ):
        ensure_list(Ace05Reader(task="relation").read(path))
    with caplog.at_level(logging.INFO):
        instances = ensure_list(
            Ace05Reader(task="relation", skip_invalid_documents=True).read(path)
        )
    assert {i["metadata"]["doc_key"] for i in instances} == {"good_doc"}
    assert "1 invalid documents skipped" in caplog.text


def test_the_dense_relation_target_is_made_only_on_request(data_dir):
    path = data_dir / "redocred_sample.jsonl"
    default = ensure_list(Ace05Reader(task="relation").read(path))
    dense = ensure_list(Ace05Reader(task="relation", relation_adjacency=True).read(path))
    assert not any("relations" in instance for instance in default)
    assert all("relations" in instance for instance in dense)
    # The relation labels, and so the vocabulary's label order, do not depend on it.
    for without, with_target in zip(default, dense):
        assert without["relation_labels"].labels == with_target["relation_labels"].labels
    labels = Vocabulary.from_instances(default).get_index_to_token_vocabulary("relation_labels")
    assert labels and labels == Vocabulary.from_instances(dense).get_index_to_token_vocabulary(
        "relation_labels"
    )


def test_the_dense_relation_target_is_an_option_of_relation_instances_only():
    with pytest.raises(ConfigurationError, match="relation_adjacency is an option of relation"):
        Ace05Reader(task="emd", relation_adjacency=True)
