"""
Fields that AllenNLP does not provide: the multi-label token adjacency used as the target of
multi-head selection relation extraction, the labels of a sentence's relations, and BIOUL tags,
all tolerating labels the vocabulary has never seen.
"""

from typing import Dict, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data.fields import Field, MultiLabelField, SequenceField, SequenceLabelField
from allennlp.data.vocabulary import Vocabulary


class MultiLabelAdjacencyField(Field[torch.Tensor]):
    """
    A set of labelled, directed edges between the tokens of a `SequenceField`, where one pair of
    tokens can carry several labels at once: the target of multi-head selection (Bekoulis et
    al. 2018, as used by HMTL), in which every (token i, token j, label k) is an independent
    binary decision.

    `as_tensor` gives a float tensor of shape (num_tokens, num_tokens, num_labels), 1.0 at
    `[i, j, label_id]` for each edge and 0.0 elsewhere (padding included). The readers put an
    edge from the last token of a relation's head argument to the last token of its tail
    argument. Repeated edges are kept once.

    # Parameters

    edges : `Sequence[Tuple[int, int, str]]`
        (source token index, target token index, label), indices into `sequence_field`.
    sequence_field : `SequenceField`
        The sequence whose tokens the edges connect (usually the instance's `TextField`).
    label_namespace : `str`, optional (default = `"relation_labels"`)
        The vocabulary namespace of the labels. It ends with "labels", so by default it has no
        padding or OOV entry and every label id is a real label.
    """

    __slots__ = ["edges", "sequence_field", "_label_namespace", "_indexed_edges", "_num_labels"]

    def __init__(
        self,
        edges: Sequence[Tuple[int, int, str]],
        sequence_field: SequenceField,
        label_namespace: str = "relation_labels",
    ) -> None:
        self.edges = list(edges)
        self.sequence_field = sequence_field
        self._label_namespace = label_namespace
        self._indexed_edges: Optional[List[Tuple[int, int, int]]] = None
        self._num_labels: Optional[int] = None

        num_tokens = sequence_field.sequence_length()
        for source, target, label in self.edges:
            if not (0 <= source < num_tokens and 0 <= target < num_tokens):
                raise ConfigurationError(
                    f"Edge ({source}, {target}, {label!r}) is outside a sequence of "
                    f"{num_tokens} tokens."
                )
            if not isinstance(label, str):
                raise ConfigurationError(f"Edge labels must be strings, got {label!r}.")

    def count_vocab_items(self, counter: Dict[str, Dict[str, int]]) -> None:
        for _, _, label in self.edges:
            counter[self._label_namespace][label] += 1

    def index(self, vocab: Vocabulary) -> None:
        # A label the model never saw in training (e.g. in evaluation data) has no score to
        # train, so it gets no target cell. The relation stays in the instance's gold metadata,
        # which the metrics score against, so it counts as missed, not as absent.
        known = vocab.get_token_to_index_vocabulary(self._label_namespace)
        self._indexed_edges = [
            (source, target, known[label]) for source, target, label in self.edges if label in known
        ]
        self._num_labels = vocab.get_vocab_size(self._label_namespace)

    def get_padding_lengths(self) -> Dict[str, int]:
        return {"num_tokens": self.sequence_field.sequence_length()}

    def as_tensor(self, padding_lengths: Dict[str, int]) -> torch.Tensor:
        if self._indexed_edges is None or self._num_labels is None:
            raise ConfigurationError(
                "MultiLabelAdjacencyField.as_tensor was called before index(vocab)."
            )
        num_tokens = padding_lengths["num_tokens"]
        # Shape: (num_tokens, num_tokens, num_labels)
        tensor = torch.zeros(num_tokens, num_tokens, self._num_labels)
        for source, target, label_id in self._indexed_edges:
            tensor[source, target, label_id] = 1.0
        return tensor

    def empty_field(self) -> "MultiLabelAdjacencyField":
        empty = MultiLabelAdjacencyField(
            [], self.sequence_field.empty_field(), self._label_namespace
        )
        empty._indexed_edges = []
        empty._num_labels = self._num_labels
        return empty

    def human_readable_repr(self) -> List[Tuple[int, int, str]]:
        return self.edges

    def __len__(self) -> int:
        return len(self.edges)

    def __str__(self) -> str:
        return (
            f"MultiLabelAdjacencyField of {len(self.edges)} edges over "
            f"{self.sequence_field.sequence_length()} tokens in namespace "
            f"'{self._label_namespace}'."
        )


class RelationLabelsField(MultiLabelField):
    """
    The labels of a sentence's gold relations, one per relation (repeated labels repeated): the
    vocabulary counts each relation's label, as `MultiLabelAdjacencyField` does, so that a
    relation head learns the same labels whichever field its reader makes. As a tensor, the
    multi-hot vector of the sentence's labels, `(num_labels,)`: cheap, and its presence tells a
    head that the instance has gold relations. A label the vocabulary does not have (unseen in
    training) is left out of the vector instead of failing.

    # Parameters

    labels : `Sequence[str]`
        The label of each relation of the sentence.
    label_namespace : `str`, optional (default = `"relation_labels"`)
        The vocabulary namespace of the labels.
    """

    def __init__(self, labels: Sequence[str], label_namespace: str = "relation_labels") -> None:
        super().__init__(list(labels), label_namespace)

    def index(self, vocab: Vocabulary) -> None:
        known = vocab.get_token_to_index_vocabulary(self._label_namespace)
        self._label_ids = [known[label] for label in self.labels if label in known]
        self._num_labels = vocab.get_vocab_size(self._label_namespace)


class BioulTagsField(SequenceLabelField):
    """
    A `SequenceLabelField` of BIOUL tags that can be indexed with a vocabulary lacking some of
    its tags, as evaluation data with an entity type never seen in training is: those tags are
    indexed as "O". The model cannot predict such a type anyway, and the spans stay in the
    instance's gold metadata, which the metrics score against, so they count as missed instead
    of crashing the evaluation. Plain labels (one per token, such as part-of-speech tags) may
    have no "O": an unknown one is then indexed as the namespace's first label, which only
    the loss sees. With every tag known it is a plain `SequenceLabelField`.
    """

    def index(self, vocab: Vocabulary) -> None:
        known = vocab.get_token_to_index_vocabulary(self._label_namespace)
        if self._indexed_labels is None and any(tag not in known for tag in self.labels):
            unknown = "O" if "O" in known or not known else next(iter(known))
            self.labels = [tag if tag in known else unknown for tag in self.labels]
        super().index(vocab)
