from typing import Callable, Dict, Hashable, Iterable, List, Optional, Sequence, Tuple

from allennlp.training.metrics.metric import Metric

from hmtl_allennlp.metrics.util import check_same_length, precision_recall_f1, sum_over_workers

# (head_start, head_end, tail_start, tail_end, label), as the readers' `gold_relations`.
Relation = Tuple[int, int, int, int, str]
# (head_start, head_end, head_type, tail_start, tail_end, tail_type, label); a type is None
# where it is unknown (see `typed_gold_relations`).
TypedRelation = Tuple[int, int, Optional[str], int, int, Optional[str], str]


def typed_gold_relations(
    gold_relations: Iterable[Relation], gold_mentions: Iterable[Tuple[int, int, str]]
) -> List[TypedRelation]:
    """
    Gives each gold relation the entity types of its two arguments, taken from the gold
    mentions with the same (start, end) span, so that gold relations can be scored in the
    `strict` setting of `RelationF1`.

    An argument span that several gold mentions type differently gets the type listed FIRST
    in `gold_mentions` (the order of the file), so that one relation stays one relation; an
    argument span that no gold mention covers gets the type `None`, which no prediction
    carries, so such a relation can only be found in the `boundaries` and `hmtl` settings.

    # Parameters

    gold_relations : `Iterable[Tuple[int, int, int, int, str]]`
        (head_start, head_end, tail_start, tail_end, label) relations.
    gold_mentions : `Iterable[Tuple[int, int, str]]`
        (start, end, entity_type) mentions, in the same offsets.

    # Returns

    `List[Tuple[int, int, Optional[str], int, int, Optional[str], str]]`
        (head_start, head_end, head_type, tail_start, tail_end, tail_type, label) relations,
        in the order of `gold_relations`.
    """
    type_of_span: Dict[Tuple[int, int], str] = {}
    for start, end, entity_type in gold_mentions:
        type_of_span.setdefault((int(start), int(end)), str(entity_type))
    typed = []
    for head_start, head_end, tail_start, tail_end, label in gold_relations:
        head = (int(head_start), int(head_end))
        tail = (int(tail_start), int(tail_end))
        typed.append((*head, type_of_span.get(head), *tail, type_of_span.get(tail), str(label)))
    return typed


def _strict_key(relation: TypedRelation) -> Hashable:
    return relation


def _boundaries_key(relation: TypedRelation) -> Hashable:
    head_start, head_end, _, tail_start, tail_end, _, label = relation
    return head_start, head_end, tail_start, tail_end, label


def _hmtl_key(relation: TypedRelation) -> Hashable:
    # The original HMTL scored its multi-head selection matrix, which only knows the last
    # token of each argument.
    _, head_end, _, _, tail_end, _, label = relation
    return head_end, tail_end, label


# What has to be right for a predicted relation to count, per setting.
_MATCHING_KEYS: Dict[str, Callable[[TypedRelation], Hashable]] = {
    "strict": _strict_key,
    "boundaries": _boundaries_key,
    "hmtl": _hmtl_key,
}


@Metric.register("relation_f1")
class RelationF1(Metric):
    """
    Micro-averaged precision, recall and F1 of relation extraction in three settings, as the
    field reports them (Bekoulis et al. 2018; Taillé et al. 2020, "Let's Stop Incorrect
    Comparisons in End-to-end Relation Extraction!"):

    - `strict`: both argument spans, both argument entity types and the relation type right;
    - `boundaries`: both argument spans and the relation type right;
    - `hmtl`: the last token of both arguments and the relation type right, the metric of the
      original HMTL release (Sanh et al. 2019).

    Counts run over every instance passed, relations or not: a relation predicted in a sentence
    without gold relations is a false positive. Within one instance relations are compared as
    sets per setting, so two predictions that a setting cannot tell apart count once.

    Registered as a `Metric` with name "relation_f1".
    """

    supports_distributed = True

    def __init__(self) -> None:
        # Per setting: [true positives, predicted, gold].
        self._counts: Dict[str, List[int]] = {setting: [0, 0, 0] for setting in _MATCHING_KEYS}

    def __call__(  # type: ignore[override]
        self,
        predicted_relations: Sequence[Iterable[TypedRelation]],
        gold_relations: Sequence[Iterable[TypedRelation]],
    ) -> None:
        """
        # Parameters

        predicted_relations : `Sequence[Iterable[TypedRelation]]`
            For each instance of the batch, its predicted (head_start, head_end, head_type,
            tail_start, tail_end, tail_type, label) relations, the types being those of the
            predicted argument mentions.
        gold_relations : `Sequence[Iterable[TypedRelation]]`
            For each instance of the batch, its gold relations in the same form (see
            `typed_gold_relations`).
        """
        check_same_length(predicted_relations, gold_relations, "relation")
        for instance_predicted, instance_gold in zip(predicted_relations, gold_relations):
            predicted = [_normalised(relation) for relation in instance_predicted]
            gold = [_normalised(relation) for relation in instance_gold]
            for setting, matching_key in _MATCHING_KEYS.items():
                predicted_keys = {matching_key(relation) for relation in predicted}
                gold_keys = {matching_key(relation) for relation in gold}
                counts = self._counts[setting]
                counts[0] += len(predicted_keys & gold_keys)
                counts[1] += len(predicted_keys)
                counts[2] += len(gold_keys)

    def get_metric(self, reset: bool = False) -> Dict[str, float]:
        """
        # Returns

        `Dict[str, float]`
            "<setting>_precision", "<setting>_recall" and "<setting>_f1" for the settings
            "strict", "boundaries" and "hmtl".
        """
        summed = sum_over_workers([self._counts[setting] for setting in _MATCHING_KEYS]).tolist()
        metrics = {}
        for setting, (true_positives, num_predicted, num_gold) in zip(_MATCHING_KEYS, summed):
            precision, recall, f1 = precision_recall_f1(true_positives, num_predicted, num_gold)
            metrics[f"{setting}_precision"] = precision
            metrics[f"{setting}_recall"] = recall
            metrics[f"{setting}_f1"] = f1
        if reset:
            self.reset()
        return metrics

    def reset(self) -> None:
        self._counts = {setting: [0, 0, 0] for setting in _MATCHING_KEYS}


def _normalised(relation: TypedRelation) -> TypedRelation:
    # Metadata read from JSON gives lists; hashable tuples of plain types make them comparable.
    head_start, head_end, head_type, tail_start, tail_end, tail_type, label = relation
    return (
        int(head_start),
        int(head_end),
        None if head_type is None else str(head_type),
        int(tail_start),
        int(tail_end),
        None if tail_type is None else str(tail_type),
        str(label),
    )
