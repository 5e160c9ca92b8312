import json
import types
from typing import Any, Dict, List, Tuple

import pytest
import torch

from allennlp.common import Lazy, Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.data.dataset_readers.dataset_utils import enumerate_spans
from allennlp.models.heads import Head
from allennlp.modules import FeedForward
from allennlp.nn import util
from allennlp.predictors import Predictor
from allennlp_models.coref.models.coref import CoreferenceResolver

from hmtl_allennlp.modules.heads.coref import CoreferenceHead
from tests.annotations import dygie_clusters

INPUT_DIM = 6
EMBEDDING_DIM = 4
MAX_SPAN_WIDTH = 3

# Two sentences of 5 tokens (floor(0.4 * 10) = 4 spans kept by default), two clusters of two
# mentions each, across the sentences.
TOY_DOCUMENT = {"sentence_lengths": [5, 5], "gold_clusters": [[(0, 0), (6, 7)], [(2, 3), (9, 9)]]}


def make_head(**kwargs) -> CoreferenceHead:
    torch.manual_seed(0)
    settings = {"feature_size": 3, "max_span_width": MAX_SPAN_WIDTH, "lexical_dropout": 0.0}
    settings.update(kwargs)
    return CoreferenceHead(
        Vocabulary(), task="coref", input_dim=INPUT_DIM, embedding_dim=EMBEDDING_DIM, **settings
    )


def make_batch(documents: List[Dict[str, Any]]) -> Dict[str, Any]:
    """
    Tensors as the model hands them to the head. Each document: `sentence_lengths`,
    `gold_clusters` (document-level offsets), optional `token_offset` and `seed` (its token
    features, the same alone or in a batch) and `no_spans` (a document without candidates).
    Spans are padded with -1 and span labels with 0, as ListField[SpanField] and
    SequenceLabelField pad them.
    """
    lengths = [sum(document["sentence_lengths"]) for document in documents]
    max_length = max(lengths)
    batch_size = len(documents)
    encoded_text = torch.zeros(batch_size, max_length, INPUT_DIM)
    embedded_text = torch.zeros(batch_size, max_length, EMBEDDING_DIM)
    mask = torch.zeros(batch_size, max_length, dtype=torch.bool)
    all_spans: List[List[Tuple[int, int]]] = []
    all_labels: List[List[int]] = []
    metadata = []
    for index, (document, length) in enumerate(zip(documents, lengths)):
        token_offset = document.get("token_offset", 0)
        generator = torch.Generator().manual_seed(document.get("seed", index))
        encoded_text[index, :length] = torch.randn(length, INPUT_DIM, generator=generator)
        embedded_text[index, :length] = torch.randn(length, EMBEDDING_DIM, generator=generator)
        mask[index, :length] = True
        cluster_ids = {
            (start - token_offset, end - token_offset): cluster_id
            for cluster_id, cluster in enumerate(document["gold_clusters"])
            for start, end in cluster
        }
        spans: List[Tuple[int, int]] = []
        sentence_start = 0
        for sentence_length in document["sentence_lengths"]:
            spans.extend(
                enumerate_spans(
                    ["w"] * sentence_length, offset=sentence_start, max_span_width=MAX_SPAN_WIDTH
                )
            )
            sentence_start += sentence_length
        if document.get("no_spans"):
            spans = []
        all_spans.append(spans)
        all_labels.append([cluster_ids.get(span, -1) for span in spans])
        metadata.append(
            {
                "doc_key": f"doc{index}",
                "sentence_index": None,
                "tokens": ["w"] * length,
                "token_offset": token_offset,
                "sentence_lengths": document["sentence_lengths"],
                "gold_mentions": [],
                "gold_relations": [],
                "gold_clusters": dygie_clusters(document["gold_clusters"]),
            }
        )
    num_spans = max(1, max(len(spans) for spans in all_spans))
    span_tensor = torch.full((batch_size, num_spans, 2), -1, dtype=torch.long)
    label_tensor = torch.zeros(batch_size, num_spans, dtype=torch.long)
    for index, (spans, labels) in enumerate(zip(all_spans, all_labels)):
        if spans:
            span_tensor[index, : len(spans)] = torch.tensor(spans)
            label_tensor[index, : len(labels)] = torch.tensor(labels)
    return {
        "encoded_text": encoded_text.requires_grad_(),
        "embedded_text": embedded_text,
        "mask": mask,
        "metadata": metadata,
        "spans": span_tensor,
        "span_labels": label_tensor,
    }


