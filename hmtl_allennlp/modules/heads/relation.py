import bisect
import itertools
import math
from typing import Any, Dict, List, Optional, Tuple

import torch

from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.models.heads import Head
from allennlp.nn import util

from hmtl_allennlp.common.documents import Mention, Relation, to_document, to_instance
from hmtl_allennlp.common.levels import RELATIONS
from hmtl_allennlp.common.spans import flatten_spans, spans_to_bioul_tags
from hmtl_allennlp.metrics import RelationF1
from hmtl_allennlp.modules.heads.level_head import LevelHead

BIOUL_POSITIONS = "BILU"
# The default of `max_mentions_per_sentence`: above the most mentions of a sentence of the
# corpora read here (50, in LitBank), so that only rogue input reaches it.
MAX_MENTIONS_PER_SENTENCE = 64


class RelationHead(LevelHead):
    """
    What the relation heads share: their kind ("relations"), where the relation arguments come
    from (the predicted spans of a tagger level below, or the gold mentions of the input), which
    pairs of them are candidates (ordered pairs of distinct mentions of one sentence), and the
    relation metric. Their output is `f"{task}_relations"`.

    # Parameters

    vocab : `Vocabulary`, required
        Holds the relation labels, in the namespace `label_namespace`.
    task : `str`, required
        The name of the level (its key in the model).
    label_namespace : `str`, optional
        The vocabulary namespace of the relation labels; `None`: `f"{task}_labels"`, the
        readers' default for the level.
    mention_level : `str`, optional
        A tagger level below this one whose predicted spans are the relation arguments. `None`
        uses the gold mentions of the metadata (the `uses_gold_mentions` metric says which).
    max_mentions_per_sentence : `int`, optional (default = `64`)
        Only the first this many mentions of a sentence (by position) are candidate arguments,
        so that a sentence has at most `max_mentions_per_sentence ** 2` candidate pairs.
    """

    kind = RELATIONS
    main_metric = "strict_f1"
    registered_name = ""

    def __init__(
        self,
        vocab: Vocabulary,
        task: str,
        label_namespace: Optional[str],
        mention_level: Optional[str],
        max_mentions_per_sentence: int = MAX_MENTIONS_PER_SENTENCE,
    ) -> None:
        super().__init__(vocab, task)
        label_namespace = label_namespace or f"{task}_labels"
        if max_mentions_per_sentence < 2:
            raise self._configuration_error(
                f"max_mentions_per_sentence must be at least 2, got {max_mentions_per_sentence}."
            )
        self._max_mentions_per_sentence = max_mentions_per_sentence
        self.mention_level = mention_level
        self.label_namespace = label_namespace
        self.num_labels = vocab.get_vocab_size(label_namespace)
        if self.num_labels == 0:
            raise self._configuration_error(
                f"the vocabulary has no labels in namespace '{label_namespace}' (does the "
                "training data have relations?)."
            )
        self._relation_f1 = RelationF1()

    def _configuration_error(self, message: str) -> ConfigurationError:
        return ConfigurationError(f"{self.registered_name} head of level '{self.task}': {message}")

    def _arguments(
        self,
        metadata: List[Dict[str, Any]],
        predicted_mentions: Optional[List[List[Mention]]],
    ) -> List[List[Mention]]:
        """The mentions between which relations are predicted, in instance offsets."""
        if self.mention_level is None:
            return [to_instance(instance["gold_mentions"], instance) for instance in metadata]
        if predicted_mentions is None:
            raise ValueError(
                f"Relation level '{self.task}' takes its arguments from level "
                f"'{self.mention_level}', but no predicted mentions were given."
            )
        return predicted_mentions

    def _candidate_pairs(
        self, mentions: List[Mention], sentence_lengths: List[int]
    ) -> List[Tuple[Mention, Mention]]:
        """
        Ordered pairs of distinct mentions that lie in the same sentence, among the first
        `max_mentions_per_sentence` mentions of each sentence.
        """
        sentence_ends = list(itertools.accumulate(sentence_lengths))
        mentions_by_sentence: Dict[int, List[Mention]] = {}
        for mention in sorted(set(mentions)):
            sentence = bisect.bisect_right(sentence_ends, mention.start)
            mentions_by_sentence.setdefault(sentence, []).append(mention)
        return [
            (head, tail)
            for all_mentions in mentions_by_sentence.values()
            for sentence_mentions in [all_mentions[: self._max_mentions_per_sentence]]
            for head in sentence_mentions
            for tail in sentence_mentions
            if head != tail
        ]

    def _update_metric(
        self, predicted: List[List[Relation]], metadata: List[Dict[str, Any]]
    ) -> None:
        # Scored in document offsets, those of the gold annotations.
        self._relation_f1(
            [to_document(relations, instance) for relations, instance in zip(predicted, metadata)],
            [instance["gold_relations"] for instance in metadata],
        )

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        metrics = self._relation_f1.get_metric(reset)
        metrics["uses_gold_mentions"] = float(self.mention_level is None)
        return metrics


