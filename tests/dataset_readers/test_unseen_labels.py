"""Evaluation data may hold labels that training never saw: they count as missed, never crash."""

from collections import Counter

from allennlp.data import Token, Vocabulary
from allennlp.data.fields import TextField

from hmtl_allennlp.dataset_readers.fields import (
    BioulTagsField,
    MultiLabelAdjacencyField,
    RelationLabelsField,
)


def sentence(words):
    return TextField([Token(word) for word in words], {})


def test_tags_of_an_unseen_type_are_indexed_as_outside():
    vocab = Vocabulary()
    for tag in ["O", "U-PER"]:
        vocab.add_token_to_namespace(tag, "ner_tags")
    field = BioulTagsField(
        ["U-PER", "B-PLANT", "L-PLANT"], sentence(["Ann", "red", "oak"]), "ner_tags"
    )
    field.index(vocab)
    assert field.as_tensor(field.get_padding_lengths()).tolist() == [1, 0, 0]


def test_known_tags_index_as_usual():
    vocab = Vocabulary()
    for tag in ["O", "U-PER"]:
        vocab.add_token_to_namespace(tag, "ner_tags")
    field = BioulTagsField(["O", "U-PER"], sentence(["met", "Ann"]), "ner_tags")
    field.index(vocab)
    assert field.labels == ["O", "U-PER"]
    assert field.as_tensor(field.get_padding_lengths()).tolist() == [0, 1]


def test_relations_of_an_unseen_label_get_no_target_cell():
    vocab = Vocabulary()
    vocab.add_token_to_namespace("P17", "relation_labels")
    field = MultiLabelAdjacencyField([(0, 2, "P17"), (2, 0, "P403")], sentence(["a", "b", "c"]))
    field.index(vocab)
    tensor = field.as_tensor(field.get_padding_lengths())
    assert tensor.shape == (3, 3, 1)
    assert tensor.sum().item() == 1.0 and tensor[0, 2, 0].item() == 1.0


def test_relation_labels_leave_an_unseen_label_out():
    vocab = Vocabulary()
    vocab.add_token_to_namespace("P17", "relation_labels")
    vocab.add_token_to_namespace("P131", "relation_labels")
    field = RelationLabelsField(["P17", "P403", "P17"])
    # The vocabulary counts each relation's label, as the adjacency field does.
    counts = {"relation_labels": Counter()}
    field.count_vocab_items(counts)
    assert counts["relation_labels"] == {"P17": 2, "P403": 1}
    field.index(vocab)
    assert field.as_tensor(field.get_padding_lengths()).tolist() == [1, 0]
