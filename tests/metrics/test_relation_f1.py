from fractions import Fraction

import pytest
from allennlp.training.metrics import Metric

from hmtl_allennlp.common.documents import Mention, Relation
from hmtl_allennlp.metrics import RelationF1


def exactly(fraction: Fraction):
    return pytest.approx(float(fraction), abs=1e-12)


def relation(head_start, head_end, head_type, tail_start, tail_end, tail_type, label):
    return Relation(
        Mention(head_start, head_end, head_type), Mention(tail_start, tail_end, tail_type), label
    )


def test_strict_boundaries_and_hmtl_settings():
    gold_1 = relation(0, 1, "PER", 4, 4, "ORG", "WORK_FOR")
    gold_2 = relation(6, 7, "PER", 9, 9, "LOC", "LIVE_IN")
    gold_3 = relation(1, 1, "ORG", 3, 3, "ORG", "PART_OF")
    right = relation(0, 1, "PER", 4, 4, "ORG", "WORK_FOR")
    wrong_tail_type = relation(6, 7, "PER", 9, 9, "GPE", "LIVE_IN")
    wrong_head_start = relation(7, 7, "PER", 9, 9, "LOC", "LIVE_IN")
    in_sentence_without_relations = relation(0, 0, "PER", 2, 2, "ORG", "WORK_FOR")
    metric = RelationF1()
    metric(
        predicted_relations=[
            [right, wrong_tail_type, wrong_head_start],
            [in_sentence_without_relations],
            [],
        ],
        gold_relations=[[gold_1, gold_2], [], [gold_3]],
    )
    metrics = metric.get_metric()
    assert list(metrics) == [
        f"{setting}_{measure}"
        for setting in ("strict", "boundaries", "hmtl")
        for measure in ("precision", "recall", "f1")
    ]
    # strict: only `right` is right; 4 predicted, 3 gold.
    # P = 1/4, R = 1/3, F1 = 2 * (1/12) / (7/12) = 2/7
    assert metrics["strict_precision"] == exactly(Fraction(1, 4))
    assert metrics["strict_recall"] == exactly(Fraction(1, 3))
    assert metrics["strict_f1"] == exactly(Fraction(2, 7))
    # boundaries: `right` and `wrong_tail_type`; 4 predicted, 3 gold.
    # P = 2/4, R = 2/3, F1 = 2 * (1/3) / (7/6) = 4/7
    assert metrics["boundaries_precision"] == exactly(Fraction(1, 2))
    assert metrics["boundaries_recall"] == exactly(Fraction(2, 3))
    assert metrics["boundaries_f1"] == exactly(Fraction(4, 7))
    # hmtl: (last head token, last tail token, label); `wrong_tail_type` and `wrong_head_start`
    # are both (7, 9, LIVE_IN), one prediction. Predicted {(1, 4, WORK_FOR), (7, 9, LIVE_IN)} and
    # {(0, 2, WORK_FOR)}: 3; gold (1, 4, WORK_FOR), (7, 9, LIVE_IN), (1, 3, PART_OF): 3; right 2.
    # P = R = F1 = 2/3
    assert metrics["hmtl_precision"] == exactly(Fraction(2, 3))
    assert metrics["hmtl_recall"] == exactly(Fraction(2, 3))
    assert metrics["hmtl_f1"] == exactly(Fraction(2, 3))


def test_gold_relation_with_untyped_argument_is_only_found_without_types():
    gold = [relation(0, 0, "PER", 2, 2, None, "WORK_FOR")]
    metric = RelationF1()
    metric([[relation(0, 0, "PER", 2, 2, "ORG", "WORK_FOR")]], [gold])
    metrics = metric.get_metric(reset=True)
    assert metrics["strict_f1"] == 0.0
    assert metrics["boundaries_f1"] == 1.0
    assert metrics["hmtl_f1"] == 1.0
    assert set(metric.get_metric().values()) == {0.0}


def test_relations_read_back_from_json_are_scored_alike():
    gold = relation(0, 1, "PER", 4, 4, "ORG", "WORK_FOR")
    # What json.loads(json.dumps(...)) makes of a relation with a score.
    as_json = [[0, 1, "PER"], [4, 4, "ORG"], "WORK_FOR", 0.9]
    metric = RelationF1()
    metric([[as_json]], [[gold]])
    assert metric.get_metric()["strict_f1"] == 1.0


def test_registered():
    assert Metric.by_name("relation_f1") is RelationF1