def as_cluster_set(clusters) -> set:
    return {frozenset(map(tuple, cluster)) for cluster in clusters}


def test_head_is_constructed_as_the_model_does_and_checks_dimensions():
    head = Lazy(Head, Params({"type": "coref", "gold_mentions": True})).construct(
        vocab=Vocabulary(), task="coref", input_dim=INPUT_DIM, embedding_dim=EMBEDDING_DIM
    )
    assert isinstance(head, CoreferenceHead)
    assert head._gold_mentions
    assert CoreferenceHead.main_metric == "avg_f1"
    # Default networks: 2 x 150 over [2 x input_dim ; 20 ; embedding_dim].
    assert head._mention_feedforward.get_input_dim() == 2 * INPUT_DIM + 20 + EMBEDDING_DIM
    assert head._mention_feedforward.get_output_dim() == 150

    with pytest.raises(ConfigurationError, match="mention_feedforward"):
        make_head(mention_feedforward=FeedForward(7, 1, 5, torch.nn.ReLU()))


def test_output_shapes_loss_and_gradients():
    head = make_head()
    batch = make_batch(
        [
            TOY_DOCUMENT,
            {"sentence_lengths": [6], "gold_clusters": [[(0, 1), (4, 4)]]},
            {"sentence_lengths": [2], "gold_clusters": [[(0, 0), (1, 1)]]},
        ]
    )
    output = head(**batch)

    # floor(0.4 * 10) = 4, floor(0.4 * 6) = 2 and floor(0.4 * 2) = 0 spans kept; padding is -1.
    assert output["coref_top_spans"].shape == (3, 4, 2)
    assert (output["coref_top_spans"][1, 2:] == -1).all()
    assert (output["coref_top_spans"][1, :2] >= 0).all()
    assert (output["coref_top_spans"][2] == -1).all()
    assert output["coref_antecedent_indices"].shape == (3, 4, 4)
    assert output["coref_predicted_antecedents"].shape == (3, 4)
    assert (output["coref_predicted_antecedents"][1, 2:] == -1).all()
    assert (output["coref_predicted_antecedents"][2] == -1).all()
    assert output["coref_clusters"][2] == []

    loss = output["loss"]
    assert loss.dim() == 0 and torch.isfinite(loss)
    loss.backward()
    for name, parameter in head.named_parameters():
        assert parameter.grad is not None, name
        assert torch.isfinite(parameter.grad).all(), name
    assert torch.isfinite(batch["encoded_text"].grad).all()
    assert batch["encoded_text"].grad.abs().sum() > 0


@pytest.fixture
def one_thread():
    # Tiny tensors: a second thread only adds synchronisation, and on a loaded machine a lot.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("one_thread")
def test_training_learns_a_toy_document():
    # The loss reaches mention scores only through the kept spans; keeping every candidate (27)
    # makes sure the gold mentions are among them from the first step.
    head = make_head(spans_per_word=3.0)
    batch = make_batch([TOY_DOCUMENT])
    optimizer = torch.optim.Adam(head.parameters(), lr=0.01)
    losses = []
    for _ in range(40):
        optimizer.zero_grad()
        loss = head(**batch)["loss"]
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]

    head.eval()
    head.get_metrics(reset=True)
    with torch.no_grad():
        output = head(**batch)
    assert as_cluster_set(output["coref_clusters"][0]) == as_cluster_set(
        TOY_DOCUMENT["gold_clusters"]
    )
    metrics = head.get_metrics(reset=True)
    assert metrics["avg_f1"] == pytest.approx(1.0)
    assert metrics["mention_recall"] == pytest.approx(1.0)


