"""
Every gold span, relation and cluster of the public corpora beside the repository comes back in
the readers' metadata, and the tags decode back to the spans the encoding can represent.
Sentence tasks are read as instances (no token indexing); coreference instances, whose candidate
spans are slow to build, are made for the dev splits, and the train splits are checked as parsed
documents.
"""

import json

import pytest
from allennlp.common.util import ensure_list
from allennlp.data.dataset_readers.dataset_utils.span_utils import bioul_tags_to_spans

from hmtl_allennlp.common.documents import to_instance
from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.common.spans import flatten_spans
from hmtl_allennlp.dataset_readers import Ace05Reader, OntonotesReader
from tests.annotations import dygie_relations

DYGIE_FILES = [
    f"{corpus}/{split}.{extension}"
    for corpus, extension in [
        ("scierc", "json"),
        ("litbank", "jsonl"),
        ("redocred", "jsonl"),
        ("conll04", "jsonl"),
    ]
    for split in ("train", "dev")
]
GUM_FILES = ["gum/train.gum.gold_conll", "gum/dev.gum.gold_conll"]


def _decoded_tags(instance):
    return sorted(
        (start, end, label) for label, (start, end) in bioul_tags_to_spans(instance["tags"].labels)
    )


@pytest.mark.parametrize("file_name", GUM_FILES)
def test_gum_named_entities(shared_data_dir, conll_gold, file_name):
    path = shared_data_dir / file_name
    gold = conll_gold(path)
    instances = list(OntonotesReader(task="ner").read(path))
    assert len(instances) == sum(len(sentences) for sentences, _, _ in gold.values())
    mentions = {doc_key: [] for doc_key in gold}
    for instance in instances:
        metadata = instance["metadata"].metadata
        sentences = gold[metadata["doc_key"]][0]
        assert metadata["tokens"] == sentences[metadata["sentence_index"]]
        mentions[metadata["doc_key"]].extend(metadata["gold_mentions"])
        kept, _ = flatten_spans(to_instance(metadata["gold_mentions"], metadata))
        assert _decoded_tags(instance) == sorted(kept)
    assert {key: sorted(spans) for key, spans in mentions.items()} == {
        key: entities for key, (_, entities, _) in gold.items()
    }


def _same_clusters(found, expected):
    return sorted(sorted(cluster) for cluster in found) == sorted(sorted(c) for c in expected)


@pytest.mark.parametrize("file_name", GUM_FILES)
def test_gum_clusters(shared_data_dir, conll_gold, file_name):
    path = shared_data_dir / file_name
    gold = conll_gold(path)
    reader = OntonotesReader(task="coref")
    if file_name.startswith("gum/dev"):
        documents = [instance["metadata"].metadata for instance in reader.read(path)]
        found = {d["doc_key"]: (d["tokens"], d["gold_clusters"]) for d in documents}
    else:
        found = {
            d.doc_key: ([t for s in d.sentences for t in s], d.clusters)
            for d in reader.read_documents(path)
        }
    assert set(found) == set(gold)
    for doc_key, (sentences, _, clusters) in gold.items():
        tokens, found_clusters = found[doc_key]
        assert tokens == [token for sentence in sentences for token in sentence]
        assert _same_clusters(found_clusters, clusters.values())


def _dygie_documents(path):
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.mark.parametrize("file_name", DYGIE_FILES)
def test_dygie_mentions_and_relations(shared_data_dir, file_name):
    path = shared_data_dir / file_name
    documents = {d["doc_key"]: d for d in _dygie_documents(path)}
    num_sentences = sum(len(d["sentences"]) for d in documents.values())
    emd = list(Ace05Reader(task="emd").read(path))
    relation = list(Ace05Reader(task="relation").read(path))
    assert len(emd) == len(relation) == num_sentences
    for emd_instance, relation_instance in zip(emd, relation):
        metadata = emd_instance["metadata"].metadata
        document = documents[metadata["doc_key"]]
        index = metadata["sentence_index"]
        assert metadata["tokens"] == document["sentences"][index]
        assert metadata["gold_mentions"] == [tuple(m) for m in document["ner"][index]]
        kept, _ = flatten_spans(to_instance(metadata["gold_mentions"], metadata))
        assert _decoded_tags(emd_instance) == sorted(kept)
        relation_metadata = relation_instance["metadata"].metadata
        assert relation_metadata["gold_mentions"] == metadata["gold_mentions"]
        assert relation_metadata["gold_relations"] == dygie_relations(
            document["relations"][index], document["ner"][index]
        )
        labels = [relation[4] for relation in document["relations"][index]]
        assert relation_instance["relation_labels"].labels == labels
        assert "relations" not in relation_instance


@pytest.mark.parametrize("file_name", DYGIE_FILES)
def test_dygie_clusters(shared_data_dir, file_name):
    path = shared_data_dir / file_name
    documents = {d["doc_key"]: d for d in _dygie_documents(path)}
    reader = Ace05Reader(task="coref")
    if not any(d["clusters"] for d in documents.values()):
        # A corpus without coreference (CoNLL04) is refused as a coreference level's data.
        with pytest.raises(DataFormatError, match="has a coreference cluster"):
            ensure_list(reader.read(path))
        return
    if "/dev." in file_name:
        found = {
            i["metadata"]["doc_key"]: i["metadata"]["gold_clusters"] for i in reader.read(path)
        }
    else:
        found = {d.doc_key: d.clusters for d in reader.read_documents(path)}
    assert found.keys() == documents.keys()
    for doc_key, document in documents.items():
        assert found[doc_key] == [[tuple(m) for m in cluster] for cluster in document["clusters"]]
