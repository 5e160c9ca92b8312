import pytest
import torch

from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.nn import util

from hmtl_allennlp.modules.heads import SpanPairRelationHead
from hmtl_allennlp.common.documents import Mention, Relation
from tests.annotations import dygie_mentions, dygie_relations

INPUT_DIM = 6


def make_head(relation_vocab, **kwargs):
    torch.manual_seed(0)
    arguments = dict(hidden_dim=16, width_embedding_dim=4, entity_type_embedding_dim=4)
    arguments.update(kwargs)
    return SpanPairRelationHead(relation_vocab, task="relation", input_dim=INPUT_DIM, **arguments)


def metadata(gold_mentions=(), gold_relations=(), num_tokens=6, token_offset=0, lengths=None):
    return {
        "token_offset": token_offset,
        "sentence_lengths": lengths or [num_tokens],
        "gold_mentions": dygie_mentions(gold_mentions),
        "gold_relations": dygie_relations(gold_relations, gold_mentions),
    }


def encoded(batch_size=1, num_tokens=6):
    torch.manual_seed(1)
    return torch.randn(batch_size, num_tokens, INPUT_DIM), torch.ones(
        batch_size, num_tokens, dtype=torch.bool
    )


# "Ann Lee lives in Paris ." with Ann Lee (0-1) PER, Paris (4) LOC; the sentence starts at
# token 10 of its document.
SENTENCE = metadata(
    [(10, 11, "PER"), (14, 14, "LOC")], [(10, 11, 14, 14, "LIVES_IN")], token_offset=10
)
# Every relation label is the output index of its vocabulary id + 1 (0: no relation).
NO_RELATION_ONLY = torch.tensor([10.0, -10.0, -10.0])


def test_both_directions_of_every_pair_are_scored_and_decoded_with_spans_and_types(relation_vocab):
    head = make_head(relation_vocab).eval()
    # Predict LIVES_IN for every pair.
    with torch.no_grad():
        head._label_projection.weight.zero_()
        head._label_projection.bias.copy_(torch.tensor([-5.0, 5.0, -5.0]))
    text, mask = encoded()
    output = head(encoded_text=text, mask=mask, metadata=[SENTENCE], relation_labels=torch.zeros(1))
    relations = sorted(output["relation_relations"][0])
    assert [r._replace(score=None) for r in relations] == [
        Relation(Mention(0, 1, "PER"), Mention(4, 4, "LOC"), "LIVES_IN"),
        Relation(Mention(4, 4, "LOC"), Mention(0, 1, "PER"), "LIVES_IN"),
    ]
    expected_score = torch.softmax(torch.tensor([-5.0, 5, -5]), 0)[1].item()
    assert relations[0].score == pytest.approx(expected_score)
    metrics = head.get_metrics(reset=True)
    assert metrics["strict_precision"] == 0.5 and metrics["strict_recall"] == 1.0
    assert metrics["uses_gold_mentions"] == 1.0


def test_loss_is_the_summed_pair_cross_entropy_averaged_over_sentences(relation_vocab):
    head = make_head(relation_vocab, dropout=0.0)
    with torch.no_grad():
        head._label_projection.weight.zero_()
        head._label_projection.bias.copy_(NO_RELATION_ONLY)
    text, mask = encoded(batch_size=2)
    no_relation = metadata([(0, 0, "PER"), (4, 4, "LOC")])
    loss = head(
        encoded_text=text,
        mask=mask,
        metadata=[SENTENCE, no_relation],
        relation_labels=torch.zeros(2),
    )["loss"]
    # Two pairs per sentence, each with the same logits: three pairs say "no relation"
    # rightly, the gold pair Ann Lee -> Paris is LIVES_IN.
    log_probabilities = torch.log_softmax(NO_RELATION_ONLY, 0)
    expected = -(3 * log_probabilities[0] + log_probabilities[1]) / 2
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_a_relation_label_training_never_saw_is_no_relation_and_counts_as_missed(relation_vocab):
    head = make_head(relation_vocab, dropout=0.0)
    with torch.no_grad():
        head._label_projection.weight.zero_()
        head._label_projection.bias.copy_(NO_RELATION_ONLY)
    text, mask = encoded()
    unseen = metadata([(0, 1, "PER"), (4, 4, "LOC")], [(0, 1, 4, 4, "BORN_IN")])
    without = metadata([(0, 1, "PER"), (4, 4, "LOC")])
    loss_unseen = head(
        encoded_text=text, mask=mask, metadata=[unseen], relation_labels=torch.zeros(1)
    )
    assert head.get_metrics(reset=True)["strict_recall"] == 0.0
    loss_without = head(
        encoded_text=text, mask=mask, metadata=[without], relation_labels=torch.zeros(1)
    )
    assert loss_unseen["loss"].item() == pytest.approx(loss_without["loss"].item())