def test_gold_mentions_mode_keeps_exactly_the_gold_mentions_in_local_offsets():
    head = make_head(gold_mentions=True)
    # A segment starting at document token 100; a gold mention wider than max_span_width, a
    # mention crossing the sentence boundary, and a mention outside the segment (dropped).
    document = {
        "sentence_lengths": [4, 4],
        "token_offset": 100,
        "gold_clusters": [[(100, 104), (106, 106)], [(103, 104), (107, 107), (150, 151)]],
    }
    batch = make_batch([document])
    output = head(**batch)

    top_spans = {tuple(span) for span in output["coref_top_spans"][0].tolist()}
    assert top_spans == {(0, 4), (6, 6), (3, 4), (7, 7)}
    assert torch.isfinite(output["loss"])
    output["loss"].backward()
    assert head.get_metrics(reset=True)["mention_recall"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "documents",
    [
        pytest.param(
            [{"sentence_lengths": [5], "gold_clusters": [], "no_spans": True}], id="no-candidates"
        ),
        pytest.param([{"sentence_lengths": [1], "gold_clusters": []}], id="one-token"),
        pytest.param([{"sentence_lengths": [0], "gold_clusters": []}], id="no-tokens"),
        pytest.param(
            [TOY_DOCUMENT, {"sentence_lengths": [0], "gold_clusters": []}], id="empty-beside-full"
        ),
        pytest.param(
            [TOY_DOCUMENT, {"sentence_lengths": [1], "gold_clusters": [[(0, 0)]]}],
            id="one-token-beside-full",
        ),
    ],
)
@pytest.mark.parametrize("gold_mentions", [False, True])
def test_degenerate_documents_do_not_crash(documents, gold_mentions):
    head = make_head(gold_mentions=gold_mentions)
    output = head(**make_batch(documents))

    assert len(output["coref_clusters"]) == len(documents)
    for document, clusters in zip(documents, output["coref_clusters"]):
        if sum(document["sentence_lengths"]) <= 1 or document.get("no_spans"):
            assert clusters == []
    loss = output["loss"]
    assert torch.isfinite(loss)
    assert loss.requires_grad
    loss.backward()
    assert set(head.get_metrics(reset=True)) >= {"avg_f1", "mention_recall"}


@pytest.mark.parametrize(
    "settings",
    [{}, {"coarse_to_fine": True, "inference_order": 2}],
    ids=["lee-2017", "coarse-to-fine-second-order"],
)
def test_a_batch_gives_what_each_document_gives_alone(settings):
    head = make_head(**settings)
    head.eval()
    documents = [
        dict(TOY_DOCUMENT, seed=1),
        {"sentence_lengths": [3, 4], "gold_clusters": [[(0, 1), (4, 4)]], "seed": 2},
        {"sentence_lengths": [2], "gold_clusters": [], "seed": 3},
    ]
    with torch.no_grad():
        batched = head(**make_batch(documents))
        for index, document in enumerate(documents):
            alone = head(**make_batch([document]))
            num_kept = alone["coref_top_spans"].size(1)
            assert torch.equal(
                batched["coref_top_spans"][index, :num_kept], alone["coref_top_spans"][0]
            )
            assert (batched["coref_top_spans"][index, num_kept:] == -1).all()
            assert torch.equal(
                batched["coref_predicted_antecedents"][index, :num_kept],
                alone["coref_predicted_antecedents"][0],
            )
            assert batched["coref_clusters"][index] == alone["coref_clusters"][0]
            if index == 0:
                loss_of_documents_alone = alone["loss"]
            else:
                loss_of_documents_alone = loss_of_documents_alone + alone["loss"]
    assert batched["loss"].item() == pytest.approx(loss_of_documents_alone.item(), rel=1e-5)


def test_decoded_clusters_are_valid_spans_of_their_document():
    head = make_head(spans_per_word=1.0)
    head.eval()
    documents = [dict(TOY_DOCUMENT, seed=4), {"sentence_lengths": [4, 3], "gold_clusters": []}]
    batch = make_batch(documents)
    with torch.no_grad():
        output = head(**batch)

    assert any(output["coref_clusters"]), "random scores should link at least one pair"
    for index, clusters in enumerate(output["coref_clusters"]):
        candidates = {tuple(span) for span in batch["spans"][index].tolist() if span[0] >= 0}
        seen = set()
        for cluster in clusters:
            assert len(cluster) >= 2
            for span in cluster:
                assert all(type(offset) is int for offset in span)
                assert span in candidates
                assert span not in seen, "a span belongs to one cluster"
                seen.add(span)


@pytest.mark.parametrize("inference_order", [1, 2])
def test_chunked_antecedent_scoring_gives_the_same_output(inference_order):
    """Scoring antecedents a few kept spans at a time changes memory, never the result."""
    whole = make_head(spans_per_word=3.0, inference_order=inference_order)
    chunked = make_head(
        spans_per_word=3.0, inference_order=inference_order, antecedent_chunk_size=2
    )
    chunked.load_state_dict(whole.state_dict())
    whole.eval()
    chunked.eval()
    second_document = {"sentence_lengths": [3, 4], "gold_clusters": [[(0, 1), (4, 4)]]}
    batch = make_batch([TOY_DOCUMENT, second_document])
    with torch.no_grad():
        expected, got = whole(**batch), chunked(**batch)
    assert torch.equal(expected["coref_top_spans"], got["coref_top_spans"])
    assert torch.equal(expected["coref_predicted_antecedents"], got["coref_predicted_antecedents"])
    assert torch.allclose(expected["loss"], got["loss"])
    assert expected["coref_clusters"] == got["coref_clusters"]


