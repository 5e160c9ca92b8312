"""
The coreference head of HMTL: end-to-end span-ranking coreference resolution (Lee et al., 2017)
over the output of the coreference level's encoder.
"""

from typing import Any, Dict, List, NamedTuple, Optional, Tuple, cast

import torch

from allennlp.common.checks import ConfigurationError, check_dimensions_match
from allennlp.data import Vocabulary
from allennlp.models.heads import Head
from allennlp.modules import FeedForward, GatedSum
from allennlp.modules.span_extractors import EndpointSpanExtractor, SelfAttentiveSpanExtractor
from allennlp.modules.token_embedders import Embedding
from allennlp.nn import Activation, InitializerApplicator, util
from allennlp_models.coref.models.coref import CoreferenceResolver

from hmtl_allennlp.common.documents import Cluster, Span, to_instance
from hmtl_allennlp.common.levels import COREFERENCE
from hmtl_allennlp.metrics import CorefScores
from hmtl_allennlp.modules.heads.level_head import LevelHead


class _KeptSpans(NamedTuple):
    """The spans a batch keeps as mentions, `(batch_size, max_num_spans_kept, ...)` each."""

    spans: torch.Tensor
    embeddings: torch.Tensor
    mention_scores: torch.Tensor
    mask: torch.Tensor
    # Their indices among the candidate spans, and the same flattened over the batch.
    indices: torch.Tensor
    flat_indices: torch.Tensor


class _Antecedents(NamedTuple):
    """The pruned antecedents of the kept spans, `(batch_size, max_num_spans_kept, max_antecedents)`
    each."""

    partial_scores: torch.Tensor
    mask: torch.Tensor
    offsets: torch.Tensor
    # Their indices among the kept spans, and the same flattened over the batch.
    indices: torch.Tensor
    flat_indices: torch.Tensor


