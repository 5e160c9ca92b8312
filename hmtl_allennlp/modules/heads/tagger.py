from typing import Any, Dict, List, Optional, Tuple

import torch

from allennlp.common import Lazy
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.data.dataset_readers.dataset_utils.span_utils import bioul_tags_to_spans
from allennlp.models.heads import Head
from allennlp.modules import ConditionalRandomField, FeedForward, TimeDistributed
from allennlp.modules.conditional_random_field import allowed_transitions

from hmtl_allennlp.common.documents import Mention, to_instance
from hmtl_allennlp.common.levels import TAGGING
from hmtl_allennlp.metrics import SpanF1, TokenAccuracy
from hmtl_allennlp.modules.heads.level_head import LevelHead

LABEL_ENCODINGS = ("BIOUL", "plain")
# The tag of a token outside every span, in both encodings.
OUTSIDE = "O"


@Head.register("crf_tagger")
class CrfTaggerHead(LevelHead):
    """
    A linear-chain CRF over tags on top of an already encoded sentence: the NER and EMD levels
    of HMTL (Sanh et al., 2019), imitating allennlp-models' `CrfTagger` without its embedder and
    encoder (the hierarchical model owns those). Its kind is "tagging".

    With `label_encoding = "BIOUL"` (entities, mentions) the tags encode typed spans: decoding
    is constrained Viterbi, so every decoded tag sequence converts to well-formed spans, and
    the main metric is `SpanF1` ("f1") against the document-level gold mentions in
    `metadata["gold_mentions"]`, so spans that the BIOUL tags cannot represent (nested or
    overlapping mentions) count as missed. Such a level can be the `mention_level` of a
    relation level.

    With `label_encoding = "plain"` (part-of-speech tags) every token has one label, the
    reader's gold mentions are one token wide, and decoding is unconstrained Viterbi. The main
    metric is `TokenAccuracy` ("accuracy") against the labels of those gold mentions ("O"
    where a token has none); `SpanF1` over the tokens that are not "O" is reported beside it.

    # Parameters

    vocab : `Vocabulary`, required
        Holds the tag labels, in the namespace `label_namespace`.
    task : `str`, required
        The name of the level (its key in the model), e.g. "ner" or "pos". It names the default
        label namespace and prefixes the output keys.
    input_dim : `int`, required
        The output dimension of the level's encoder.
    label_namespace : `str`, optional (default = `f"{task}_tags"`)
        The vocabulary namespace of the tags (the readers' default for the level too).
    label_encoding : `str`, optional (default = `"BIOUL"`)
        "BIOUL" (tags of typed spans) or "plain" (one label per token); the level's reader
        must encode its tags the same way.
    feedforward : `Lazy[FeedForward]`, optional (default = `None`)
        A feedforward network between the encoder and the tag projection; its `input_dim` is
        filled in from `input_dim`.
    dropout : `float`, optional (default = `0.0`)
        Dropout on the encoded text before the feedforward network and the projection.
    include_start_end_transitions : `bool`, optional (default = `True`)
        Whether the CRF learns start and end transition scores.
    loss_reduction : `str`, optional (default = `"sum"`)
        "sum" adds the negative log-likelihoods of the sentences of a batch (as the original
        HMTL and `CrfTagger` do, so the loss grows with the batch size); "mean" averages them
        over the non-empty sentences.

    Registered as a `Head` with name "crf_tagger".
    """

    kind = TAGGING
    main_metric = "f1"

    def __init__(
        self,
        vocab: Vocabulary,
        task: str,
        input_dim: int,
        label_namespace: Optional[str] = None,
        label_encoding: str = "BIOUL",
        feedforward: Optional[Lazy[FeedForward]] = None,
        dropout: float = 0.0,
        include_start_end_transitions: bool = True,
        loss_reduction: str = "sum",
    ) -> None:
        super().__init__(vocab, task)
        if loss_reduction not in ("sum", "mean"):
            raise ConfigurationError(
                f"crf_tagger head of level '{task}': loss_reduction must be 'sum' or 'mean', "
                f"got '{loss_reduction}'."
            )
        if label_encoding not in LABEL_ENCODINGS:
            raise ConfigurationError(
                f"crf_tagger head of level '{task}': label_encoding must be one of "
                f"{', '.join(LABEL_ENCODINGS)}, got '{label_encoding}'."
            )
        self._plain = label_encoding == "plain"
        self._token_accuracy = TokenAccuracy() if self._plain else None
        if self._plain:
            self.main_metric = "accuracy"
        self.label_namespace = label_namespace or f"{task}_tags"
        self.num_tags = vocab.get_vocab_size(self.label_namespace)
        if self.num_tags == 0:
            raise ConfigurationError(
                f"crf_tagger head of level '{task}': the vocabulary has no tags in namespace "
                f"'{self.label_namespace}' (does the training data of task '{task}' have tags?)."
            )
        self._loss_reduction = loss_reduction
        self._dropout = torch.nn.Dropout(dropout)
        self._feedforward = (
            feedforward.construct(input_dim=input_dim) if feedforward is not None else None
        )
        projection_input_dim = (
            self._feedforward.get_output_dim() if self._feedforward is not None else input_dim
        )
        self._tag_projection = TimeDistributed(torch.nn.Linear(projection_input_dim, self.num_tags))
        labels = vocab.get_index_to_token_vocabulary(self.label_namespace)
        self._crf = ConditionalRandomField(
            self.num_tags,
            constraints=None if self._plain else allowed_transitions("BIOUL", labels),
            include_start_end_transitions=include_start_end_transitions,
        )
        self._span_f1 = SpanF1()

    def forward(
        self,
        encoded_text: torch.Tensor,
        mask: torch.BoolTensor,
        metadata: List[Dict[str, Any]],
        tags: Optional[torch.LongTensor] = None,
    ) -> Dict[str, Any]:
        """
        # Parameters

        encoded_text : `torch.Tensor`
            The level's encoder output, shape `(batch_size, num_tokens, input_dim)`.
        mask : `torch.BoolTensor`
            The token mask, shape `(batch_size, num_tokens)`.
        metadata : `List[Dict[str, Any]]`
            Per instance, with `token_offset` and the document-level `gold_mentions`.
        tags : `torch.LongTensor`, optional (default = `None`)
            Gold tag ids, shape `(batch_size, num_tokens)`. When given, the loss is computed and
            the metric updated.

        # Returns

        A dict with `f"{task}_tags"` (the decoded tags, `List[List[str]]`), `f"{task}_spans"`
        (per instance, the decoded `Mention`s, in instance offsets: with plain labels, one per
        token that is not "O"), `f"{task}_logits"` and, when `tags` is given, `loss`.
        """
        # Shape: (batch_size, num_tokens, num_tags)
        logits = self._logits(self._dropout(encoded_text))
        predicted_tags = self._viterbi_tags(logits, mask)
        spans = [self._tags_to_spans(tags_) for tags_ in predicted_tags]
        output: Dict[str, Any] = {"logits": logits, "tags": predicted_tags, "spans": spans}
        if tags is not None:
            output["loss"] = self._negative_log_likelihood(logits, tags, mask)
            gold_spans = [to_instance(instance["gold_mentions"], instance) for instance in metadata]
            self._span_f1(spans, gold_spans)
            if self._token_accuracy is not None:
                self._token_accuracy(
                    predicted_tags,
                    [
                        _token_labels(gold, len(tags_))
                        for gold, tags_ in zip(gold_spans, predicted_tags)
                    ],
                )
        return self.prefixed(output)

    @property
    def decodes_mentions(self) -> bool:
        return not self._plain

    def decode_spans(
        self, encoded_text: torch.Tensor, mask: torch.BoolTensor
    ) -> List[List[Mention]]:
        """
        Decodes `Mention`s (in instance offsets) without computing a loss and without dropout:
        the mention source of a relation head sitting above this level.
        """
        if self._plain:
            return super().decode_spans(encoded_text, mask)
        with torch.no_grad():
            predicted_tags = self._viterbi_tags(self._logits(encoded_text), mask)
        return [self._tags_to_spans(tags_) for tags_ in predicted_tags]

    def _logits(self, encoded_text: torch.Tensor) -> torch.Tensor:
        if self._feedforward is not None:
            encoded_text = self._feedforward(encoded_text)
        return self._tag_projection(encoded_text)

    def _viterbi_tags(self, logits: torch.Tensor, mask: torch.BoolTensor) -> List[List[str]]:
        lengths = mask.sum(-1).tolist()
        # The CRF needs at least one token per sequence: empty sentences get no tags.
        non_empty = [i for i, length in enumerate(lengths) if length > 0]
        predicted: List[List[str]] = [[] for _ in lengths]
        if non_empty:
            best_paths = self._best_paths(logits[non_empty], [lengths[i] for i in non_empty])
            for i, tag_ids in zip(non_empty, best_paths):
                predicted[i] = [
                    self.vocab.get_token_from_index(tag_id, self.label_namespace)
                    for tag_id in tag_ids
                ]
        return predicted

    def _best_paths(self, logits: torch.Tensor, lengths: List[int]) -> List[List[int]]:
        """
        The best tag ids of each sequence (its first `lengths[i]` tokens, at least one), the
        paths of `ConditionalRandomField.viterbi_tags`, decoded for all sequences at once:
        that method runs AllenNLP's `viterbi_decode` one sequence at a time, a Python step per
        token of every sentence. Each step here does what one step of `viterbi_decode` does,
        the same operations on the same scores for every sequence of the batch, so the paths
        are the same.
        """
        crf = self._crf
        batch_size, max_length, num_tags = logits.shape
        start_tag, end_tag = num_tags, num_tags + 1
        constraint_mask = crf._constraint_mask
        # The transitions as `viterbi_tags` builds them: the constrained ones at -10,000, and
        # a start and an end tag.
        # Shape: (num_tags + 2, num_tags + 2)
        transitions = logits.new_full((num_tags + 2, num_tags + 2), -10000.0)
        transitions[:num_tags, :num_tags] = crf.transitions.detach() * constraint_mask[
            :num_tags, :num_tags
        ] + -10000.0 * (1 - constraint_mask[:num_tags, :num_tags])
        start_mask = constraint_mask[start_tag, :num_tags]
        end_mask = constraint_mask[:num_tags, end_tag]
        if crf.include_start_end_transitions:
            transitions[start_tag, :num_tags] = crf.start_transitions.detach() * start_mask + (
                -10000.0 * (1 - start_mask)
            )
            transitions[:num_tags, end_tag] = crf.end_transitions.detach() * end_mask + (
                -10000.0 * (1 - end_mask)
            )
        else:
            transitions[start_tag, :num_tags] = -10000.0 * (1 - start_mask)
            transitions[:num_tags, end_tag] = -10000.0 * (1 - end_mask)

        # Each sequence as `viterbi_tags` pads it: the start tag, its tokens' logits, then the
        # end tag at step length + 1 (later steps are computed but never read).
        # Shape: (batch_size, max_length + 2, num_tags + 2)
        tag_sequence = logits.new_full((batch_size, max_length + 2, num_tags + 2), -10000.0)
        tag_sequence[:, 0, start_tag] = 0.0
        tag_sequence[:, 1 : max_length + 1, :num_tags] = logits.detach()
        # Shape: (batch_size,)
        end_steps = torch.tensor(lengths, device=logits.device) + 1
        rows = torch.arange(batch_size, device=logits.device)
        end_row = logits.new_full((num_tags + 2,), -10000.0)
        end_row[end_tag] = 0.0
        tag_sequence[rows, end_steps] = end_row

        # Shape: (batch_size, num_tags + 2)
        path_scores = tag_sequence[:, 0]
        final_scores = path_scores
        backpointers = []
        for step in range(1, int(end_steps.max()) + 1):
            # Shape: (batch_size, num_tags + 2, num_tags + 2)
            summed_potentials = path_scores.unsqueeze(2) + transitions
            # Shape: (batch_size, num_tags + 2)
            scores, paths = _best_previous_tags(summed_potentials)
            path_scores = tag_sequence[:, step] + scores
            backpointers.append(paths)
            final_scores = torch.where((end_steps == step).unsqueeze(1), path_scores, final_scores)
        # Shape: (batch_size,)
        last_tags = torch.topk(final_scores, k=1, dim=1)[1].squeeze(1).tolist()
        # Shape: (max_length + 1, batch_size, num_tags + 2)
        previous_tags = torch.stack(backpointers).tolist()
        best_paths = []
        for index, (length, last_tag) in enumerate(zip(lengths, last_tags)):
            path = [last_tag]
            for step in range(length, -1, -1):
                path.append(previous_tags[step][index][path[-1]])
            # Without the start and end tags.
            best_paths.append(path[::-1][1:-1])
        return best_paths

    def _tags_to_spans(self, tags: List[str]) -> List[Mention]:
        if self._plain:
            return [Mention(index, index, tag) for index, tag in enumerate(tags) if tag != OUTSIDE]
        return [Mention(start, end, label) for label, (start, end) in bioul_tags_to_spans(tags)]

    def _negative_log_likelihood(
        self, logits: torch.Tensor, tags: torch.LongTensor, mask: torch.BoolTensor
    ) -> torch.Tensor:
        non_empty = mask.any(-1)
        if not non_empty.any():
            # Keeps the loss attached to the graph so that a batch of empty sentences can still
            # be backpropagated (with zero gradient).
            return logits.sum() * 0.0
        log_likelihood = self._crf(logits[non_empty], tags[non_empty], mask[non_empty])
        if self._loss_reduction == "mean":
            return -log_likelihood / non_empty.sum()
        return -log_likelihood

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        metrics = self._span_f1.get_metric(reset)
        if self._token_accuracy is not None:
            metrics.update(self._token_accuracy.get_metric(reset))
        return metrics


