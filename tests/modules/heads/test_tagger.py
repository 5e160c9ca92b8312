import pytest
import torch

from allennlp.common import Lazy, Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.models.heads import Head
from allennlp.modules import FeedForward

from hmtl_allennlp.modules.heads import CrfTaggerHead
from hmtl_allennlp.modules.heads.tagger import _best_previous_tags
from tests.annotations import dygie_mentions

TAGS = ["O", "U-PER", "B-LOC", "I-LOC", "L-LOC"]


@pytest.fixture
def vocab():
    vocab = Vocabulary()
    for tag in TAGS:
        vocab.add_token_to_namespace(tag, "emd_tags")
    return vocab


def make_head(vocab, **kwargs):
    """A head whose logits are its input (identity projection, zero transition scores)."""
    head = CrfTaggerHead(vocab, task="emd", input_dim=len(TAGS), **kwargs)
    with torch.no_grad():
        head._tag_projection._module.weight.copy_(torch.eye(len(TAGS)))
        head._tag_projection._module.bias.zero_()
        crf = head._crf
        for transitions in (crf.transitions, crf.start_transitions, crf.end_transitions):
            transitions.zero_()
    return head


def one_hot_logits(tag_sequences, num_tokens):
    """(batch, num_tokens, num_tags) logits of 5.0 on the given tags, and the mask."""
    logits = torch.zeros(len(tag_sequences), num_tokens, len(TAGS))
    mask = torch.zeros(len(tag_sequences), num_tokens, dtype=torch.bool)
    for i, tags in enumerate(tag_sequences):
        for j, tag in enumerate(tags):
            logits[i, j, TAGS.index(tag)] = 5.0
            mask[i, j] = True
    return logits, mask


def metadata(gold_mentions, token_offset=0):
    return {"token_offset": token_offset, "gold_mentions": dygie_mentions(gold_mentions)}


def test_decodes_typed_instance_local_spans_and_scores_them_at_document_level(vocab):
    head = make_head(vocab)
    logits, mask = one_hot_logits([["U-PER", "O", "B-LOC", "L-LOC"], ["O", "U-PER"]], 4)
    gold_tags = logits.argmax(-1)
    output = head(
        encoded_text=logits,
        mask=mask,
        # The first sentence starts at token 100 of its document; one gold LOC is missed.
        metadata=[
            metadata([(100, 100, "PER"), (102, 103, "LOC")], token_offset=100),
            metadata([(1, 1, "PER"), (0, 1, "LOC")]),
        ],
        tags=gold_tags,
    )
    assert output["emd_spans"] == [[(0, 0, "PER"), (2, 3, "LOC")], [(1, 1, "PER")]]
    assert output["emd_tags"] == [["U-PER", "O", "B-LOC", "L-LOC"], ["O", "U-PER"]]
    assert output["loss"].dim() == 0 and output["loss"].item() > 0
    metrics = head.get_metrics(reset=True)
    assert metrics["precision"] == 1.0
    assert metrics["recall"] == pytest.approx(3 / 4)
    assert metrics["f1"] == pytest.approx(2 * 0.75 / 1.75)
    assert metrics["LOC_recall"] == 0.5
    assert head.main_metric in metrics


def test_decoding_is_constrained_to_well_formed_bioul(vocab):
    head = make_head(vocab)
    # Unconstrained argmax would be "I-LOC O", which no BIOUL sequence can start with.
    logits, mask = one_hot_logits([["I-LOC", "O"]], 2)
    output = head(encoded_text=logits, mask=mask, metadata=[metadata([])])
    assert output["emd_tags"][0][0] != "I-LOC"
    assert "loss" not in output


def test_empty_and_one_token_sentences_do_not_crash(vocab):
    head = make_head(vocab)
    logits, mask = one_hot_logits([[], ["U-PER"], ["O", "O", "O"]], 3)
    output = head(
        encoded_text=logits.requires_grad_(),
        mask=mask,
        metadata=[metadata([]), metadata([(0, 0, "PER")]), metadata([])],
        tags=logits.argmax(-1),
    )
    assert output["emd_spans"] == [[], [(0, 0, "PER")], []]
    output["loss"].backward()

    empty_logits, empty_mask = one_hot_logits([[]], 0)
    empty_output = head(
        encoded_text=empty_logits.requires_grad_(),
        mask=empty_mask,
        metadata=[metadata([])],
        tags=torch.zeros(1, 0, dtype=torch.long),
    )
    assert empty_output["emd_spans"] == [[]]
    assert empty_output["loss"].item() == 0.0
    empty_output["loss"].backward()


