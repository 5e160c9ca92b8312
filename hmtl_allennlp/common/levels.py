"""
The kinds of levels, and the defaults that keep the configurations and outputs written before
levels were named freely: the four level names of HMTL (Sanh et al. 2019), "ner", "emd",
"relation" and "coref", stand for a kind when a reader is not given one, and keep their
historical keys in the predictor's output. Any other name works the same once its kind is
given; its output key is its name.
"""

from typing import Optional

TAGGING = "tagging"
"""One label per token (part-of-speech tags), or typed spans encoded as BIOUL tags (entities)."""
RELATIONS = "relations"
"""Directed, labelled relations between the mentions of a sentence."""
COREFERENCE = "coreference"
"""Clusters of mentions of one document (or segment) that refer to the same entity."""
KINDS = (TAGGING, RELATIONS, COREFERENCE)

HISTORICAL_KINDS = {"ner": TAGGING, "emd": TAGGING, "relation": RELATIONS, "coref": COREFERENCE}
"""The kind of a level of one of HMTL's four names, when its reader is not given one."""

HISTORICAL_OUTPUT_KEYS = {"emd": "mentions", "relation": "relations", "coref": "clusters"}
"""The predictor's output key of those levels whose key is not their name."""


def default_kind(level: str, kind: Optional[str]) -> Optional[str]:
    """`kind` when given, else the historical kind of `level` (`None` for other names)."""
    return kind if kind is not None else HISTORICAL_KINDS.get(level)


def output_key(level: str) -> str:
    """The predictor's output key of a level: its name ("emd", "relation", "coref" excepted)."""
    return HISTORICAL_OUTPUT_KEYS.get(level, level)
