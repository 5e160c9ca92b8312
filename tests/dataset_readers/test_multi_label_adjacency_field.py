from collections import defaultdict

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch, Instance, Token, Vocabulary
from allennlp.data.fields import TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer

from hmtl_allennlp.dataset_readers.fields import MultiLabelAdjacencyField


def _text_field(num_tokens: int) -> TextField:
    return TextField(
        [Token(f"w{i}") for i in range(num_tokens)], {"tokens": SingleIdTokenIndexer()}
    )


def _vocab() -> Vocabulary:
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(["WORK_FOR", "LIVE_IN"], "relation_labels")
    return vocab


def test_counts_labels_in_its_namespace():
    field = MultiLabelAdjacencyField([(0, 2, "WORK_FOR"), (2, 0, "WORK_FOR")], _text_field(3))
    counter = defaultdict(lambda: defaultdict(int))
    field.count_vocab_items(counter)
    assert counter["relation_labels"] == {"WORK_FOR": 2}


def test_as_tensor_marks_every_label_of_every_pair_and_pads_with_zeros():
    vocab = _vocab()
    field = MultiLabelAdjacencyField(
        [(0, 2, "WORK_FOR"), (0, 2, "LIVE_IN"), (1, 0, "LIVE_IN"), (1, 0, "LIVE_IN")],
        _text_field(3),
    )
    field.index(vocab)
    assert field.get_padding_lengths() == {"num_tokens": 3}
    tensor = field.as_tensor({"num_tokens": 5})
    assert tensor.shape == (5, 5, 2)
    assert tensor.dtype == torch.float32
    work_for = vocab.get_token_index("WORK_FOR", "relation_labels")
    live_in = vocab.get_token_index("LIVE_IN", "relation_labels")
    expected = torch.zeros(5, 5, 2)
    expected[0, 2, work_for] = expected[0, 2, live_in] = expected[1, 0, live_in] = 1.0
    assert torch.equal(tensor, expected)


def test_empty_field_is_all_zeros_and_batches_pad_to_the_longest():
    vocab = _vocab()
    short = Instance(
        {"tokens": (text := _text_field(2)), "relations": MultiLabelAdjacencyField([], text)}
    )
    long = Instance(
        {
            "tokens": (text := _text_field(4)),
            "relations": MultiLabelAdjacencyField([(3, 1, "LIVE_IN")], text),
        }
    )
    batch = Batch([short, long])
    batch.index_instances(vocab)
    relations = batch.as_tensor_dict()["relations"]
    assert relations.shape == (2, 4, 4, 2)
    assert relations[0].sum() == 0
    assert relations[1].sum() == 1

    field = long["relations"]
    empty = field.empty_field()
    assert len(empty) == 0
    assert torch.equal(empty.as_tensor({"num_tokens": 3}), torch.zeros(3, 3, 2))


def test_rejects_edges_outside_the_sequence_and_unindexed_use():
    with pytest.raises(ConfigurationError, match="outside a sequence of 3 tokens"):
        MultiLabelAdjacencyField([(0, 3, "WORK_FOR")], _text_field(3))
    field = MultiLabelAdjacencyField([(0, 1, "WORK_FOR")], _text_field(3))
    with pytest.raises(ConfigurationError, match="before index"):
        field.as_tensor({"num_tokens": 3})