@Head.register("multi_head_selection")
class MultiHeadSelectionHead(RelationHead):
    """
    The relation extraction level of HMTL (Sanh et al., 2019): the multi-head selection scorer of
    Bekoulis et al. (2018), "Joint entity recognition and relation extraction as a multi-head
    selection problem". For tokens i, j and relation label k,

        score(i, j, k) = V_k . relu(U h_i + W h_j + b)

    and every (i, j, k) is an independent sigmoid decision (a token may head several relations,
    with several labels each). A relation is placed between the last tokens of its two arguments.

    Training uses the `relations` field, `(batch_size, num_tokens, num_tokens, num_labels)`, with
    a binary cross-entropy over all pairs of real tokens. The output is span-level: for every
    ordered pair of distinct mentions of one sentence, relation k is predicted when
    `sigmoid(score(end(head), end(tail), k)) > threshold`. The mentions are the predicted spans of
    `mention_level` when it is set (a tagger level below this one, which the model runs anyway),
    else the gold mentions of `metadata["gold_mentions"]`. Two mentions that end on the same token
    get the same scores: that is a property of the method.

    The original release multiplied a mean binary cross-entropy by 100 (and averaged over padding
    too); `loss_reduction = "mean"` with the level's `loss_weight = 100` reproduces the scaling.

    Two ingredients make the head learn faster (docs/RESULTS.md measures them), both off by
    default, as in the original release: `entity_label_embedding_dim` gives every token an
    embedding of its BIOUL mention label, as Bekoulis et al. do (without it the scorer cannot
    tell where the arguments end nor their types, and has to learn both from the text), and
    `initial_positive_rate` starts the label scorer at the prior probability of a relation
    (Lin et al. 2017), instead of at 0.5 for each of the many negative cells.

    # Parameters

    vocab : `Vocabulary`, required
        Holds the relation labels, in the namespace `label_namespace`.
    task : `str`, required
        The name of the level (its key in the model).
    input_dim : `int`, required
        The output dimension of the level's encoder.
    hidden_dim : `int`, optional (default = `64`)
        The dimension of `relu(U h_i + W h_j + b)`.
    label_namespace : `str`, optional (default = `f"{task}_labels"`)
        The vocabulary namespace of the relation labels (the readers' default for the level).
    threshold : `float`, optional (default = `0.5`)
        The probability above which a relation is predicted.
    mention_level : `str`, optional (default = `None`)
        A tagger level below this one whose predicted spans are the relation arguments. `None`
        uses the gold mentions of the metadata (the `uses_gold_mentions` metric says which).
    dropout : `float`, optional (default = `0.0`)
        Dropout on the encoded text (the paper uses none).
    loss_reduction : `str`, optional (default = `"mean"`)
        "mean" averages the binary cross-entropy over the (token, token, label) cells of real
        tokens; "sum" adds them.
    positive_weight : `float`, optional (default = `1.0`)
        The weight of the positive cells in the binary cross-entropy (torch's `pos_weight`).
        Almost every cell is negative (a 40-token sentence with 96 relation types has about
        150,000 cells for a handful of relations), so with the paper's 1.0 the scorer first
        learns to say "no" everywhere and needs many updates to get any pair over the
        threshold; a larger weight trades precision for recall early in training.
    entity_label_embedding_dim : `int`, optional (default = `0`)
        When above 0, the dimension of an embedding of each token's BIOUL mention label (type
        and position in its mention), concatenated to the encoded text. The labels are those
        of the arguments, except in training with a `mention_level`, where they are the gold
        mentions' (as Bekoulis et al. train).
    entity_type_namespace : `str`, optional (default = `"mention_types"`)
        The vocabulary namespace of the entity types (the readers' `mention_types` field fills
        it); a type it does not hold is embedded as its unknown token.
    initial_positive_rate : `float`, optional (default = `None`)
        When given, the label scorer gets a bias, initialised so that every cell starts at this
        probability (for example the share of positive cells in the training data).
    max_mentions_per_sentence : `int`, optional (default = `64`)
        Only the first this many mentions of a sentence are candidate arguments (which bounds
        the pairs decoded per sentence).

    Registered as a `Head` with name "multi_head_selection".
    """

    registered_name = "multi_head_selection"

    def __init__(
        self,
        vocab: Vocabulary,
        task: str,
        input_dim: int,
        hidden_dim: int = 64,
        label_namespace: Optional[str] = None,
        threshold: float = 0.5,
        mention_level: Optional[str] = None,
        dropout: float = 0.0,
        loss_reduction: str = "mean",
        positive_weight: float = 1.0,
        entity_label_embedding_dim: int = 0,
        entity_type_namespace: str = "mention_types",
        initial_positive_rate: Optional[float] = None,
        max_mentions_per_sentence: int = MAX_MENTIONS_PER_SENTENCE,
    ) -> None:
        super().__init__(vocab, task, label_namespace, mention_level, max_mentions_per_sentence)
        if initial_positive_rate is not None and not 0 < initial_positive_rate < 1:
            raise self._configuration_error(
                f"initial_positive_rate must be between 0 and 1, got {initial_positive_rate}."
            )
        if positive_weight <= 0:
            raise self._configuration_error(
                f"positive_weight must be greater than 0, got {positive_weight}."
            )
        if loss_reduction not in ("sum", "mean"):
            raise self._configuration_error(
                f"loss_reduction must be 'sum' or 'mean', got '{loss_reduction}'."
            )
        self._threshold = threshold
        self._loss_reduction = loss_reduction
        self._positive_weight = positive_weight
        self._dropout = torch.nn.Dropout(dropout)
        self._entity_type_namespace = entity_type_namespace
        self._entity_label_embedding: Optional[torch.nn.Embedding] = None
        if entity_label_embedding_dim > 0:
            # Index 0: outside every mention; then B, I, L and U of each type.
            self._entity_label_embedding = torch.nn.Embedding(
                1 + len(BIOUL_POSITIONS) * vocab.get_vocab_size(entity_type_namespace),
                entity_label_embedding_dim,
            )
            input_dim += entity_label_embedding_dim
        self._head_projection = torch.nn.Linear(input_dim, hidden_dim, bias=False)
        # Its bias is the b of the scorer.
        self._tail_projection = torch.nn.Linear(input_dim, hidden_dim)
        self._label_scorer = torch.nn.Linear(
            hidden_dim, self.num_labels, bias=initial_positive_rate is not None
        )
        if initial_positive_rate is not None:
            torch.nn.init.constant_(
                self._label_scorer.bias,
                math.log(initial_positive_rate / (1 - initial_positive_rate)),
            )

    def forward(
        self,
        encoded_text: torch.Tensor,
        mask: torch.BoolTensor,
        metadata: List[Dict[str, Any]],
        relations: Optional[torch.Tensor] = None,
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
        relations : `torch.Tensor`, optional (default = `None`)
            The multi-head selection target, shape `(batch_size, num_tokens, num_tokens,
            num_labels)`, 1.0 at (last token of head, last token of tail, label), which readers
            make with `relation_adjacency: true`. When given, the loss is computed and the
            metric updated.
        relation_labels : `torch.Tensor`, optional (default = `None`)
            The readers' labels of each instance's relations: given without `relations`, the
            instances have gold relations but not the target this head needs, an error.
        predicted_mentions : `List[List[Mention]]`, optional (default = `None`)
            The mentions decoded by `mention_level` (given by the model), in instance offsets.

        # Returns

        A dict with `f"{task}_relations"`: per instance, a list of `Relation`s in instance
        offsets, their arguments typed as the mentions they are, with the sigmoid score; `loss` when
        `relations` is given.
        """
        if relations is None and relation_labels is not None:
            raise ConfigurationError(
                f"The multi_head_selection head of level '{self.task}' trains on the dense "
                "`relations` field, which its dataset reader makes only with "
                f"`relation_adjacency: true`: set it in the reader of task '{self.task}' "
                f"(e.g. -o '{{\"dataset_reader.readers.{self.task}.relation_adjacency\": true}}')."
            )
        mentions = self._arguments(metadata, predicted_mentions)
        encoded_text = self._dropout(encoded_text)
        if self._entity_label_embedding is not None:
            labelled = mentions
            if self.mention_level is not None and self.training:
                labelled = [
                    to_instance(instance["gold_mentions"], instance) for instance in metadata
                ]
            # Shape: (batch_size, num_tokens, input_dim + entity_label_embedding_dim)
            encoded_text = torch.cat(
                [encoded_text, self._entity_label_embedding(self._entity_labels(labelled, mask))],
                dim=-1,
            )
        # Shape: (batch_size, num_tokens, hidden_dim)
        head_part = self._head_projection(encoded_text)
        tail_part = self._tail_projection(encoded_text)
        output: Dict[str, Any] = {
            "relations": self._decode(head_part, tail_part, mentions, metadata)
        }

        if relations is not None:
            # Shape: (batch_size, num_tokens, num_tokens, num_labels)
            logits = self._label_scorer(torch.relu(head_part.unsqueeze(2) + tail_part.unsqueeze(1)))
            # Shape: (batch_size, num_tokens, num_tokens, 1)
            pair_mask = (mask.unsqueeze(2) & mask.unsqueeze(1)).unsqueeze(-1)
            cell_losses = torch.nn.functional.binary_cross_entropy_with_logits(
                logits,
                relations.float(),
                reduction="none",
                pos_weight=logits.new_tensor(self._positive_weight),
            )
            loss = (cell_losses * pair_mask).sum()
            if self._loss_reduction == "mean":
                loss = loss / (pair_mask.sum() * self.num_labels).clamp(min=1)
            output["loss"] = loss
            self._update_metric(output["relations"], metadata)
        return self.prefixed(output)

    def _entity_labels(self, mentions: List[List[Mention]], mask: torch.BoolTensor) -> torch.Tensor:
        """The index of each token's BIOUL mention label, shape `(batch_size, num_tokens)`."""
        num_types = self.vocab.get_vocab_size(self._entity_type_namespace)
        labels = []
        for instance_mentions in mentions:
            tags = spans_to_bioul_tags(mask.size(1), flatten_spans(instance_mentions)[0])
            labels.append(
                [
                    (
                        0
                        if tag == "O"
                        else 1
                        + BIOUL_POSITIONS.index(tag[0]) * num_types
                        + self.vocab.get_token_index(tag[2:], self._entity_type_namespace)
                    )
                    for tag in tags
                ]
            )
        return mask.new_tensor(labels, dtype=torch.long)

    def _decode(
        self,
        head_part: torch.Tensor,
        tail_part: torch.Tensor,
        mentions: List[List[Mention]],
        metadata: List[Dict[str, Any]],
    ) -> List[List[Relation]]:
        pairs = [
            self._candidate_pairs(instance_mentions, instance["sentence_lengths"])
            for instance_mentions, instance in zip(mentions, metadata)
        ]
        max_pairs = max((len(instance_pairs) for instance_pairs in pairs), default=0)
        if max_pairs == 0:
            return [[] for _ in pairs]
        # Shape: (batch_size, max_pairs), padded with token 0 (its scores are not read)
        head_ends = head_part.new_tensor(
            [[head.end for head, _ in p] + [0] * (max_pairs - len(p)) for p in pairs],
            dtype=torch.long,
        )
        tail_ends = head_part.new_tensor(
            [[tail.end for _, tail in p] + [0] * (max_pairs - len(p)) for p in pairs],
            dtype=torch.long,
        )
        with torch.no_grad():
            # Shape: (batch_size, max_pairs, num_labels)
            probabilities = torch.sigmoid(
                self._label_scorer(
                    torch.relu(
                        util.batched_index_select(head_part, head_ends)
                        + util.batched_index_select(tail_part, tail_ends)
                    )
                )
            )
        labels = self.vocab.get_index_to_token_vocabulary(self.label_namespace)
        decoded = []
        for i, instance_pairs in enumerate(pairs):
            pair_probabilities = probabilities[i, : len(instance_pairs)]
            predicted = (pair_probabilities > self._threshold).nonzero().tolist()
            scores = pair_probabilities.tolist()
            instance_relations = []
            for p, label_id in predicted:
                head, tail = instance_pairs[p]
                instance_relations.append(
                    Relation(head, tail, labels[label_id], scores[p][label_id])
                )
            decoded.append(instance_relations)
        return decoded
