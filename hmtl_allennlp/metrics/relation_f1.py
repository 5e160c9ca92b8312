from typing import Callable, Dict, Hashable, Iterable, List, Sequence, Tuple

from allennlp.training.metrics.metric import Metric

from hmtl_allennlp.common.documents import Relation, as_relation
from hmtl_allennlp.metrics.util import check_same_length, precision_recall_f1, sum_over_workers


def _strict_key(relation: Relation) -> Hashable:
    return relation.head, relation.tail, relation.label


def _boundaries_key(relation: Relation) -> Hashable:
    return relation.head.span, relation.tail.span, relation.label


def _hmtl_key(relation: Relation) -> Hashable:
    # The original HMTL scored its multi-head selection matrix, which only knows the last
    # token of each argument.
    return relation.head.end, relation.tail.end, relation.label


# What has to be right for a predicted relation to count, per setting.
_MATCHING_KEYS: Dict[str, Callable[[Relation], Hashable]] = {
    "strict": _strict_key,
    "boundaries": _boundaries_key,
    "hmtl": _hmtl_key,
}


def relation_counts(
    predicted: Iterable[Relation], gold: Iterable[Relation]
) -> Dict[str, Tuple[int, int, int]]:
    """
    {setting: (true positives, predicted, gold)} of one instance's relations, for the settings
    "strict", "boundaries" and "hmtl" of `RelationF1`, which sums them over instances.
    """
    # Metadata that went through JSON has lists.
    predicted = [as_relation(relation) for relation in predicted]
    gold = [as_relation(relation) for relation in gold]
    counts = {}
    for setting, matching_key in _MATCHING_KEYS.items():
        predicted_keys = {matching_key(relation) for relation in predicted}
        gold_keys = {matching_key(relation) for relation in gold}
        counts[setting] = (len(predicted_keys & gold_keys), len(predicted_keys), len(gold_keys))
    return counts


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
        predicted_relations: Sequence[Iterable[Relation]],
        gold_relations: Sequence[Iterable[Relation]],
    ) -> None:
        """
        # Parameters

        predicted_relations : `Sequence[Iterable[Relation]]`
            For each instance of the batch, its predicted relations, their arguments typed as
            the predicted mentions they are (scores are not looked at).
        gold_relations : `Sequence[Iterable[Relation]]`
            For each instance of the batch, its gold relations in the same offsets, their
            arguments typed as the gold mentions (a type is `None` where it is unknown: such a
            relation can only be found in the `boundaries` and `hmtl` settings).
        """
        check_same_length(predicted_relations, gold_relations, "relation")
        for instance_predicted, instance_gold in zip(predicted_relations, gold_relations):
            for setting, counts_of_instance in relation_counts(
                instance_predicted, instance_gold
            ).items():
                counts = self._counts[setting]
                for position, count in enumerate(counts_of_instance):
                    counts[position] += count

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
