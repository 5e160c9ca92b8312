import math

import pytest
import torch

from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary

from hmtl_allennlp.modules.heads import MultiHeadSelectionHead
from hmtl_allennlp.modules.heads.relation import BIOUL_POSITIONS
from hmtl_allennlp.common.documents import Mention, Relation
from tests.annotations import dygie_mentions, dygie_relations


@pytest.fixture
def vocab():
    vocab = Vocabulary()
    vocab.add_token_to_namespace("LIVES_IN", "relation_labels")
    return vocab


def make_head(vocab, **kwargs):
    """
    A scorer with known weights on 2-d token vectors h = (a, c):
    score(i, j) = relu(a_i + c_j - 1.5), so a pair is predicted (score > 0, sigmoid > 0.5)
    exactly when a_i = 1 (i can head a relation) and c_j = 1 (j can be a tail).
    """
    head = MultiHeadSelectionHead(vocab, task="relation", input_dim=2, hidden_dim=2, **kwargs)
    with torch.no_grad():
        head._head_projection.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
        head._tail_projection.weight.copy_(torch.tensor([[0.0, 1.0], [0.0, 0.0]]))
        head._tail_projection.bias.copy_(torch.tensor([-1.5, 0.0]))
        head._label_scorer.weight.copy_(torch.tensor([[1.0, 0.0]]))
    return head


def metadata(gold_mentions, gold_relations=(), sentence_lengths=None, token_offset=0, num_tokens=4):
    return {
        "token_offset": token_offset,
        "sentence_lengths": sentence_lengths or [num_tokens],
        "gold_mentions": dygie_mentions(gold_mentions),
        "gold_relations": dygie_relations(gold_relations, gold_mentions),
    }


# "John lives in Paris": John (0) can head, Paris (3) can be a tail.
ENCODED = torch.tensor([[[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 1.0]]])
MASK = torch.ones(1, 4, dtype=torch.bool)


def test_relations_between_gold_mentions_carry_spans_types_and_scores(vocab):
    head = make_head(vocab)
    # The sentence starts at token 10 of its document.
    meta = metadata(
        [(10, 10, "PER"), (12, 13, "LOC")], [(10, 10, 12, 13, "LIVES_IN")], token_offset=10
    )
    relations = torch.zeros(1, 4, 4, 1)
    relations[0, 0, 3, 0] = 1.0
    output = head(encoded_text=ENCODED, mask=MASK, metadata=[meta], relations=relations)
    [[relation]] = output["relation_relations"]
    assert relation.head == Mention(0, 0, "PER") and relation.tail == Mention(2, 3, "LOC")
    assert relation.label == "LIVES_IN"
    assert relation.score == pytest.approx(torch.sigmoid(torch.tensor(0.5)).item())
    metrics = head.get_metrics(reset=True)
    assert metrics["strict_f1"] == 1.0
    assert metrics["boundaries_f1"] == 1.0
    assert metrics["uses_gold_mentions"] == 1.0


def test_predicted_mentions_are_the_arguments_when_a_mention_level_is_set(vocab):
    head = make_head(vocab, mention_level="emd")
    meta = metadata([(0, 0, "PER"), (3, 3, "LOC")], [(0, 0, 3, 3, "LIVES_IN")])
    output = head(
        encoded_text=ENCODED,
        mask=MASK,
        metadata=[meta],
        relations=torch.zeros(1, 4, 4, 1),
        # Right boundaries, wrong head type.
        predicted_mentions=[[Mention(0, 0, "ORG"), Mention(3, 3, "LOC")]],
    )
    assert [r._replace(score=None) for r in output["relation_relations"][0]] == [
        Relation(Mention(0, 0, "ORG"), Mention(3, 3, "LOC"), "LIVES_IN")
    ]
    metrics = head.get_metrics(reset=True)
    assert metrics["strict_f1"] == 0.0
    assert metrics["boundaries_f1"] == 1.0
    assert metrics["hmtl_f1"] == 1.0
    assert metrics["uses_gold_mentions"] == 0.0

    with pytest.raises(ValueError, match="no predicted mentions"):
        head(encoded_text=ENCODED, mask=MASK, metadata=[meta])