@Head.register("coref")
class CoreferenceHead(LevelHead):
    """
    The end-to-end coreference model of [End-to-end Neural Coreference Resolution]
    (https://www.aclweb.org/anthology/D17-1018/) by Lee et al., 2017, as the coreference level of
    HMTL (Sanh et al., 2019). Optionally with the coarse-to-fine antecedent pruning and higher-order
    inference of [Higher-order Coreference Resolution with Coarse-to-fine Inference]
    (https://www.aclweb.org/anthology/N18-2108/) by Lee et al., 2018.

    Every candidate span (the reader's `spans`: all spans of up to `max_span_width` tokens inside
    one sentence) is represented as [start and end states of the level encoder ; span width
    embedding ; attention-pooled base embeddings], scored as a mention by a feed-forward network,
    and the best `spans_per_word` x (document length) spans are kept. Each kept span then ranks
    its (up to `max_antecedents`) preceding kept spans by
    s(i, j) = s_m(i) + s_m(j) + FFNN([g_i ; g_j ; g_i * g_j ; distance embedding]), against a dummy
    antecedent of score 0 ("no antecedent"). The loss is the negative marginal log-likelihood of
    all gold antecedents, summed over the kept spans and the documents of the batch (or averaged,
    see `loss_reduction`). Predicted antecedent links are
    decoded into clusters by transitivity.

    The attention pooling is AllenNLP's `SelfAttentiveSpanExtractor` over the base embeddings: it
    computes the attention logits from the base embeddings it pools, where Lee et al. compute them
    from the encoder output (AllenNLP has no extractor for that split; allennlp-models makes the
    same choice).

    With `gold_mentions`, the candidate spans are the gold mentions instead (the mentions of the
    gold clusters in `metadata["gold_clusters"]` that lie inside the instance, whatever their width
    or sentence), they are all kept, and their gold cluster ids replace `span_labels`. This is the
    "GM" evaluation setup of HMTL; it can be switched on for evaluation only with
    `-o '{"model.levels.coref.head.gold_mentions": true}'`.

    Its kind is "coreference", and it is document-level: its instances are documents (or their
    segments), not sentences.

    Memory and time are linear in the document length T: O(T x max_span_width) candidate spans
    are scored before pruning, and O(spans_per_word x T x max_antecedents) span pairs after.

    # Parameters

    vocab : `Vocabulary`, required.
        Not used by this head (coreference has no labels); passed on to `Model`.
    input_dim : `int`, required.
        The output dimension of the level encoder (`encoded_text`).
    embedding_dim : `int`, required.
        The dimension of the base embeddings (`embedded_text`), pooled into each span.
    task : `str`, required.
        The name of the level: it prefixes the output keys and names the level in errors.
    feature_size : `int`, optional (default = `20`)
        The size of the span width and antecedent distance embeddings.
    max_span_width : `int`, optional (default = `8`)
        The maximum width of candidate spans; wider gold mentions (in `gold_mentions` mode) share
        the width embedding of this width.
    spans_per_word : `float`, optional (default = `0.4`)
        The number of spans kept after mention scoring, as a fraction of the document length.
    max_antecedents : `int`, optional (default = `70`)
        The number of preceding kept spans each kept span considers as antecedents.
    mention_feedforward : `FeedForward`, optional (default = `None`)
        The mention scorer's network, applied to span representations and followed by a linear
        scoring layer. By default 2 layers of 150 units, ReLU, dropout 0.3.
    antecedent_feedforward : `FeedForward`, optional (default = `None`)
        The antecedent scorer's network, applied to span pair representations and followed by a
        linear scoring layer. By default 2 layers of 150 units, ReLU, dropout 0.3.
    coarse_to_fine : `bool`, optional (default = `False`)
        Whether to choose each span's antecedents by a bilinear coarse score (Lee et al., 2018)
        rather than by distance.
    inference_order : `int`, optional (default = `1`)
        The number of rounds of higher-order inference (Lee et al., 2018); 1 is the 2017 model.
    lexical_dropout : `float`, optional (default = `0.5`)
        Dropout applied to the base embeddings before they are pooled into spans.
    gold_mentions : `bool`, optional (default = `False`)
        Whether the candidate spans are the gold mentions (see above).
    antecedent_chunk_size : `int`, optional (default = `512`)
        Antecedents are scored for this many kept spans at a time, which bounds the memory of
        the span-pair representations on long documents; the scores do not depend on it.
    loss_reduction : `str`, optional (default = `"sum"`)
        "sum" adds the negative marginal log-likelihoods of all kept spans of all documents of
        a batch (Lee et al., allennlp-models), so the loss grows with the document's length;
        "mean" averages them over each document's kept spans, then over the documents, which
        puts the coreference loss on the scale of the per-sentence CRF losses of the other
        levels (see the "hmtl_gradient_norms" callback).
    initializer : `InitializerApplicator`, optional (default = `InitializerApplicator()`)
        Used to initialize the parameters.

    Registered as a `Head` with name "coref".
    """

    kind = COREFERENCE
    main_metric = "avg_f1"

    # Helpers of allennlp-models' `CoreferenceResolver`, reused as they are. Besides each other,
    # they only read `_coarse2fine_scorer`, which this head defines the same way, and
    # `make_output_human_readable` reads nothing but its argument. Its pair scoring
    # (`_compute_coreference_scores`) is replaced by the cheaper `_antecedent_scores` below.
    _generate_valid_antecedents = staticmethod(CoreferenceResolver._generate_valid_antecedents)
    _compute_antecedent_gold_labels = staticmethod(
        CoreferenceResolver._compute_antecedent_gold_labels
    )
    _distance_pruning = CoreferenceResolver._distance_pruning
    _coarse_to_fine_pruning = CoreferenceResolver._coarse_to_fine_pruning
    document_level = True
    _add_clusters = CoreferenceResolver.make_output_human_readable

    def __init__(
        self,
        vocab: Vocabulary,
        task: str,
        input_dim: int,
        embedding_dim: int,
        feature_size: int = 20,
        max_span_width: int = 8,
        spans_per_word: float = 0.4,
        max_antecedents: int = 70,
        mention_feedforward: Optional[FeedForward] = None,
        antecedent_feedforward: Optional[FeedForward] = None,
        coarse_to_fine: bool = False,
        inference_order: int = 1,
        lexical_dropout: float = 0.5,
        gold_mentions: bool = False,
        antecedent_chunk_size: int = 512,
        loss_reduction: str = "sum",
        initializer: InitializerApplicator = InitializerApplicator(),
        **kwargs: Any,
    ) -> None:
        super().__init__(vocab, task, **kwargs)
        if antecedent_chunk_size < 1:
            raise ConfigurationError(
                f"{task} head: antecedent_chunk_size must be at least 1, got "
                f"{antecedent_chunk_size}."
            )
        if loss_reduction not in ("sum", "mean"):
            raise ConfigurationError(
                f"{task} head: loss_reduction must be 'sum' or 'mean', got '{loss_reduction}'."
            )
        self._loss_reduction = loss_reduction
        self._antecedent_chunk_size = antecedent_chunk_size
        self._max_span_width = max_span_width
        self._spans_per_word = spans_per_word
        self._max_antecedents = max_antecedents
        self._coarse_to_fine = coarse_to_fine
        self._inference_order = inference_order
        self._gold_mentions = gold_mentions

        self._lexical_dropout = torch.nn.Dropout(p=lexical_dropout)
        # The width embedding is kept apart from the endpoint extractor because the extractor
        # looks widths up unclamped, and gold mentions (gold_mentions mode) may be wider than
        # max_span_width.
        self._endpoint_span_extractor = EndpointSpanExtractor(input_dim, combination="x,y")
        self._span_width_embedding = Embedding(
            num_embeddings=max_span_width, embedding_dim=feature_size
        )
        self._attentive_span_extractor = SelfAttentiveSpanExtractor(input_dim=embedding_dim)
        span_dim = (
            self._endpoint_span_extractor.get_output_dim()
            + feature_size
            + self._attentive_span_extractor.get_output_dim()
        )

        mention_feedforward = mention_feedforward or self._default_feedforward(span_dim)
        check_dimensions_match(
            span_dim,
            mention_feedforward.get_input_dim(),
            f"{task} span representation dim",
            f"{task} mention_feedforward input dim",
        )
        self._mention_feedforward = mention_feedforward
        self._mention_scorer = torch.nn.Linear(mention_feedforward.get_output_dim(), 1)

        # [g_i ; g_j ; g_i * g_j ; distance embedding]
        pair_dim = 3 * span_dim + feature_size
        antecedent_feedforward = antecedent_feedforward or self._default_feedforward(pair_dim)
        check_dimensions_match(
            pair_dim,
            antecedent_feedforward.get_input_dim(),
            f"{task} span pair representation dim",
            f"{task} antecedent_feedforward input dim",
        )
        self._antecedent_feedforward = antecedent_feedforward
        self._antecedent_scorer = torch.nn.Linear(antecedent_feedforward.get_output_dim(), 1)

        # The distance buckets of allennlp-models: 0-4, 5-7, 8-15, 16-31, 32-63, 64+.
        self._num_distance_buckets = 10
        self._distance_embedding = Embedding(
            num_embeddings=self._num_distance_buckets, embedding_dim=feature_size
        )
        if coarse_to_fine:
            self._coarse2fine_scorer = torch.nn.Linear(span_dim, span_dim)
        if inference_order > 1:
            self._span_updating_gated_sum = GatedSum(span_dim)

        self._coref_scores = CorefScores()
        initializer(self)

    @staticmethod
    def _default_feedforward(input_dim: int) -> FeedForward:
        return FeedForward(
            input_dim=input_dim,
            num_layers=2,
            hidden_dims=150,
            activations=Activation.by_name("relu")(),
            dropout=0.3,
        )

    def float_weight_modules(self) -> List[torch.nn.Module]:
        """The antecedent feed-forward network's first layer: `_antecedent_scores` splits its
        weight into the parts of the pair representation."""
        return [self._antecedent_feedforward._linear_layers[0]]

    def _antecedent_scores(
        self,
        top_span_embeddings: torch.Tensor,
        top_antecedent_indices: torch.LongTensor,
        top_partial_coreference_scores: torch.Tensor,
        top_antecedent_mask: torch.BoolTensor,
        top_antecedent_offsets: torch.LongTensor,
    ) -> torch.Tensor:
        """
        The scores of every kept span's antecedents (dummy first):
        s_m(i) + s_m(j) + FFNN([g_i ; g_j ; g_i * g_j ; distance embedding]), the scores of
        allennlp-models' `_compute_coreference_scores`, computed in a cheaper way.

        allennlp-models builds the pair representations [g_i; g_j; g_i * g_j; distance] of all
        kept spans and their antecedents, then applies the feed-forward network's first layer
        to them. That layer is linear, so it is applied here to each part on its own: g_i and
        g_j once per kept span (not once per pair), the distance embedding once per distance
        bucket, and only the products g_i * g_j per pair. The scores are the same (up to float
        rounding), for about a third of the multiplications and memory of that layer, the most
        expensive step of the coreference level. Only the pairs of `top_antecedent_mask` go
        through the network (the others score the lowest value, as allennlp-models masks them),
        their scores bit for bit those of scoring every pair. Pairs are formed for
        `antecedent_chunk_size` kept spans at a time, which bounds the memory on long documents
        (a span's scores depend on its own row only).

        # Returns

        A tensor of shape (batch_size, max_num_spans_kept, 1 + max_antecedents).
        """
        feedforward = self._antecedent_feedforward
        first_layer = cast(torch.nn.Linear, feedforward._linear_layers[0])
        span_dim = top_span_embeddings.size(-1)
        span_weight, antecedent_weight, product_weight, distance_weight = first_layer.weight.split(
            [span_dim, span_dim, span_dim, first_layer.in_features - 3 * span_dim], dim=1
        )
        # Shape: (batch_size, max_num_spans_kept, hidden_dim)
        as_span = torch.nn.functional.linear(top_span_embeddings, span_weight, first_layer.bias)
        # Shape: (batch_size, max_num_spans_kept, hidden_dim)
        as_antecedent = torch.nn.functional.linear(top_span_embeddings, antecedent_weight)
        # Shape: (num_distance_buckets, hidden_dim)
        by_distance = torch.nn.functional.linear(self._distance_embedding.weight, distance_weight)

        num_spans_kept = top_span_embeddings.size(1)
        chunks = []
        for start in range(0, num_spans_kept, self._antecedent_chunk_size) or [0]:
            rows = slice(start, start + self._antecedent_chunk_size)
            # Only the pairs whose antecedent exists are scored: a masked pair scores the lowest
            # value whatever the network says, and such pairs are many in a short document (the
            # first `max_antecedents` kept spans have fewer antecedents than that: about 45 % of
            # the pairs of a 200-token document). Each pair's score is computed from its own
            # row, so it does not depend on which other pairs are scored.
            # Shape: (num_pairs,) for all 3 tensors
            batch_index, chunk_index, slot = top_antecedent_mask[:, rows].nonzero(as_tuple=True)
            # Shape: (num_pairs,)
            span_index = chunk_index + start
            # Shape: (num_pairs,)
            antecedent_index = top_antecedent_indices[batch_index, span_index, slot]
            # Shape: (num_pairs, span_dim)
            antecedent_embeddings = top_span_embeddings[batch_index, antecedent_index]
            # Shape: (num_pairs, hidden_dim)
            hidden = (
                as_span[batch_index, span_index]
                + as_antecedent[batch_index, antecedent_index]
                + torch.nn.functional.linear(
                    antecedent_embeddings * top_span_embeddings[batch_index, span_index],
                    product_weight,
                )
                + by_distance[
                    util.bucket_values(
                        top_antecedent_offsets[batch_index, span_index, slot],
                        num_total_buckets=self._num_distance_buckets,
                    )
                ]
            )
            # The rest of the feed-forward network, as FeedForward.forward runs it.
            hidden = feedforward._dropout[0](feedforward._activations[0](hidden))
            for layer, activation, dropout in zip(
                feedforward._linear_layers[1:],
                feedforward._activations[1:],
                feedforward._dropout[1:],
            ):
                hidden = dropout(activation(layer(hidden)))
            # The scorer reads the hidden layers laid out as all pairs (zeros where no pair was
            # scored): a matrix-vector product's rounding depends on the number of rows, so this
            # keeps each score bit for bit what scoring every pair gave; it costs a few
            # multiplications per pair against about 160,000 in the layers above.
            # Shape: (batch_size, chunk_size, max_antecedents, hidden_dim)
            all_pairs_hidden = hidden.new_zeros(
                top_antecedent_mask[:, rows].shape + hidden.shape[-1:]
            ).index_put((batch_index, chunk_index, slot), hidden)
            # Shape: (batch_size, chunk_size, max_antecedents)
            antecedent_scores = self._antecedent_scorer(all_pairs_hidden).squeeze(-1)
            antecedent_scores = antecedent_scores + top_partial_coreference_scores[:, rows]
            antecedent_scores = util.replace_masked_values(
                antecedent_scores,
                top_antecedent_mask[:, rows],
                util.min_value_of_dtype(antecedent_scores.dtype),
            )
            # The dummy antecedent ("no antecedent") scores 0.
            # Shape: (batch_size, chunk_size, 1 + max_antecedents)
            dummy_scores = antecedent_scores.new_zeros(antecedent_scores.shape[:2] + (1,))
            chunks.append(torch.cat([dummy_scores, antecedent_scores], -1))
        return torch.cat(chunks, 1)

    def forward(  # type: ignore[override]
        self,
        encoded_text: torch.Tensor,
        embedded_text: torch.Tensor,
        mask: torch.BoolTensor,
        metadata: List[Dict[str, Any]],
        spans: torch.Tensor,
        span_labels: Optional[torch.Tensor] = None,
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """
        # Parameters

        encoded_text : `torch.Tensor`, required.
            The level encoder's output, `(batch_size, num_tokens, input_dim)`.
        embedded_text : `torch.Tensor`, required.
            The base embeddings, `(batch_size, num_tokens, embedding_dim)`.
        mask : `torch.BoolTensor`, required.
            The token mask, `(batch_size, num_tokens)`.
        metadata : `List[Dict[str, Any]]`, required.
            The instances' metadata; "gold_clusters" (document-level offsets) and "token_offset"
            give the gold clusters scored by the metric and, in `gold_mentions` mode, the
            candidate spans.
        spans : `torch.LongTensor`, required.
            The candidate spans, `(batch_size, num_spans, 2)`, instance-local inclusive offsets,
            in document order, padded with -1. Ignored in `gold_mentions` mode.
        span_labels : `torch.LongTensor`, optional (default = `None`)
            The gold cluster id of each candidate span or -1, `(batch_size, num_spans)`. When
            given, the loss is computed and the metric updated.

        # Returns

        An output dictionary with these keys, each prefixed by the level's name and "_" (but
        `loss`):

        top_spans : `torch.LongTensor`
            The kept spans, `(batch_size, max_num_spans_kept, 2)`, padded with -1.
        antecedent_indices : `torch.LongTensor`
            For each kept span, the indices into `top_spans` of the antecedents it considered,
            `(batch_size, max_num_spans_kept, max_antecedents)`.
        predicted_antecedents : `torch.LongTensor`
            For each kept span, the index into its `antecedent_indices` row of its predicted
            antecedent, or -1 for none, `(batch_size, max_num_spans_kept)`.
        clusters : `List[List[Cluster]]`
            For each instance, the predicted clusters of `Span`s, in instance offsets.
        loss : `torch.Tensor`, optional
            The negative marginal log-likelihood of the gold antecedents, when `span_labels` is
            given.
        """
        # Shape: (batch_size,)
        num_tokens = mask.sum(-1)
        gold_clusters = [
            self._local_gold_clusters(instance_metadata, int(length))
            for instance_metadata, length in zip(metadata, num_tokens)
        ]
        if self._gold_mentions:
            spans, gold_mention_labels = self._gold_mention_spans(gold_clusters, spans.device)
            if span_labels is not None:
                span_labels = gold_mention_labels

        # Shape: (batch_size, num_spans)
        span_mask = spans[:, :, 0] >= 0
        # Shape: (batch_size,)
        num_candidates = span_mask.sum(-1)
        if self._gold_mentions:
            num_spans_to_keep = num_candidates
        else:
            # Per document, so that a document is pruned the same way alone or in a batch.
            # Shape: (batch_size,)
            num_spans_to_keep = torch.minimum(
                (num_tokens.double() * self._spans_per_word).floor().long(), num_candidates
            )

        if int(num_spans_to_keep.max()) == 0:
            output_dict = self._output_without_spans(
                encoded_text, embedded_text, spans, span_labels is not None
            )
        else:
            output_dict = self._rank_antecedents(
                encoded_text,
                embedded_text,
                spans.clamp(min=0),
                span_mask,
                num_spans_to_keep,
                span_labels,
            )
        self._add_clusters(output_dict)
        # allennlp-models decodes clusters of (start, end) tuples.
        output_dict["clusters"] = [
            [[Span(*span) for span in cluster] for cluster in clusters]
            for clusters in output_dict["clusters"]
        ]

        if span_labels is not None:
            predicted_mentions = [
                [span for span in map(Span._make, instance_top_spans.tolist()) if span.start >= 0]
                for instance_top_spans in output_dict["top_spans"]
            ]
            self._coref_scores(output_dict["clusters"], gold_clusters, predicted_mentions)
        return self.prefixed(output_dict)

    def _rank_antecedents(
        self,
        encoded_text: torch.Tensor,
        embedded_text: torch.Tensor,
        spans: torch.Tensor,
        span_mask: torch.Tensor,
        num_spans_to_keep: torch.Tensor,
        span_labels: Optional[torch.Tensor],
    ) -> Dict[str, Any]:
        """
        Lee et al.'s span ranking: embeds the candidate spans, keeps the best scored ones as
        mentions, prunes each one's antecedents, scores them (with higher-order inference), and
        predicts each kept span's antecedent; the loss when `span_labels` is given.
        """
        span_embeddings = self._span_embeddings(encoded_text, embedded_text, spans)
        kept = self._keep_spans(
            spans,
            span_embeddings,
            self._mention_scores(encoded_text, spans, span_embeddings),
            span_mask,
            num_spans_to_keep,
        )
        antecedents = self._prune_antecedents(kept)
        # Shape: (batch_size, max_num_spans_kept, 1 + max_antecedents)
        coreference_scores = self._refined_antecedent_scores(kept.embeddings, antecedents)
        # Index 0 is the dummy antecedent, hence the -1: -1 means "no antecedent".
        # Shape: (batch_size, max_num_spans_kept)
        predicted_antecedents = (coreference_scores.argmax(-1) - 1).masked_fill(~kept.mask, -1)
        output_dict = {
            "top_spans": kept.spans.masked_fill(~kept.mask.unsqueeze(-1), -1),
            "antecedent_indices": antecedents.indices,
            "predicted_antecedents": predicted_antecedents,
        }
        if span_labels is not None:
            output_dict["loss"] = self._antecedent_loss(
                coreference_scores, kept, antecedents, span_labels
            )
        return output_dict

    def _span_embeddings(
        self, encoded_text: torch.Tensor, embedded_text: torch.Tensor, spans: torch.Tensor
    ) -> torch.Tensor:
        """The embedding of each candidate span, shape `(batch_size, num_spans, span_dim)`."""
        # Shape: (batch_size, num_spans, 2 * input_dim)
        endpoint_span_embeddings = self._endpoint_span_extractor(encoded_text, spans)
        # Shape: (batch_size, num_spans, feature_size)
        span_width_embeddings = self._span_width_embedding(
            (spans[:, :, 1] - spans[:, :, 0]).clamp(max=self._max_span_width - 1)
        )
        # Shape: (batch_size, num_spans, embedding_dim)
        attended_span_embeddings = self._attentive_span_extractor(
            self._lexical_dropout(embedded_text), spans
        )
        # Shape: (batch_size, num_spans, span_dim)
        return torch.cat(
            [endpoint_span_embeddings, span_width_embeddings, attended_span_embeddings], -1
        )

    def _mention_scores(
        self, encoded_text: torch.Tensor, spans: torch.Tensor, span_embeddings: torch.Tensor
    ) -> torch.Tensor:
        """
        The mention score of each candidate span, `(batch_size, num_spans)`: the mention
        feed-forward network and scorer on its embedding.

        The network's first layer is linear, and most of a span's embedding is the encoded
        text at its first and last tokens (800 of 934 inputs in the default sizes), so that
        layer's parts for those are applied to each token once, then gathered for the spans
        that start and end there (a token starts and ends up to `max_span_width` spans); only
        the width and attention parts are multiplied per span. The scores are the same up to
        float rounding. A quantized layer (int8 prediction) keeps its weights packed, and takes
        the embeddings whole.
        """
        feedforward = self._mention_feedforward
        first_layer = feedforward._linear_layers[0]
        if type(first_layer) is not torch.nn.Linear:
            # Shape: (batch_size, num_spans)
            return self._mention_scorer(feedforward(span_embeddings)).squeeze(-1)
        input_dim = encoded_text.size(-1)
        start_weight, end_weight, span_weight = first_layer.weight.split(
            [input_dim, input_dim, first_layer.in_features - 2 * input_dim], dim=1
        )
        # Shape: (batch_size, num_spans, hidden_dim)
        hidden = (
            util.batched_index_select(
                torch.nn.functional.linear(encoded_text, start_weight, first_layer.bias),
                spans[..., 0],
            )
            + util.batched_index_select(
                torch.nn.functional.linear(encoded_text, end_weight), spans[..., 1]
            )
            + torch.nn.functional.linear(span_embeddings[..., 2 * input_dim :], span_weight)
        )
        # The rest of the feed-forward network, as FeedForward.forward runs it.
        hidden = feedforward._dropout[0](feedforward._activations[0](hidden))
        for layer, activation, dropout in zip(
            feedforward._linear_layers[1:], feedforward._activations[1:], feedforward._dropout[1:]
        ):
            hidden = dropout(activation(layer(hidden)))
        # Shape: (batch_size, num_spans)
        return self._mention_scorer(hidden).squeeze(-1)

    def _keep_spans(
        self,
        spans: torch.Tensor,
        span_embeddings: torch.Tensor,
        span_mention_scores: torch.Tensor,
        span_mask: torch.Tensor,
        num_spans_to_keep: torch.Tensor,
    ) -> _KeptSpans:
        """The `num_spans_to_keep` best scored mentions of each document, in document order."""
        # masked_topk keeps the kept spans in document order and, since no document keeps more
        # spans than it has, puts each document's kept spans before its padding: a kept span's
        # antecedents (the kept spans before it) are therefore never padding.
        # Shape: (batch_size, max_num_spans_kept) for all 3 tensors
        top_span_mention_scores, top_span_mask, top_span_indices = util.masked_topk(
            span_mention_scores, span_mask, num_spans_to_keep
        )
        # Shape: (batch_size * max_num_spans_kept)
        flat_top_span_indices = util.flatten_and_batch_shift_indices(
            top_span_indices, spans.size(1)
        )
        return _KeptSpans(
            # Shape: (batch_size, max_num_spans_kept, 2)
            spans=util.batched_index_select(spans, top_span_indices, flat_top_span_indices),
            # Shape: (batch_size, max_num_spans_kept, span_dim)
            embeddings=util.batched_index_select(
                span_embeddings, top_span_indices, flat_top_span_indices
            ),
            mention_scores=top_span_mention_scores,
            mask=top_span_mask,
            indices=top_span_indices,
            flat_indices=flat_top_span_indices,
        )

    def _prune_antecedents(self, kept: _KeptSpans) -> _Antecedents:
        """The `max_antecedents` antecedents of each kept span worth scoring in full."""
        max_num_spans_kept = kept.indices.size(1)
        max_antecedents = min(self._max_antecedents, max_num_spans_kept)
        if self._coarse_to_fine:
            pruned_antecedents = self._coarse_to_fine_pruning(
                kept.embeddings, kept.mention_scores, kept.mask, max_antecedents
            )
        else:
            pruned_antecedents = self._distance_pruning(
                kept.embeddings, kept.mention_scores, max_antecedents
            )
        # Shape: (batch_size, max_num_spans_kept, max_antecedents) for all 4 tensors
        partial_scores, mask, offsets, indices = pruned_antecedents
        return _Antecedents(
            partial_scores=partial_scores,
            mask=mask,
            offsets=offsets,
            indices=indices,
            # Shape: (batch_size * max_num_spans_kept * max_antecedents)
            flat_indices=util.flatten_and_batch_shift_indices(indices, max_num_spans_kept),
        )

    def _refined_antecedent_scores(
        self, top_span_embeddings: torch.Tensor, antecedents: _Antecedents
    ) -> torch.Tensor:
        """
        The score of each kept span's dummy and pruned antecedents, shape `(batch_size,
        max_num_spans_kept, 1 + max_antecedents)`, after `inference_order - 1` rounds of
        higher-order inference (Lee et al., 2018), each updating the span embeddings with their
        expected antecedent. allennlp-models writes this loop inside its model's forward, so it
        is written here.
        """

        def scores(span_embeddings: torch.Tensor) -> torch.Tensor:
            return self._antecedent_scores(
                span_embeddings,
                antecedents.indices,
                antecedents.partial_scores,
                antecedents.mask,
                antecedents.offsets,
            )

        coreference_scores = scores(top_span_embeddings)
        # Shape: (batch_size, max_num_spans_kept, 1 + max_antecedents)
        antecedent_with_dummy_mask = torch.cat(
            [antecedents.mask.new_ones(antecedents.mask.shape[:2] + (1,)), antecedents.mask], -1
        )
        for _ in range(self._inference_order - 1):
            # Shape: (batch_size, max_num_spans_kept, 1 + max_antecedents)
            attention_weights = util.masked_softmax(
                coreference_scores, antecedent_with_dummy_mask, memory_efficient=True
            )
            # Shape: (batch_size, max_num_spans_kept, max_antecedents, span_dim)
            top_antecedent_embeddings = util.batched_index_select(
                top_span_embeddings, antecedents.indices, antecedents.flat_indices
            )
            # The dummy antecedent stands for the span itself.
            # Shape: (batch_size, max_num_spans_kept, 1 + max_antecedents, span_dim)
            antecedent_with_dummy_embeddings = torch.cat(
                [top_span_embeddings.unsqueeze(2), top_antecedent_embeddings], 2
            )
            # Shape: (batch_size, max_num_spans_kept, span_dim)
            top_span_embeddings = self._span_updating_gated_sum(
                top_span_embeddings,
                util.weighted_sum(antecedent_with_dummy_embeddings, attention_weights),
            )
            coreference_scores = scores(top_span_embeddings)
        return coreference_scores

    def _antecedent_loss(
        self,
        coreference_scores: torch.Tensor,
        kept: _KeptSpans,
        antecedents: _Antecedents,
        span_labels: torch.Tensor,
    ) -> torch.Tensor:
        """
        The negative marginal log-likelihood of the gold antecedents of the kept spans, summed,
        or averaged per document then over the batch (`loss_reduction`).
        """
        # Padding rows repeat a real span (see masked_topk); they are labelled "no cluster" so
        # that their only gold antecedent is the dummy: with none, their log-likelihood would
        # be -inf and its gradient NaN, even where the loss then masks them out.
        # Shape: (batch_size, max_num_spans_kept, 1)
        top_span_labels = util.batched_index_select(
            span_labels.unsqueeze(-1), kept.indices, kept.flat_indices
        ).masked_fill(~kept.mask.unsqueeze(-1), -1)
        # Shape: (batch_size, max_num_spans_kept, max_antecedents)
        antecedent_labels = util.batched_index_select(
            top_span_labels, antecedents.indices, antecedents.flat_indices
        ).squeeze(-1)
        antecedent_labels = util.replace_masked_values(antecedent_labels, antecedents.mask, -100)
        # Shape: (batch_size, max_num_spans_kept, 1 + max_antecedents)
        gold_antecedent_labels = self._compute_antecedent_gold_labels(
            top_span_labels, antecedent_labels
        )
        # Shape: (batch_size, max_num_spans_kept, 1 + max_antecedents)
        coreference_log_probs = util.masked_log_softmax(coreference_scores, kept.mask.unsqueeze(-1))
        # Marginalising over all gold antecedents: any antecedent of the span's cluster is a
        # correct prediction. Padding rows are zeroed explicitly: masked_log_softmax leaves a
        # fully masked row normalised, and its dummy log-probability would count.
        # Shape: (batch_size, max_num_spans_kept)
        negative_marginal_log_likelihood = util.replace_masked_values(
            -util.logsumexp(coreference_log_probs + gold_antecedent_labels.log()),
            kept.mask,
            0.0,
        )
        if self._loss_reduction == "sum":
            return negative_marginal_log_likelihood.sum()
        # Shape: (batch_size,)
        num_kept = kept.mask.sum(-1).clamp(min=1)
        return (negative_marginal_log_likelihood.sum(-1) / num_kept).mean()

    def _output_without_spans(
        self,
        encoded_text: torch.Tensor,
        embedded_text: torch.Tensor,
        spans: torch.Tensor,
        with_loss: bool,
    ) -> Dict[str, Any]:
        """
        The output for a batch in which no document keeps any span (no candidates, documents of
        fewer than 1 / spans_per_word tokens, or no tokens at all).
        """
        batch_size = spans.size(0)
        output_dict = {
            "top_spans": spans.new_empty((batch_size, 0, 2)),
            "antecedent_indices": spans.new_empty((batch_size, 0, 0)),
            "predicted_antecedents": spans.new_empty((batch_size, 0)),
        }
        if with_loss:
            # A zero that reaches every parameter, so that backward() works and workers of a
            # distributed run that drew such a batch reduce the same gradients as the others.
            output_dict["loss"] = 0.0 * (
                encoded_text.sum()
                + embedded_text.sum()
                + sum(parameter.sum() for parameter in self.parameters())
            )
        return output_dict

    def _local_gold_clusters(self, metadata: Dict[str, Any], num_tokens: int) -> List[Cluster]:
        """
        The gold clusters of `metadata` in instance-local offsets, restricted to the mentions that
        lie inside the instance (a segment of a document holds only part of its clusters).
        """
        clusters = []
        for cluster in metadata["gold_clusters"]:
            local_cluster = []
            for span in to_instance(cluster, metadata):
                if span.start > span.end:
                    raise ValueError(
                        f"{self.task}: document {metadata.get('doc_key')!r}: gold mention "
                        f"{tuple(span)} ends before it starts"
                    )
                if 0 <= span.start and span.end < num_tokens:
                    local_cluster.append(span)
            if local_cluster:
                clusters.append(local_cluster)
        return clusters

    @staticmethod
    def _gold_mention_spans(
        gold_clusters: List[List[Cluster]], device: torch.device
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        The gold mentions of each instance as candidate spans, in document order, with their
        gold cluster ids (the first cluster of a mention listed in several), padded with -1.
        """
        mention_labels: List[Dict[Span, int]] = []
        for clusters in gold_clusters:
            labels: Dict[Span, int] = {}
            for cluster_id, cluster in enumerate(clusters):
                for mention in cluster:
                    labels.setdefault(mention, cluster_id)
            mention_labels.append(labels)
        max_num_mentions = max(len(labels) for labels in mention_labels)
        # Shape: (batch_size, max_num_mentions, 2)
        spans = torch.full((len(gold_clusters), max_num_mentions, 2), -1, dtype=torch.long)
        # Shape: (batch_size, max_num_mentions)
        span_labels = torch.full((len(gold_clusters), max_num_mentions), -1, dtype=torch.long)
        for instance_index, labels in enumerate(mention_labels):
            for mention_index, mention in enumerate(sorted(labels)):
                spans[instance_index, mention_index] = torch.tensor(mention)
                span_labels[instance_index, mention_index] = labels[mention]
        return spans.to(device), span_labels.to(device)

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        return self._coref_scores.get_metric(reset)