def test_an_unknown_entity_type_is_embedded_as_unknown(relation_vocab):
    head = make_head(relation_vocab)
    text, mask = encoded()
    meta = metadata([(0, 1, "PLANT"), (4, 4, "LOC")], [(0, 1, 4, 4, "LIVES_IN")])
    output = head(encoded_text=text, mask=mask, metadata=[meta], relation_labels=torch.zeros(1))
    output["loss"].backward()
    unknown = relation_vocab.get_token_index("@@UNKNOWN@@", "mention_types")
    assert head._type_embedding.weight.grad[unknown].abs().sum() > 0


def test_with_a_mention_level_training_mentions_are_configurable_and_evaluation_predicts(
    relation_vocab,
):
    text, mask = encoded()
    # The tagger found Paris only, and one spurious mention.
    predicted = [[Mention(4, 4, "LOC"), Mention(2, 2, "ORG")]]
    arguments = dict(
        encoded_text=text,
        mask=mask,
        metadata=[SENTENCE],
        relation_labels=torch.zeros(1),
        predicted_mentions=predicted,
    )

    def pairs_scored(training_mentions, training):
        head = make_head(relation_vocab, mention_level="emd", training_mentions=training_mentions)
        head.train(training)
        with torch.no_grad():
            # Every pair is predicted: the output lists the candidate pairs.
            head._label_projection.weight.zero_()
            head._label_projection.bias.copy_(torch.tensor([-5.0, 5.0, -5.0]))
        relations = head(**arguments)["relation_relations"][0]
        return sorted((*r.head.span, *r.tail.span) for r in relations)

    gold = [(0, 1, 4, 4), (4, 4, 0, 1)]
    predicted_pairs = [(2, 2, 4, 4), (4, 4, 2, 2)]
    assert pairs_scored("gold", training=True) == gold
    assert pairs_scored("predicted", training=True) == predicted_pairs
    assert len(pairs_scored("gold_and_predicted", training=True)) == 6
    for training_mentions in ("gold", "gold_and_predicted", "predicted"):
        assert pairs_scored(training_mentions, training=False) == predicted_pairs

    head = make_head(relation_vocab, mention_level="emd")
    with pytest.raises(ValueError, match="no predicted mentions"):
        head(encoded_text=text, mask=mask, metadata=[SENTENCE])
    with pytest.raises(ConfigurationError, match="training_mentions must be one of"):
        make_head(relation_vocab, mention_level="emd", training_mentions="all")


def test_no_pairs_across_sentences(relation_vocab):
    head = make_head(relation_vocab)
    text, mask = encoded()
    # Two sentences of three tokens: the two mentions are in different ones.
    meta = metadata([(0, 0, "PER"), (4, 4, "LOC")], lengths=[3, 3])
    output = head(encoded_text=text, mask=mask, metadata=[meta], relation_labels=torch.zeros(1))
    assert output["relation_relations"] == [[]]
    assert output["loss"].item() == 0.0


def test_sentences_without_mentions_or_relations_train_and_predict(relation_vocab):
    head = make_head(relation_vocab)
    text, mask = encoded(batch_size=3)
    text.requires_grad_()
    batch = [metadata(), metadata([(0, 0, "PER")]), metadata([(0, 0, "PER"), (2, 3, "ORG")])]
    output = head(encoded_text=text, mask=mask, metadata=batch, relation_labels=torch.zeros(3))
    output["loss"].backward()
    assert len(output["relation_relations"]) == 3 and output["relation_relations"][:2] == [[], []]

    nothing = head(
        encoded_text=text[:2], mask=mask[:2], metadata=batch[:2], relation_labels=torch.zeros(2)
    )
    assert nothing["relation_relations"] == [[], []] and nothing["loss"].item() == 0.0
    nothing["loss"].backward()  # no candidate pair anywhere: a zero loss that still backpropagates
    prediction = head(encoded_text=text, mask=mask, metadata=batch)
    assert "loss" not in prediction