def test_antecedent_chunk_size_must_be_positive():
    with pytest.raises(ConfigurationError, match="antecedent_chunk_size"):
        make_head(antecedent_chunk_size=0)


@pytest.mark.parametrize("chunk_size", [512, 3])
def test_antecedent_scores_are_those_of_allennlp_models_pair_representations(chunk_size):
    """The first layer applied part by part scores what allennlp-models' full pair
    representations [g_i; g_j; g_i * g_j; distance] score, gradients included."""
    head = make_head(antecedent_chunk_size=chunk_size)
    head.eval()
    generator = torch.Generator().manual_seed(3)
    # The pair representation is 3 span representations and a distance embedding (3 features).
    span_dim = (head._antecedent_feedforward.get_input_dim() - 3) // 3
    num_kept, max_antecedents = 7, 5
    top_span_embeddings = torch.randn(2, num_kept, span_dim, generator=generator)
    antecedent_indices = torch.randint(
        0, num_kept, (2, num_kept, max_antecedents), generator=generator
    )
    partial_scores = torch.randn(2, num_kept, max_antecedents, generator=generator)
    antecedent_mask = torch.rand(2, num_kept, max_antecedents, generator=generator) > 0.3
    offsets = torch.randint(1, 80, (2, num_kept, max_antecedents), generator=generator)

    def scores(compute):
        embeddings = top_span_embeddings.clone().requires_grad_()
        result = compute(embeddings)
        result.masked_fill(result < -1e30, 0.0).sum().backward()
        return result, embeddings.grad

    # allennlp-models' scoring, as its model runs it, on this head's parameters.
    head._compute_span_pair_embeddings = types.MethodType(
        CoreferenceResolver._compute_span_pair_embeddings, head
    )

    def allennlp_models(embeddings):
        antecedent_embeddings = util.batched_index_select(embeddings, antecedent_indices)
        return CoreferenceResolver._compute_coreference_scores(
            head, embeddings, antecedent_embeddings, partial_scores, antecedent_mask, offsets
        )

    def factorised(embeddings):
        return head._antecedent_scores(
            embeddings, antecedent_indices, partial_scores, antecedent_mask, offsets
        )

    (expected, expected_gradient), (got, got_gradient) = map(scores, (allennlp_models, factorised))
    assert got.shape == (2, num_kept, 1 + max_antecedents)
    assert torch.allclose(got, expected, atol=1e-5)
    assert torch.allclose(got_gradient, expected_gradient, atol=1e-5)


def test_mention_scores_are_those_of_the_network_on_whole_span_embeddings():
    """The first layer applied to the endpoint tokens once and to the rest per span gives the
    scores and gradients of the mention network on the span embeddings, with the same dropout
    draws."""
    head = make_head(lexical_dropout=0.5).train()
    generator = torch.Generator().manual_seed(4)
    encoded_text = torch.randn(2, 7, INPUT_DIM, generator=generator, requires_grad=True)
    embedded_text = torch.randn(2, 7, EMBEDDING_DIM, generator=generator, requires_grad=True)
    spans = torch.tensor(
        [[[start, start + width] for start in range(7) for width in range(3) if start + width < 7]]
        * 2
    )
    spans[1, -4:] = 0  # padding, as clamped by the head
    weights = torch.randn(spans.shape[:2], generator=generator)

    results = []
    for whole in (True, False):
        torch.manual_seed(5)
        head.zero_grad()
        encoded_text.grad = embedded_text.grad = None
        span_embeddings = head._span_embeddings(encoded_text, embedded_text, spans)
        if whole:
            scores = head._mention_scorer(head._mention_feedforward(span_embeddings)).squeeze(-1)
        else:
            scores = head._mention_scores(encoded_text, spans, span_embeddings)
        (scores * weights).sum().backward()
        gradients = [encoded_text.grad, embedded_text.grad] + [
            parameter.grad
            for module in (head._mention_feedforward, head._mention_scorer)
            for parameter in module.parameters()
        ]
        results.append((scores.detach(), gradients))
    (expected, expected_gradients), (got, got_gradients) = results
    assert torch.allclose(got, expected, atol=1e-6)
    for got_gradient, expected_gradient in zip(got_gradients, expected_gradients):
        assert torch.allclose(got_gradient, expected_gradient, atol=1e-5)


