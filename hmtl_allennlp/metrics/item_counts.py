"""
Per-item counts of a model's predictions, the input of the paired significance tests of
`hmtl_allennlp.metrics.significance`: for each level, the counts of each item (a sentence for
tagging and relations, a document for coreference) whose sums give the level's corpus score as
the model's metrics compute it (`SpanF1`, `RelationF1`'s strict setting, `CorefScores`' CoNLL
F1). Items are keyed by document id and sentence index, so that two models' counts on the same
data can be paired.

A counts file is JSON:

    {"archive": ..., "data": {level: data file},
     "levels": {level: {"metric": "ner_f1", "score": "f1", "item": "sentence",
                        "counts": ["true_positives", "predicted", "gold"],
                        "value": 0.57, "items": {"<doc_key>/<sentence>": [3, 4, 5], ...}}}}

`score` names the function of `significance.SCORES` that turns summed counts into `value`.
"""

import bisect
import json
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy
from allennlp.common.util import JsonDict

from hmtl_allennlp.common.documents import GoldDocument, Mention, Relation, Span
from hmtl_allennlp.common.levels import COREFERENCE, RELATIONS, TAGGING, output_key
from hmtl_allennlp.metrics.conll_coref_scores import document_counts
from hmtl_allennlp.metrics.relation_f1 import relation_counts
from hmtl_allennlp.metrics.significance import COREF_COUNTS, COREF_METRICS, F1_COUNTS, SCORES
from hmtl_allennlp.metrics.span_f1 import span_counts

# The main metric of each kind of level that has per-item counts (tagging levels with plain
# labels, scored by accuracy, have none here).
LEVEL_METRICS = {TAGGING: "f1", RELATIONS: "strict_f1", COREFERENCE: "avg_f1"}


def document_id(document: GoldDocument, index: int) -> str:
    """A document's key in a counts file: its `doc_key`, or `#<position in the file>`."""
    return document.doc_key if document.doc_key is not None else f"#{index}"


def level_item_counts(
    level: str, kind: str, outputs: Sequence[JsonDict], documents: Sequence[GoldDocument]
) -> Dict[str, List[float]]:
    """
    {item: counts} of one level, from the "hmtl" predictor's `outputs` for gold `documents` (in
    the same order, as `hmtl_allennlp.metrics.prediction_scores.score_predictions` takes them):
    `F1_COUNTS` per sentence for tagging (against the documents' `mentions`) and relations
    (strict setting, against their `relations`), `COREF_COUNTS` per document for coreference
    (against their `clusters`). Predictions, in document offsets, go to the sentence of their
    first token (of the head's, for a relation). Raises `ValueError` when two documents have the
    same id.
    """
    key = output_key(level)
    items: Dict[str, List[float]] = {}
    seen = set()
    for index, (output, document) in enumerate(zip(outputs, documents)):
        name = document_id(document, index)
        if name in seen:
            raise ValueError(
                f"Two documents have the id {name!r}: the items of a counts file must be unique."
            )
        seen.add(name)
        if kind == COREFERENCE:
            predicted = [[Span(m["start"], m["end"]) for m in cluster] for cluster in output[key]]
            counts = document_counts(predicted, document.clusters or [])
            items[name] = [float(count) for metric in COREF_METRICS for count in counts[metric]]
            continue
        offsets = document.sentence_offsets()
        per_sentence: List[List[Any]] = [[] for _ in document.sentences]
        for prediction in output[key]:
            start = prediction["head"]["start"] if kind == RELATIONS else prediction["start"]
            per_sentence[bisect.bisect_right(offsets, start) - 1].append(prediction)
        # A layer the file does not have has no gold annotations (as `score_predictions`).
        for sentence, predictions in enumerate(per_sentence):
            if kind == RELATIONS:
                gold_relations = document.relations[sentence] if document.relations else []
                strict = relation_counts([_relation(p) for p in predictions], gold_relations)
                items[f"{name}/{sentence}"] = list(strict["strict"])
            else:
                gold_mentions = document.mentions[sentence] if document.mentions else []
                items[f"{name}/{sentence}"] = list(
                    span_counts([_mention(p) for p in predictions], gold_mentions)
                )
    return items


