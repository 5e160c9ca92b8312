from typing import Any, Dict, List, Optional, Tuple

import torch

from allennlp.data import Vocabulary
from allennlp.models.heads import Head
from allennlp.modules import FeedForward
from allennlp.modules.span_extractors import EndpointSpanExtractor
from allennlp.nn import Activation, util

from hmtl_allennlp.common.documents import Mention, Relation, Span, to_instance
from hmtl_allennlp.modules.heads.relation import MAX_MENTIONS_PER_SENTENCE, RelationHead

TRAINING_MENTIONS = ("gold", "gold_and_predicted", "predicted")
# The label index of "no relation" in the classifier's output; relation label k of the
# vocabulary is output k + 1.
NO_RELATION = 0
# Candidate pairs are scored a chunk at a time: the text between the arguments of each pair is
# gathered (up to a sentence's length per pair), which for all the pairs of a long document at
# once would not fit in memory. A chunk has at most this many pairs of the batch, and gathers
# at most this many times `CONTEXT_TOKENS_PER_PAIR` tokens.
PAIRS_PER_CHUNK = 4096
CONTEXT_TOKENS_PER_PAIR = 64


@Head.register("span_pair")
class SpanPairRelationHead(RelationHead):
    """
    A relation level that classifies pairs of mentions, as span-based extractors do (DyGIE++,
    Wadden et al. 2019; PURE, Zhong and Chen 2021): every ordered pair (head, tail) of distinct
    mentions of one sentence gets one softmax over "no relation" and the relation labels, so both
    directions are scored, and a relation is predicted where the argmax is not "no relation".

    An argument is represented by the encoded text at its first and last tokens, an embedding of
    its (bucketed) width (AllenNLP's `EndpointSpanExtractor`) and an embedding of its entity
    type; a pair by `[head; tail; head * tail; context]`, scored by a feed-forward network, where
    `context` is the max-pooled encoded text between the two arguments (zero where they touch or
    overlap), as in SpERT (Eberts and Ulges 2020): what a sentence says between two mentions
    ("X, who was born in Y") is most of what tells their relation.

    Where the multi-head selection head makes one sigmoid decision per token pair and label
    (most of them negatives, and blind to where arguments start and to their types), this head
    sees only candidate pairs, knows the whole span and the types of both arguments, and its
    softmax makes the labels of a pair compete. A pair holds one label: the rare pairs with two
    gold labels are trained on the first.

    The arguments are the predicted spans of `mention_level` (a tagger level below this one)
    when it is set, else the gold mentions of `metadata["gold_mentions"]`. With a mention level,
    training takes by default the gold mentions and, as negatives, the predicted spans that are
    not gold (`training_mentions`): at the start of training the tagger finds few right
    mentions, so on predicted spans alone this level would see almost no positive pairs, and on
    gold mentions alone (as PURE trains) it never learns to reject the pairs of the tagger's
    wrong mentions (on CoNLL04 end to end, 2.3 F1 behind, see docs/RESULTS.md). While the tagger
    is untrained its many wrong spans make the first relation updates slower (2.5 times in the
    first epoch on CoNLL04); once it is trained, a step costs what it costs on gold mentions.

    The loss is the cross-entropy summed over a sentence's candidate pairs, averaged over the
    sentences of the batch (as the CRF levels average their sentence losses). Gold relations of a
    label that training never saw are trained as "no relation" and counted as missed.

    # Parameters

    vocab : `Vocabulary`, required
        Holds the relation labels, in the namespace `label_namespace`, and the entity types of
        the arguments, in `entity_type_namespace`.
    task : `str`, required
        The name of the level (its key in the model).
    input_dim : `int`, required
        The output dimension of the level's encoder.
    hidden_dim : `int`, optional (default = `150`)
        The dimension of the feed-forward layers of the pair scorer.
    num_layers : `int`, optional (default = `2`)
        The number of feed-forward layers of the pair scorer.
    width_embedding_dim : `int`, optional (default = `16`)
        The dimension of an argument's width embedding.
    num_width_buckets : `int`, optional (default = `10`)
        Widths are bucketed (1, 2, 3, 4, then logarithmically) into this many embeddings.
    entity_type_embedding_dim : `int`, optional (default = `16`)
        The dimension of an argument's entity type embedding; 0 leaves types out.
    label_namespace : `str`, optional (default = `f"{task}_labels"`)
        The vocabulary namespace of the relation labels (the readers' default for the level).
    entity_type_namespace : `str`, optional (default = `"mention_types"`)
        The vocabulary namespace of the entity types (the readers' `mention_types` field fills
        it); a type it does not hold is embedded as its unknown token.
    mention_level : `str`, optional (default = `None`)
        A tagger level below this one whose predicted spans are the relation arguments. `None`
        uses the gold mentions of the metadata (the `uses_gold_mentions` metric says which).
    training_mentions : `str`, optional (default = `"gold_and_predicted"`)
        With a mention level, the candidate arguments in training: "gold" (the gold mentions),
        "gold_and_predicted" (the gold mentions and, as negatives with their predicted types, the
        predicted spans that are not gold) or "predicted". Evaluation and prediction always take
        the predicted spans.
    between_context : `bool`, optional (default = `True`)
        Whether the pair representation has the max-pooled text between the arguments.
    dropout : `float`, optional (default = `0.2`)
        Dropout on the argument and context representations and between the feed-forward
        layers.
    max_mentions_per_sentence : `int`, optional (default = `64`)
        Only the first this many mentions of a sentence (by position) are candidate arguments,
        so that a sentence has at most `max_mentions_per_sentence ** 2` candidate pairs. Pairs
        are scored in chunks (4,096 pairs at most, fewer where the text between arguments is
        longer than 64 tokens), so that memory stays bounded however many a document has.

    Registered as a `Head` with name "span_pair".
    """

    registered_name = "span_pair"

    def __init__(
        self,
        vocab: Vocabulary,
        task: str,
        input_dim: int,
        hidden_dim: int = 150,
        num_layers: int = 2,
        width_embedding_dim: int = 16,
        num_width_buckets: int = 10,
        entity_type_embedding_dim: int = 16,
        label_namespace: Optional[str] = None,
        entity_type_namespace: str = "mention_types",
        mention_level: Optional[str] = None,
        training_mentions: str = "gold_and_predicted",
        between_context: bool = True,
        dropout: float = 0.2,
        max_mentions_per_sentence: int = MAX_MENTIONS_PER_SENTENCE,
    ) -> None:
        super().__init__(vocab, task, label_namespace, mention_level, max_mentions_per_sentence)
        if num_layers < 1:
            raise self._configuration_error(f"num_layers must be at least 1, got {num_layers}.")
        self._entity_type_namespace = entity_type_namespace
        if training_mentions not in TRAINING_MENTIONS:
            raise self._configuration_error(
                f"training_mentions must be one of {', '.join(TRAINING_MENTIONS)}, got "
                f"'{training_mentions}'."
            )
        self._training_mentions = training_mentions
        self._span_extractor = EndpointSpanExtractor(
            input_dim,
            combination="x,y",
            num_width_embeddings=num_width_buckets,
            span_width_embedding_dim=width_embedding_dim,
            bucket_widths=True,
        )
        argument_dim = self._span_extractor.get_output_dim()
        self._type_embedding: Optional[torch.nn.Embedding] = None
        if entity_type_embedding_dim > 0:
            self._type_embedding = torch.nn.Embedding(
                vocab.get_vocab_size(entity_type_namespace), entity_type_embedding_dim
            )
            argument_dim += entity_type_embedding_dim
        self._between_context = between_context
        self._dropout = torch.nn.Dropout(dropout)
        self._pair_scorer = FeedForward(
            3 * argument_dim + (input_dim if between_context else 0),
            num_layers=num_layers,
            hidden_dims=hidden_dim,
            activations=Activation.by_name("relu")(),
            dropout=dropout,
        )
        self._label_projection = torch.nn.Linear(hidden_dim, self.num_labels + 1)

    def forward(
        self,
        encoded_text: torch.Tensor,
        mask: torch.BoolTensor,
        metadata: List[Dict[str, Any]],
        relation_labels: Optional[torch.Tensor] = None,
        predicted_mentions: Optional[List[List[Mention]]] = None,
    ) -> Dict[str, Any]:
        """
        # Parameters

        encoded_text : `torch.Tensor`
            The level's encoder output, shape `(batch_size, num_tokens, input_dim)`.
        mask : `torch.BoolTensor`
            The token mask, shape `(batch_size, num_tokens)`.
        metadata : `List[Dict[str, Any]]`
            Per instance: `token_offset`, `sentence_lengths`, the document-level
            `gold_mentions` and `gold_relations`.
        relation_labels : `torch.Tensor`, optional (default = `None`)
            The readers' labels of each instance's relations. This head builds its targets from
            the gold relations of the metadata (at span level); the field says that they are
            there: when it is given, the loss is computed and the metric updated.
        predicted_mentions : `List[List[Mention]]`, optional (default = `None`)
            The mentions decoded by `mention_level` (given by the model), in instance offsets.

        # Returns

        A dict with `f"{task}_relations"`: per instance, a list of `Relation`s in instance
        offsets, their arguments typed as the mentions they are, with the softmax probability
        of the label; `loss` when `relation_labels` is given.
        """
        has_gold = relation_labels is not None
        mentions = self._arguments(metadata, predicted_mentions)
        if self.mention_level is not None and self.training:
            gold = [to_instance(instance["gold_mentions"], instance) for instance in metadata]
            if self._training_mentions == "gold":
                mentions = gold
            elif self._training_mentions == "gold_and_predicted":
                mentions = [
                    _gold_first(instance_gold, predicted)
                    for instance_gold, predicted in zip(gold, mentions)
                ]
        pairs = [
            self._candidate_pairs(instance_mentions, instance["sentence_lengths"])
            for instance_mentions, instance in zip(mentions, metadata)
        ]
        output: Dict[str, Any] = {"relations": [[] for _ in pairs]}
        max_pairs = max((len(instance_pairs) for instance_pairs in pairs), default=0)
        if max_pairs > 0:
            # Shape: (batch_size, max_pairs, num_labels + 1)
            logits = self._pair_logits(encoded_text, mask, pairs)
            output["relations"] = self._decode(logits, pairs)
            if has_gold:
                # Shape: (batch_size, max_pairs)
                targets = logits.new_tensor(
                    [
                        self._targets(instance_pairs, instance, max_pairs)
                        for instance_pairs, instance in zip(pairs, metadata)
                    ],
                    dtype=torch.long,
                )
                pair_mask = targets >= 0
                pair_losses = torch.nn.functional.cross_entropy(
                    logits.transpose(1, 2), targets.clamp(min=0), reduction="none"
                )
                output["loss"] = (pair_losses * pair_mask).sum() / len(pairs)
        elif has_gold:
            # No candidate pair in the whole batch: nothing to learn, but the model adds the loss.
            output["loss"] = 0.0 * encoded_text.sum()
        if has_gold:
            self._update_metric(output["relations"], metadata)
        return self.prefixed(output)

    def _pair_logits(
        self,
        encoded_text: torch.Tensor,
        mask: torch.BoolTensor,
        pairs: List[List[Tuple[Mention, Mention]]],
    ) -> torch.Tensor:
        """
        The logits of every candidate pair, `(batch_size, max_pairs, num_labels + 1)`: each
        argument is embedded once, then the pairs are scored a chunk at a time.
        """
        arguments, spans, represented = self._represented_arguments(encoded_text, mask, pairs)
        position = [{span: j for j, span in enumerate(a)} for a in arguments]
        max_pairs = max(len(instance_pairs) for instance_pairs in pairs)
        # Shape: (batch_size, max_pairs), padded with argument 0 (its pairs are masked)
        head_indices = encoded_text.new_tensor(
            [
                [position[i][head] for head, _ in p] + [0] * (max_pairs - len(p))
                for i, p in enumerate(pairs)
            ],
            dtype=torch.long,
        )
        tail_indices = encoded_text.new_tensor(
            [
                [position[i][tail] for _, tail in p] + [0] * (max_pairs - len(p))
                for i, p in enumerate(pairs)
            ],
            dtype=torch.long,
        )
        widest_context = max(
            max(head.start, tail.start) - min(head.end, tail.end) - 1
            for instance_pairs in pairs
            for head, tail in instance_pairs
        )
        chunk = max(
            1,
            PAIRS_PER_CHUNK
            * CONTEXT_TOKENS_PER_PAIR
            // (len(pairs) * max(CONTEXT_TOKENS_PER_PAIR, widest_context)),
        )
        # Shape: (batch_size, max_pairs, num_labels + 1)
        return torch.cat(
            [
                self._scored_pairs(
                    encoded_text,
                    represented,
                    spans,
                    head_indices[:, start : start + chunk],
                    tail_indices[:, start : start + chunk],
                )
                for start in range(0, max_pairs, chunk)
            ],
            dim=1,
        )

    def _represented_arguments(
        self,
        encoded_text: torch.Tensor,
        mask: torch.BoolTensor,
        pairs: List[List[Tuple[Mention, Mention]]],
    ) -> Tuple[List[List[Mention]], torch.Tensor, torch.Tensor]:
        """
        The distinct arguments of each instance's pairs (sorted), their spans `(batch_size,
        max_arguments, 2)` (padded with the span (0, 0)), and their representations
        `(batch_size, max_arguments, argument_dim)`.
        """
        arguments = [
            sorted({span for pair in instance_pairs for span in pair}) for instance_pairs in pairs
        ]
        max_arguments = max(len(instance_arguments) for instance_arguments in arguments)
        padding = [Mention(0, 0, None)] * max_arguments
        padded = [a + padding[len(a) :] for a in arguments]
        # Shape: (batch_size, max_arguments, 2), padded with the span (0, 0)
        spans = encoded_text.new_tensor(
            [[(argument.start, argument.end) for argument in a] for a in padded], dtype=torch.long
        )
        # Shape: (batch_size, max_arguments)
        argument_mask = spans.new_tensor(
            [[j < len(a) for j in range(max_arguments)] for a in arguments], dtype=torch.bool
        )
        types = spans.new_tensor(
            [
                [
                    (
                        0
                        if argument.label is None
                        else self.vocab.get_token_index(argument.label, self._entity_type_namespace)
                    )
                    for argument in a
                ]
                for a in padded
            ]
        )
        # Shape: (batch_size, max_arguments, argument_dim)
        represented = self._span_extractor(encoded_text, spans, mask, argument_mask)
        if self._type_embedding is not None:
            represented = torch.cat([represented, self._type_embedding(types)], dim=-1)
        return arguments, spans, self._dropout(represented)

    def _scored_pairs(
        self,
        encoded_text: torch.Tensor,
        represented: torch.Tensor,
        spans: torch.Tensor,
        head_indices: torch.Tensor,
        tail_indices: torch.Tensor,
    ) -> torch.Tensor:
        """
        The logits of the pairs of arguments `head_indices` x `tail_indices`: the feed-forward
        network on [head; tail; head * tail; context].

        Its first layer is linear, so it is applied to each part on its own (as the coreference
        head does for its antecedent pairs): the head and tail parts once per argument rather
        than once per pair, which leaves the products and the context, 416 of the 992 inputs of
        a pair in the default sizes, to be multiplied per pair. The logits are the same up to
        float rounding. A quantized layer (int8 prediction) keeps its weights packed, and takes
        the pairs whole.
        """
        # Shape: (batch_size, num_pairs, argument_dim)
        heads = util.batched_index_select(represented, head_indices)
        tails = util.batched_index_select(represented, tail_indices)
        pair_parts = [heads * tails]
        if self._between_context:
            pair_parts.append(
                self._dropout(
                    self._context_between(
                        encoded_text,
                        util.batched_index_select(spans, head_indices),
                        util.batched_index_select(spans, tail_indices),
                    )
                )
            )
        feedforward = self._pair_scorer
        first_layer = feedforward._linear_layers[0]
        if type(first_layer) is not torch.nn.Linear:
            # Shape: (batch_size, num_pairs, num_labels + 1)
            return self._label_projection(feedforward(torch.cat([heads, tails, *pair_parts], -1)))
        argument_dim = represented.size(-1)
        head_weight, tail_weight, *pair_weights = first_layer.weight.split(
            (
                [
                    argument_dim,
                    argument_dim,
                    argument_dim,
                    first_layer.in_features - 3 * argument_dim,
                ]
                if self._between_context
                else [argument_dim] * 3
            ),
            dim=1,
        )
        # Shape: (batch_size, num_pairs, hidden_dim)
        hidden = util.batched_index_select(
            torch.nn.functional.linear(represented, head_weight, first_layer.bias), head_indices
        ) + util.batched_index_select(
            torch.nn.functional.linear(represented, tail_weight), tail_indices
        )
        for part, weight in zip(pair_parts, pair_weights):
            hidden = hidden + torch.nn.functional.linear(part, weight)
        # The rest of the feed-forward network, as FeedForward.forward runs it.
        hidden = feedforward._dropout[0](feedforward._activations[0](hidden))
        for layer, activation, dropout in zip(
            feedforward._linear_layers[1:], feedforward._activations[1:], feedforward._dropout[1:]
        ):
            hidden = dropout(activation(layer(hidden)))
        # Shape: (batch_size, num_pairs, num_labels + 1)
        return self._label_projection(hidden)

    @staticmethod
    def _context_between(
        encoded_text: torch.Tensor, head_spans: torch.Tensor, tail_spans: torch.Tensor
    ) -> torch.Tensor:
        """
        The max-pooled encoded text strictly between two arguments, zero where there is none.

        Gathering every pair's gap (pairs x widest gap x input_dim, the largest tensor of the
        relation level) and taking its maximum cost more than the rest of the head. The maximum
        of a range is instead read from a table of the maxima of every range of 2^k tokens
        (k = 0, 1, ...): two overlapping ranges of 2^k tokens cover any gap of 2^k to 2^(k+1)
        tokens. The table is built without gradient, keeping for each maximum the token it came
        from, the leftmost one on ties, which is the token that `max` over the gathered gap
        picks; the pooled values are then gathered from those tokens, so the values are the
        maxima exactly, and the gradient reaches the same tokens as through `max`.
        """
        # Shape: (batch_size, max_pairs)
        context_start = torch.minimum(head_spans[..., 1], tail_spans[..., 1]) + 1
        context_width = (
            torch.maximum(head_spans[..., 0], tail_spans[..., 0]) - context_start
        ).clamp(min=0)
        max_width = int(context_width.max()) if context_width.numel() > 0 else 0
        if max_width == 0:
            return encoded_text.new_zeros((*head_spans.shape[:2], encoded_text.size(-1)))
        batch_size, num_tokens, input_dim = encoded_text.shape
        with torch.no_grad():
            # Shape: (batch_size, num_tokens, input_dim), for values and token indices alike
            values = encoded_text.detach()
            tokens = (
                torch.arange(num_tokens, device=encoded_text.device)
                .view(1, -1, 1)
                .expand(batch_size, -1, input_dim)
            )
            # Level k: the maximum of tokens [t, t + 2^k) and its token, at row t (rows past the
            # last full range keep the level below; they are never read).
            # Shape: (batch_size, num_tokens, input_dim) each
            table_values, table_tokens = [values], [tokens]
            while 2 ** len(table_values) <= max_width:
                half = 2 ** (len(table_values) - 1)
                left, right = values[:, :-half], values[:, half:]
                # Ties keep the left (earlier) token; a NaN on the right wins, as in `max`.
                take_right = (right > left) | (right.isnan() & ~left.isnan())
                values = torch.cat([torch.where(take_right, right, left), values[:, -half:]], 1)
                tokens = torch.cat(
                    [
                        torch.where(take_right, tokens[:, half:], tokens[:, :-half]),
                        tokens[:, -half:],
                    ],
                    1,
                )
                table_values.append(values)
                table_tokens.append(tokens)
            # Shape: (batch_size, num_levels * num_tokens, input_dim)
            all_values = torch.cat(table_values, 1)
            all_tokens = torch.cat(table_tokens, 1)
            # floor(log2(width)) for widths 1 to max_width (0 for no gap)
            # Shape: (max_width + 1,)
            levels = torch.zeros(max_width + 1, dtype=torch.long, device=encoded_text.device)
            for power in range(1, len(table_values)):
                levels[2**power :] = power
            # Shape: (batch_size, max_pairs)
            level = levels[context_width]
            first = level * num_tokens + context_start.clamp(max=num_tokens - 1)
            second = level * num_tokens + (context_start + context_width - 2**level).clamp(
                0, num_tokens - 1
            )
            # Shape: (batch_size, max_pairs, input_dim) each
            first_values = util.batched_index_select(all_values, first)
            second_values = util.batched_index_select(all_values, second)
            take_second = (second_values > first_values) | (
                second_values.isnan() & ~first_values.isnan()
            )
            # Shape: (batch_size, max_pairs, input_dim)
            argmax = torch.where(
                take_second,
                util.batched_index_select(all_tokens, second),
                util.batched_index_select(all_tokens, first),
            )
        # Shape: (batch_size, max_pairs, input_dim)
        pooled = encoded_text.gather(1, argmax)
        return pooled.masked_fill((context_width == 0).unsqueeze(-1), 0.0)

    def _targets(
        self, pairs: List[Tuple[Mention, Mention]], instance: Dict[str, Any], max_pairs: int
    ) -> List[int]:
        """The label index of each candidate pair (0: no relation), -1 for padding."""
        label_ids = self.vocab.get_token_to_index_vocabulary(self.label_namespace)
        gold: Dict[Tuple[Span, Span], int] = {}
        for relation in to_instance(instance["gold_relations"], instance):
            label_id = label_ids.get(relation.label)
            if label_id is not None:
                gold.setdefault((relation.head.span, relation.tail.span), label_id + 1)
        targets = [gold.get((head.span, tail.span), NO_RELATION) for head, tail in pairs]
        return targets + [-1] * (max_pairs - len(pairs))

    def _decode(
        self, logits: torch.Tensor, pairs: List[List[Tuple[Mention, Mention]]]
    ) -> List[List[Relation]]:
        labels = self.vocab.get_index_to_token_vocabulary(self.label_namespace)
        with torch.no_grad():
            # Shape: (batch_size, max_pairs)
            scores, best = torch.softmax(logits, dim=-1).max(dim=-1)
        scores_list, best_list = scores.tolist(), best.tolist()
        decoded = []
        for i, instance_pairs in enumerate(pairs):
            decoded.append(
                [
                    Relation(head, tail, labels[best_list[i][p] - 1], scores_list[i][p])
                    for p, (head, tail) in enumerate(instance_pairs)
                    if best_list[i][p] != NO_RELATION
                ]
            )
        return decoded


def _gold_first(gold: List[Mention], predicted: List[Mention]) -> List[Mention]:
    """The gold mentions, then the predicted mentions whose boundaries no gold mention has."""
    gold_boundaries = {mention.span for mention in gold}
    return gold + [mention for mention in predicted if mention.span not in gold_boundaries]