def test_configuration_errors():
    relation_vocab = Vocabulary()
    with pytest.raises(ConfigurationError, match="span_pair head of level 'relation': .*no labels"):
        SpanPairRelationHead(relation_vocab, task="relation", input_dim=2)
    relation_vocab.add_token_to_namespace("LIVES_IN", "relation_labels")
    with pytest.raises(ConfigurationError, match="num_layers"):
        SpanPairRelationHead(relation_vocab, task="relation", input_dim=2, num_layers=0)


def test_context_is_the_max_pooled_text_strictly_between_the_arguments():
    # Token i has the vector (i, -i).
    text = torch.tensor([[[float(i), -float(i)] for i in range(8)]])
    # Shape: (1, 3, 2): pairs (0-1, 5-5), (5-5, 0-1) and two touching arguments (2-3, 4-4).
    heads = torch.tensor([[[0, 1], [5, 5], [2, 3]]])
    tails = torch.tensor([[[5, 5], [0, 1], [4, 4]]])
    context = SpanPairRelationHead._context_between(text, heads, tails)
    # Between tokens 1 and 5: tokens 2, 3, 4; the maximum of each dimension.
    assert context.tolist() == [[[4.0, -2.0], [4.0, -2.0], [0.0, 0.0]]]


def test_context_of_gaps_of_every_width_and_its_gradient_are_those_of_each_gap_alone():
    generator = torch.Generator().manual_seed(0)
    text = torch.randn(2, 12, 3, generator=generator, requires_grad=True)
    # Gaps of 0 to 9 tokens in one batch; arguments touching or overlapping; the last token.
    heads = torch.tensor([[[0, 1], [3, 3], [0, 0], [11, 11]], [[2, 4], [6, 8], [1, 1], [0, 0]]])
    tails = torch.tensor([[[5, 6], [4, 5], [11, 11], [10, 11]], [[3, 3], [1, 2], [9, 10], [1, 1]]])
    context = SpanPairRelationHead._context_between(text, heads, tails)
    (context * torch.arange(1.0, 4.0)).sum().backward()
    got_gradient, text.grad = text.grad, None

    expected = torch.zeros(2, 4, 3)
    for i in range(2):
        for p in range(4):
            start = min(int(heads[i, p, 1]), int(tails[i, p, 1])) + 1
            end = max(int(heads[i, p, 0]), int(tails[i, p, 0]))
            if end > start:
                expected[i, p] = text[i, start:end].max(dim=0).values
    (expected * torch.arange(1.0, 4.0)).sum().backward()
    assert torch.allclose(context, expected)
    assert torch.allclose(got_gradient, text.grad)


def test_context_of_long_gaps_with_ties_takes_the_gradient_to_the_token_max_picks():
    # Integer values tie often; each gap's `max` sends the gradient to the first maximal token
    # of each dimension, and the pooled gaps must send it to the same ones.
    generator = torch.Generator().manual_seed(1)
    text = torch.randint(-3, 4, (2, 45, 4), generator=generator).float().requires_grad_()
    # Every gap of 0 to 42 tokens, at every start that fits.
    pairs = [(start, width) for width in range(43) for start in range(1, 44 - width)]
    heads = torch.tensor([[[start - 1, start - 1] for start, _ in pairs]] * 2)
    tails = torch.tensor([[[start + width, start + width] for start, width in pairs]] * 2)
    # Integer weights: the gradients are exact sums, whatever their order.
    weights = torch.randint(-5, 6, (2, len(pairs), 4), generator=generator).float()
    context = SpanPairRelationHead._context_between(text, heads, tails)
    (context * weights).sum().backward()
    got_gradient, text.grad = text.grad, None

    expected = torch.stack(
        [
            torch.stack(
                [
                    (
                        text[i, start : start + width].max(dim=0).values
                        if width > 0
                        else torch.zeros(4)
                    )
                    for start, width in pairs
                ]
            )
            for i in range(2)
        ]
    )
    (expected * weights).sum().backward()
    assert torch.equal(context, expected)
    assert torch.equal(got_gradient, text.grad)