def test_loss_reduction_sum_adds_and_mean_averages_over_non_empty_sentences(vocab):
    logits, mask = one_hot_logits([["U-PER", "O"], ["O"], []], 2)
    tags = logits.argmax(-1)
    meta = [metadata([])] * 3
    summed = make_head(vocab)(encoded_text=logits, mask=mask, metadata=meta, tags=tags)["loss"]
    mean = make_head(vocab, loss_reduction="mean")(
        encoded_text=logits, mask=mask, metadata=meta, tags=tags
    )["loss"]
    assert summed.item() == pytest.approx(2 * mean.item())


def test_decode_spans_matches_forward_and_ignores_dropout(vocab):
    head = make_head(vocab, dropout=0.9)
    head.train()
    logits, mask = one_hot_logits([["B-LOC", "I-LOC", "L-LOC", "O"]], 4)
    assert head.decode_spans(logits, mask) == [[(0, 2, "LOC")]]
    head.eval()
    assert head(encoded_text=logits, mask=mask, metadata=[metadata([])])["emd_spans"] == [
        [(0, 2, "LOC")]
    ]


def test_built_lazily_from_params_with_a_feedforward(vocab):
    head = Lazy(
        Head,
        params=Params(
            {
                "type": "crf_tagger",
                "feedforward": {"num_layers": 1, "hidden_dims": 7, "activations": "relu"},
            }
        ),
    ).construct(vocab=vocab, task="emd", input_dim=6, embedding_dim=3)
    assert isinstance(head._feedforward, FeedForward)
    assert head._feedforward.get_input_dim() == 6
    assert head.label_namespace == "emd_tags"
    output = head(
        encoded_text=torch.randn(2, 3, 6),
        mask=torch.ones(2, 3, dtype=torch.bool),
        metadata=[metadata([])] * 2,
    )
    assert output["emd_logits"].shape == (2, 3, len(TAGS))


def test_configuration_errors(vocab):
    with pytest.raises(ConfigurationError, match="no tags in namespace 'ner_tags'"):
        CrfTaggerHead(vocab, task="ner", input_dim=4)
    with pytest.raises(ConfigurationError, match="loss_reduction"):
        CrfTaggerHead(vocab, task="emd", input_dim=4, loss_reduction="max")


@pytest.mark.parametrize(
    "settings",
    [{}, {"include_start_end_transitions": False}, {"label_encoding": "plain"}],
    ids=["bioul", "without-start-end", "plain"],
)
def test_batched_viterbi_finds_the_paths_of_the_crfs_own_decoding(vocab, settings):
    """All sentences at once, the paths of `viterbi_tags` one sentence at a time: on random
    weights and on integer logits, whose many exact ties must be broken the same way."""
    head = CrfTaggerHead(vocab, task="emd", input_dim=len(TAGS), **settings)
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for transitions in head._crf.parameters():
            transitions.copy_(torch.randn(transitions.shape, generator=generator))
    for integer_logits in (False, True):
        logits = torch.randn(6, 9, len(TAGS), generator=generator)
        if integer_logits:
            logits = logits.round()
        lengths = [9, 1, 4, 7, 9, 2]
        mask = torch.arange(9).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
        expected = [path for path, _ in head._crf.viterbi_tags(logits, mask)]
        assert head._best_paths(logits, lengths) == expected
        assert [len(path) for path in expected] == lengths


def test_best_previous_tags_are_topks_on_ties_and_nan():
    """`max` where the maximum is unique, `topk` on the other slices: the scores and previous
    tags of `topk` over the whole tensor, whose choice among tied maxima is not the first."""
    generator = torch.Generator().manual_seed(3)
    for num_tags in (3, 17, 45, 130):
        # Integer potentials and constrained transitions at -10,000: ties everywhere.
        potentials = torch.randint(-3, 3, (8, num_tags, num_tags), generator=generator).float()
        potentials[potentials < -1] = -10000.0
        potentials[0, 1, 2] = float("nan")
        expected_scores, expected_paths = torch.topk(potentials, k=1, dim=1)
        scores, paths = _best_previous_tags(potentials)
        assert torch.equal(paths, expected_paths.squeeze(1))
        assert torch.allclose(scores, expected_scores.squeeze(1), equal_nan=True)
