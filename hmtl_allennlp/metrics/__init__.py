"""
Metrics score decoded token labels, spans, relations and coreference clusters against the gold
annotations.
"""

from hmtl_allennlp.metrics.conll_coref_scores import CorefScores
from hmtl_allennlp.metrics.relation_f1 import RelationF1
from hmtl_allennlp.metrics.span_f1 import SpanF1
from hmtl_allennlp.metrics.token_accuracy import TokenAccuracy

__all__ = ["CorefScores", "RelationF1", "SpanF1", "TokenAccuracy"]