def test_only_the_first_mentions_of_a_sentence_are_paired(relation_vocab):
    head = make_head(relation_vocab, max_mentions_per_sentence=3)
    # Five one-token mentions in sentence 0 (tokens 0-4), two in sentence 1 (tokens 5-6).
    mentions = [Mention(i, i, "PER") for i in (4, 0, 3, 1, 2, 5, 6)]
    pairs = head._candidate_pairs(mentions, [5, 2])
    arguments = {mention.start for pair in pairs for mention in pair}
    assert arguments == {0, 1, 2, 5, 6}
    assert len(pairs) == 3 * 2 + 2 * 1
    with pytest.raises(ConfigurationError, match="max_mentions_per_sentence"):
        make_head(relation_vocab, max_mentions_per_sentence=1)


def test_pairs_scored_in_chunks_give_the_same_output(relation_vocab, monkeypatch):
    from hmtl_allennlp.modules.heads import span_pair_relation

    head = make_head(relation_vocab).eval()
    with torch.no_grad():
        head._label_projection.bias.copy_(torch.tensor([-1.0, 1.0, 0.0]))
    text, mask = encoded(batch_size=2)
    batch = [
        metadata([(0, 0, "PER"), (2, 3, "ORG"), (5, 5, "LOC")]),
        metadata([(0, 1, "PER"), (4, 4, "LOC")]),
    ]
    whole = head(encoded_text=text, mask=mask, metadata=batch)["relation_relations"]
    # Two instances, so one pair of each at a time.
    monkeypatch.setattr(span_pair_relation, "PAIRS_PER_CHUNK", 2)
    chunked = head(encoded_text=text, mask=mask, metadata=batch)["relation_relations"]
    assert len(whole[0]) > 0 and len(whole) == len(chunked)
    for instance_whole, instance_chunked in zip(whole, chunked):
        # The same relations; scores up to floating-point rounding (other matrix shapes).
        assert [r._replace(score=None) for r in instance_whole] == [
            r._replace(score=None) for r in instance_chunked
        ]
        assert [r.score for r in instance_whole] == pytest.approx(
            [r.score for r in instance_chunked]
        )


@pytest.mark.parametrize("between_context", [True, False])
def test_pair_logits_and_gradients_are_those_of_the_network_on_whole_pairs(
    relation_vocab, between_context
):
    """The first layer applied to the parts of [head; tail; head * tail; context] gives the
    logits and gradients of the feed-forward network on the pairs whole, with the same dropout
    draws."""
    head = make_head(relation_vocab, between_context=between_context, dropout=0.3).train()
    generator = torch.Generator().manual_seed(2)
    text = torch.randn(2, 9, INPUT_DIM, generator=generator, requires_grad=True)
    # Endpoints of 2 x INPUT_DIM, width and entity type embeddings of 4.
    represented = torch.randn(2, 4, 2 * INPUT_DIM + 4 + 4, generator=generator, requires_grad=True)
    spans = torch.tensor([[[0, 0], [2, 3], [5, 5], [8, 8]], [[1, 1], [3, 4], [0, 0], [0, 0]]])
    head_indices = torch.tensor([[0, 1, 2, 3, 3], [0, 1, 1, 0, 0]])
    tail_indices = torch.tensor([[3, 2, 0, 1, 0], [1, 0, 0, 0, 0]])
    weights = torch.randn(2, 5, 3, generator=generator)

    def whole_pairs():
        heads = util.batched_index_select(represented, head_indices)
        tails = util.batched_index_select(represented, tail_indices)
        parts = [heads, tails, heads * tails]
        if between_context:
            parts.append(
                head._dropout(
                    head._context_between(
                        text,
                        util.batched_index_select(spans, head_indices),
                        util.batched_index_select(spans, tail_indices),
                    )
                )
            )
        return head._label_projection(head._pair_scorer(torch.cat(parts, dim=-1)))

    def by_parts():
        return head._scored_pairs(text, represented, spans, head_indices, tail_indices)

    results = []
    for scored in (whole_pairs, by_parts):
        torch.manual_seed(3)
        head.zero_grad()
        text.grad = represented.grad = None
        logits = scored()
        (logits * weights).sum().backward()
        gradients = [represented.grad] + [p.grad for p in head._pair_scorer.parameters()]
        if between_context:
            gradients.append(text.grad)
        results.append((logits.detach(), gradients))
    (expected, expected_gradients), (got, got_gradients) = results
    assert torch.allclose(got, expected, atol=1e-6)
    for got_gradient, expected_gradient in zip(got_gradients, expected_gradients):
        assert torch.allclose(got_gradient, expected_gradient, atol=1e-6)