def test_mean_loss_reduction_averages_over_each_documents_kept_spans():
    summed, averaged = make_head(), make_head(loss_reduction="mean")
    averaged.load_state_dict(summed.state_dict())
    summed.eval()
    averaged.eval()
    # Seeded, so that each document has the same features alone and in the batch.
    documents = [
        {**TOY_DOCUMENT, "seed": 0},
        {"sentence_lengths": [3, 4], "gold_clusters": [[(0, 1), (4, 4)]], "seed": 1},
    ]
    with torch.no_grad():
        outputs = [summed(**make_batch([document])) for document in documents]
        alone = [output["loss"] for output in outputs]
        kept = [(output["coref_top_spans"][..., 0] >= 0).sum() for output in outputs]
        got = averaged(**make_batch(documents))["loss"]
    expected = sum(loss / count for loss, count in zip(alone, kept)) / 2
    assert torch.allclose(got, expected)
    with pytest.raises(ConfigurationError, match="loss_reduction"):
        make_head(loss_reduction="max")


def test_masked_antecedents_are_not_scored_and_change_no_other_score():
    """Only the unmasked pairs go through the network; each of their scores is exactly what
    scoring every pair gives it, and a masked pair scores the lowest value."""
    head = make_head(antecedent_chunk_size=4)
    head.eval()
    generator = torch.Generator().manual_seed(5)
    span_dim = (head._antecedent_feedforward.get_input_dim() - 3) // 3
    num_kept, max_antecedents = 9, 6
    top_span_embeddings = torch.randn(2, num_kept, span_dim, generator=generator)
    antecedent_indices = torch.randint(
        0, num_kept, (2, num_kept, max_antecedents), generator=generator
    )
    partial_scores = torch.randn(2, num_kept, max_antecedents, generator=generator)
    antecedent_mask = torch.rand(2, num_kept, max_antecedents, generator=generator) > 0.4
    offsets = torch.randint(1, 80, (2, num_kept, max_antecedents), generator=generator)
    scored_pairs = []
    layer = head._antecedent_feedforward._linear_layers[1]
    hook = layer.register_forward_hook(lambda _, inputs, __: scored_pairs.append(len(inputs[0])))

    def scores(mask):
        with torch.no_grad():
            return head._antecedent_scores(
                top_span_embeddings, antecedent_indices, partial_scores, mask, offsets
            )[..., 1:]

    every_pair = scores(torch.ones_like(antecedent_mask))
    masked = scores(antecedent_mask)
    hook.remove()
    # Chunks of 4, 4 and 1 kept spans, of every pair, then of the unmasked pairs only.
    assert sum(scored_pairs[:3]) == 2 * num_kept * max_antecedents
    assert sum(scored_pairs[3:]) == int(antecedent_mask.sum())
    assert torch.equal(masked[antecedent_mask], every_pair[antecedent_mask])
    assert (masked[~antecedent_mask] == util.min_value_of_dtype(masked.dtype)).all()


@pytest.mark.slow
def test_the_fixture_model_scores_its_documents_antecedents_as_when_every_pair_is_scored(
    archive_path, repository_root
):
    """On the fixture model and documents, through the model: the kept pairs' scores are those
    of scoring every pair (the masked ones included) bit for bit."""
    predictor = Predictor.from_path(archive_path, "hmtl")
    model = predictor._model
    head = model._heads["coref"]
    compared = []
    score_kept_pairs = head._antecedent_scores

    def compare(embeddings, indices, partial_scores, mask, offsets):
        kept = score_kept_pairs(embeddings, indices, partial_scores, mask, offsets)
        every = score_kept_pairs(
            embeddings, indices, partial_scores, torch.ones_like(mask), offsets
        )
        compared.append(torch.equal(kept[..., 1:][mask], every[..., 1:][mask]))
        return kept

    head._antecedent_scores = compare
    documents = repository_root / "fixtures" / "data" / "redocred_sample.jsonl"
    instances = [
        instance
        for line in documents.read_text(encoding="utf-8").splitlines()
        for instance in predictor.json_to_instances(json.loads(line))
        if instance["task"].metadata == "coref"
    ]
    with torch.no_grad():
        model.forward_on_instances(instances)
        for instance in instances:
            model.forward_on_instances([instance])
    assert len(compared) == 1 + len(instances) and all(compared)
