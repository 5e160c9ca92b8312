"""
Scores what the "hmtl" predictor outputs against gold documents with the metrics the model
computes in training and `allennlp evaluate`, under the same metric names, so that the two can
be compared (`scripts/prediction_parity.py`).
"""

from typing import Any, Dict, List, Sequence

from allennlp.common.util import JsonDict

from hmtl_allennlp.common.documents import GoldDocument, Mention, Relation, Span
from hmtl_allennlp.metrics.conll_coref_scores import CorefScores
from hmtl_allennlp.metrics.relation_f1 import RelationF1
from hmtl_allennlp.metrics.span_f1 import SpanF1

# The predictor's output key of each task, and the task's gold layer in a `GoldDocument`.
_OUTPUT_KEYS = {"ner": "ner", "emd": "mentions", "relation": "relations", "coref": "clusters"}


def score_predictions(
    tasks: Sequence[str], outputs: Sequence[JsonDict], documents: Sequence[GoldDocument]
) -> Dict[str, float]:
    """
    The scores of the predictor's `outputs` against the gold `documents` (in the same order)
    for each of `tasks` ("ner", "emd", "relation", "coref"), named as the model names its
    metrics: `ner_f1`, `emd_f1`, `relation_strict_f1` (and the other relation settings),
    `coref_avg_f1` (and MUC, B3, CEAFe).

    Mentions and relations are scored against the documents' `mentions` and `relations`;
    clusters against their `clusters`. Raises `ValueError` when an output is an error or lacks
    a task's predictions.
    """
    if len(outputs) != len(documents):
        raise ValueError(f"{len(outputs)} outputs for {len(documents)} documents.")
    for output, document in zip(outputs, documents):
        if "error" in output:
            raise ValueError(f"document {document.doc_key!r}: {output['error']}")
        for task in tasks:
            if _OUTPUT_KEYS[task] not in output:
                raise ValueError(
                    f"document {document.doc_key!r}: the output has no {_OUTPUT_KEYS[task]!r} "
                    f"(the predictions of task {task!r})."
                )
    scores: Dict[str, float] = {}
    for task in tasks:
        if task in ("ner", "emd"):
            span_f1 = SpanF1()
            span_f1(
                [_mentions(output[_OUTPUT_KEYS[task]]) for output in outputs],
                [_flat(document.mentions) for document in documents],
            )
            metrics: Dict[str, Any] = span_f1.get_metric()
        elif task == "relation":
            relation_f1 = RelationF1()
            relation_f1(
                [[_relation(relation) for relation in output["relations"]] for output in outputs],
                [_flat(document.relations) for document in documents],
            )
            metrics = relation_f1.get_metric()
        else:
            coref_scores = CorefScores()
            coref_scores(
                [[_spans(cluster) for cluster in output["clusters"]] for output in outputs],
                [document.clusters or [] for document in documents],
            )
            metrics = coref_scores.get_metric()
            # The model's mention recall counts the spans it kept, not those of its clusters.
            metrics.pop("mention_recall")
        scores.update({f"{task}_{name}": value for name, value in metrics.items()})
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