def _best_previous_tags(summed_potentials: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """
    `torch.topk(summed_potentials, k=1, dim=1)`, squeezed: for each tag, the best score over the
    previous tags and that previous tag. `topk` over a middle dimension is slow on a CPU (a
    partial sort of each of batch_size x num_tags slices, most of a Viterbi step), `max` is
    fast and gives the same maxima; where a maximum is reached by several previous tags, `topk`
    picks one of them by its own partial sort (not always the first), so those slices, rare,
    go through `topk` itself, which sorts the same values the same way.
    """
    # Shape: (batch_size, num_tags) for both
    scores, paths = summed_potentials.max(dim=1)
    # Slices whose maximum is not reached exactly once (a tie, or a NaN).
    ties = (summed_potentials == scores.unsqueeze(1)).sum(1) != 1
    if ties.any():
        rows, tags = ties.nonzero(as_tuple=True)
        # Shape: (num_ties, num_previous_tags)
        tied = summed_potentials[rows, :, tags]
        tied_scores, tied_paths = torch.topk(tied, k=1, dim=1)
        scores[rows, tags] = tied_scores.squeeze(1)
        paths[rows, tags] = tied_paths.squeeze(1)
    return scores, paths


def _token_labels(mentions: List[Mention], num_tokens: int) -> List[str]:
    """The label of each token: that of the one-token mention on it, else "O"."""
    labels = [OUTSIDE] * num_tokens
    for mention in mentions:
        if mention.start == mention.end:
            labels[mention.start] = mention.label or OUTSIDE
    return labels