def item_counts(
    level_kinds: Dict[str, str],
    main_metrics: Dict[str, str],
    outputs: Sequence[JsonDict],
    documents: Sequence[GoldDocument],
) -> Dict[str, Dict[str, Any]]:
    """
    The "levels" part of a counts file for `level_kinds` ({level: kind}) whose `main_metrics`
    ({level: the model's name of its main metric}) are F1 scores; other levels are left out.
    """
    levels: Dict[str, Dict[str, Any]] = {}
    for level, kind in level_kinds.items():
        if main_metrics[level] != f"{level}_{LEVEL_METRICS[kind]}":
            continue
        score = "coref_avg_f1" if kind == COREFERENCE else "f1"
        items = level_item_counts(level, kind, outputs, documents)
        summed = numpy.array(list(items.values()), dtype=numpy.float64).sum(axis=0)
        levels[level] = {
            "metric": main_metrics[level],
            "score": score,
            "item": "document" if kind == COREFERENCE else "sentence",
            "counts": COREF_COUNTS if kind == COREFERENCE else F1_COUNTS,
            "value": float(SCORES[score](summed)) if items else 0.0,
            "items": items,
        }
    return levels


def read_item_counts(path: str) -> Dict[str, Any]:
    """A counts file, checked: raises `ValueError` naming the file and what is wrong."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read it as a counts file: {error}") from error
    if not isinstance(content, dict) or not isinstance(content.get("levels"), dict):
        raise ValueError(f"{path}: not a counts file (no 'levels' object).")
    for level, counts in content["levels"].items():
        if counts.get("score") not in SCORES or not isinstance(counts.get("items"), dict):
            raise ValueError(f"{path}: level {level!r} has no known 'score' or no 'items'.")
        width = len(counts["counts"])
        wrong = [item for item, row in counts["items"].items() if len(row) != width]
        if wrong:
            raise ValueError(
                f"{path}: level {level!r}: item {wrong[0]!r} has not {width} counts "
                f"({', '.join(counts['counts'])})."
            )
    return content


def paired_counts(
    first: Dict[str, Any],
    second: Dict[str, Any],
    level: str,
    names: Tuple[str, str] = ("first", "second"),
) -> Tuple[List[str], numpy.ndarray, numpy.ndarray, str]:
    """
    The items of `level` in two counts files (as `read_item_counts` returns them; `names` say
    which files in errors), paired: (item ids, first counts, second counts, score name), rows
    in the order of the ids. Raises `ValueError` when a file lacks the level, when the two
    count different things, or when their items differ (the runs were not scored on the same
    data).
    """
    for content, name in zip((first, second), names):
        if level not in content["levels"]:
            raise ValueError(
                f"{name} has no counts of level {level!r} "
                f"(it has {', '.join(sorted(content['levels'])) or 'none'})."
            )
    a, b = first["levels"][level], second["levels"][level]
    if (a["score"], a["counts"]) != (b["score"], b["counts"]):
        raise ValueError(
            f"Level {level!r}: {names[0]} counts {a['score']} ({', '.join(a['counts'])}), "
            f"{names[1]} {b['score']} ({', '.join(b['counts'])})."
        )
    only_first = sorted(set(a["items"]) - set(b["items"]))
    only_second = sorted(set(b["items"]) - set(a["items"]))
    if only_first or only_second:
        raise ValueError(
            f"Level {level!r}: the items do not pair up ({_describe(only_first)} only in "
            f"{names[0]}, {_describe(only_second)} only in {names[1]}): were both scored on "
            "the same data?"
        )
    ids = sorted(a["items"])
    return (
        ids,
        numpy.array([a["items"][item] for item in ids], dtype=numpy.float64).reshape(len(ids), -1),
        numpy.array([b["items"][item] for item in ids], dtype=numpy.float64).reshape(len(ids), -1),
        a["score"],
    )


def _describe(items: List[str]) -> str:
    if not items:
        return "none"
    shown = ", ".join(repr(item) for item in items[:3])
    return f"{len(items)} items ({shown}{', ...' if len(items) > 3 else ''})"


def _mention(output: JsonDict) -> Mention:
    return Mention(output["start"], output["end"], output["label"])


def _relation(output: JsonDict) -> Relation:
    return Relation(_mention(output["head"]), _mention(output["tail"]), output["label"])


def write_counts_file(
    path: str, archive: str, data: Dict[str, str], levels: Dict[str, Dict[str, Any]]
) -> None:
    """Writes a counts file, one item per line (small, and readable in a diff)."""
    lines = ["{", f' "archive": {json.dumps(archive)},', f' "data": {json.dumps(data)},']
    lines.append(' "levels": {')
    for position, (level, counts) in enumerate(levels.items()):
        header = {name: value for name, value in counts.items() if name != "items"}
        lines.append(f'  {json.dumps(level)}: {json.dumps(header)[:-1]}, "items": {{')
        rows = [
            f"   {json.dumps(item)}: {json.dumps(row)}" for item, row in counts["items"].items()
        ]
        lines.append(",\n".join(rows))
        lines.append("  }}" + ("," if position < len(levels) - 1 else ""))
    lines.extend([" }", "}"])
    output = Path(path)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