def test_no_pairs_across_sentences_and_threshold_is_configurable(vocab):
    # Two sentences of two tokens in one instance: John (0) and Paris (3) are in different ones.
    meta = metadata([(0, 0, "PER"), (3, 3, "LOC")], sentence_lengths=[2, 2])
    assert make_head(vocab)(encoded_text=ENCODED, mask=MASK, metadata=[meta])[
        "relation_relations"
    ] == [[]]
    one_sentence = metadata([(0, 0, "PER"), (3, 3, "LOC")])
    strict_head = make_head(vocab, threshold=0.7)
    assert strict_head(encoded_text=ENCODED, mask=MASK, metadata=[one_sentence])[
        "relation_relations"
    ] == [[]]


def test_loss_ignores_padding_and_reduces_by_mean_or_sum(vocab):
    head = make_head(vocab)
    relations = torch.zeros(1, 4, 4, 1)
    relations[0, 0, 3, 0] = 1.0
    meta = [metadata([])]
    loss = head(encoded_text=ENCODED, mask=MASK, metadata=meta, relations=relations)["loss"]

    # The same sentence padded to 6 tokens with garbage vectors and targets.
    padded_encoded = torch.cat([ENCODED, torch.full((1, 2, 2), 3.0)], dim=1)
    padded_mask = torch.cat([MASK, torch.zeros(1, 2, dtype=torch.bool)], dim=1)
    padded_relations = torch.ones(1, 6, 6, 1)
    padded_relations[0, :4, :4] = relations[0]
    padded_loss = head(
        encoded_text=padded_encoded, mask=padded_mask, metadata=meta, relations=padded_relations
    )["loss"]
    assert padded_loss.item() == pytest.approx(loss.item())

    summed = make_head(vocab, loss_reduction="sum")(
        encoded_text=ENCODED, mask=MASK, metadata=meta, relations=relations
    )["loss"]
    assert summed.item() == pytest.approx(16 * loss.item())


def test_empty_and_one_token_sentences_do_not_crash(vocab):
    head = make_head(vocab)
    encoded = torch.zeros(2, 1, 2, requires_grad=True)
    mask = torch.tensor([[False], [True]])
    output = head(
        encoded_text=encoded,
        mask=mask,
        metadata=[metadata([], num_tokens=0), metadata([(0, 0, "PER")], num_tokens=1)],
        relations=torch.zeros(2, 1, 1, 1),
    )
    assert output["relation_relations"] == [[], []]
    output["loss"].backward()

    nothing = head(
        encoded_text=torch.zeros(1, 0, 2),
        mask=torch.zeros(1, 0, dtype=torch.bool),
        metadata=[metadata([], num_tokens=0)],
        relations=torch.zeros(1, 0, 0, 1),
    )
    assert nothing["relation_relations"] == [[]] and nothing["loss"].item() == 0.0


def test_configuration_errors(vocab):
    with pytest.raises(ConfigurationError, match="no labels in namespace 'other_labels'"):
        MultiHeadSelectionHead(vocab, task="relation", input_dim=2, label_namespace="other_labels")
    with pytest.raises(ConfigurationError, match="loss_reduction"):
        MultiHeadSelectionHead(vocab, task="relation", input_dim=2, loss_reduction="max")


def test_positive_weight_scales_only_the_positive_cells(vocab):
    relations = torch.zeros(1, 4, 4, 1)
    relations[0, 0, 3, 0] = 1.0
    arguments = dict(encoded_text=ENCODED, mask=MASK, metadata=[metadata([])], relations=relations)
    plain = make_head(vocab, loss_reduction="sum")(**arguments)["loss"]
    weighted = make_head(vocab, loss_reduction="sum", positive_weight=3.0)(**arguments)["loss"]
    # The one positive cell (John -> Paris) has logit relu(1 + 1 - 1.5) = 0.5, so its loss is
    # -log(sigmoid(0.5)); weighting it 3 times adds twice that, and nothing else changes.
    positive_cell_loss = -torch.log(torch.sigmoid(torch.tensor(0.5))).item()
    assert weighted.item() - plain.item() == pytest.approx(2 * positive_cell_loss, rel=1e-5)
    with pytest.raises(ConfigurationError, match="positive_weight"):
        make_head(vocab, positive_weight=0.0)


