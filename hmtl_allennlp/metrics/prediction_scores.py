"""
Scores what the "hmtl" predictor outputs against gold documents with the metrics the model
computes in training and `allennlp evaluate`, under the same metric names, so that the two can
be compared (`scripts/prediction_parity.py`).
"""

from typing import Any, Dict, List, Sequence

from allennlp.common.util import JsonDict

from hmtl_allennlp.common.documents import GoldDocument, Mention, Relation, Span
from hmtl_allennlp.common.levels import RELATIONS, TAGGING, output_key
from hmtl_allennlp.metrics.conll_coref_scores import CorefScores
from hmtl_allennlp.metrics.relation_f1 import RelationF1
from hmtl_allennlp.metrics.span_f1 import SpanF1


def score_predictions(
    levels: Dict[str, str], outputs: Sequence[JsonDict], documents: Sequence[GoldDocument]
) -> Dict[str, float]:
    """
    The scores of the predictor's `outputs` against the gold `documents` (in the same order)
    for each of `levels` ({level name: kind}), named as the model names its metrics: for
    example `ner_f1` (tagging), `relation_strict_f1` and the other relation settings
    (relations), `coref_avg_f1` and MUC, B3, CEAFe (coreference). Each level's predictions are
    read under its output key (`hmtl_allennlp.common.levels.output_key`).

    Mentions and relations are scored against the documents' `mentions` and `relations`;
    clusters against their `clusters`. Raises `ValueError` when an output is an error or lacks
    a level's predictions.
    """
    if len(outputs) != len(documents):
        raise ValueError(f"{len(outputs)} outputs for {len(documents)} documents.")
    for output, document in zip(outputs, documents):
        if "error" in output:
            raise ValueError(f"document {document.doc_key!r}: {output['error']}")
        for level in levels:
            if output_key(level) not in output:
                raise ValueError(
                    f"document {document.doc_key!r}: the output has no {output_key(level)!r} "
                    f"(the predictions of level {level!r})."
                )
    scores: Dict[str, float] = {}
    for level, kind in levels.items():
        key = output_key(level)
        if kind == TAGGING:
            span_f1 = SpanF1()
            span_f1(
                [_mentions(output[key]) for output in outputs],
                [_flat(document.mentions) for document in documents],
            )
            metrics: Dict[str, Any] = span_f1.get_metric()
        elif kind == RELATIONS:
            relation_f1 = RelationF1()
            relation_f1(
                [[_relation(relation) for relation in output[key]] for output in outputs],
                [_flat(document.relations) for document in documents],
            )
            metrics = relation_f1.get_metric()
        else:
            coref_scores = CorefScores()
            coref_scores(
                [[_spans(cluster) for cluster in output[key]] for output in outputs],
                [document.clusters or [] for document in documents],
            )
            metrics = coref_scores.get_metric()
            # The model's mention recall counts the spans it kept, not those of its clusters.
            metrics.pop("mention_recall")
        scores.update({f"{level}_{name}": value for name, value in metrics.items()})
    return scores


def _mentions(outputs: List[JsonDict]) -> List[Mention]:
    return [Mention(output["start"], output["end"], output["label"]) for output in outputs]


def _spans(outputs: List[JsonDict]) -> List[Span]:
    return [Span(output["start"], output["end"]) for output in outputs]


def _relation(output: JsonDict) -> Relation:
    head, tail = _mentions([output["head"], output["tail"]])
    return Relation(head, tail, output["label"], output["score"])


def _flat(layer: Any) -> List[Any]:
    """The annotations of a per-sentence layer, in order (none when the layer is absent)."""
    return [annotation for sentence in layer or [] for annotation in sentence]