def test_initial_positive_rate_starts_every_cell_at_that_probability(vocab):
    head = MultiHeadSelectionHead(vocab, task="relation", input_dim=2, initial_positive_rate=0.01)
    torch.nn.init.zeros_(head._tail_projection.bias)
    relations = torch.zeros(1, 4, 4, 1)
    loss = head(
        encoded_text=torch.zeros(1, 4, 2), mask=MASK, metadata=[metadata([])], relations=relations
    )
    # Zero input and hidden bias: every cell's logit is the label bias alone, so its
    # probability is the prior.
    assert loss["loss"].item() == pytest.approx(-math.log(0.99), rel=1e-4)
    with pytest.raises(ConfigurationError, match="initial_positive_rate"):
        MultiHeadSelectionHead(vocab, task="relation", input_dim=2, initial_positive_rate=1.0)


def test_entity_label_embeddings_mark_the_mention_tokens(vocab):
    vocab.add_token_to_namespace("PER", "mention_types")
    vocab.add_token_to_namespace("LOC", "mention_types")
    head = MultiHeadSelectionHead(
        vocab, task="relation", input_dim=2, hidden_dim=2, entity_label_embedding_dim=3
    )
    labels = head._entity_labels(
        [[Mention(0, 0, "PER"), Mention(2, 3, "LOC")], [Mention(1, 1, "PLANT")]],
        MASK.repeat(2, 1),
    )
    num_types = vocab.get_vocab_size("mention_types")  # padding, unknown, PER, LOC
    per, loc = (vocab.get_token_index(t, "mention_types") for t in ("PER", "LOC"))
    unknown = vocab.get_token_index("@@UNKNOWN@@", "mention_types")
    unit, begin, last = (BIOUL_POSITIONS.index(position) for position in "UBL")
    assert labels.tolist() == [
        [1 + unit * num_types + per, 0, 1 + begin * num_types + loc, 1 + last * num_types + loc],
        [0, 1 + unit * num_types + unknown, 0, 0],
    ]

    # In training with a mention level, the labels are the gold mentions', not the predicted.
    head = MultiHeadSelectionHead(
        vocab, task="relation", input_dim=2, entity_label_embedding_dim=3, mention_level="emd"
    )
    meta = metadata([(0, 0, "PER"), (3, 3, "LOC")], [(0, 0, 3, 3, "LIVES_IN")])
    arguments = dict(
        encoded_text=ENCODED, mask=MASK, metadata=[meta], relations=torch.zeros(1, 4, 4, 1)
    )
    head.train()
    head(**arguments, predicted_mentions=[[]])["loss"].backward()
    gold_label_rows = [1 + unit * num_types + per, 1 + unit * num_types + loc]
    gradient_rows = head._entity_label_embedding.weight.grad.abs().sum(-1).nonzero().flatten()
    assert sorted(gradient_rows.tolist()) == sorted([0] + gold_label_rows)


def test_gold_relations_without_the_dense_target_name_the_reader_option(vocab):
    head = make_head(vocab)
    meta = metadata([(0, 0, "PER"), (3, 3, "LOC")], [(0, 0, 3, 3, "LIVES_IN")])
    with pytest.raises(ConfigurationError, match="relation_adjacency: true") as error:
        head(encoded_text=ENCODED, mask=MASK, metadata=[meta], relation_labels=torch.ones(1, 1))
    assert "dataset_reader.readers.relation.relation_adjacency" in str(error.value)
    # Without gold relations (prediction), nothing is missing.
    output = head(encoded_text=ENCODED, mask=MASK, metadata=[meta])
    assert "loss" not in output
