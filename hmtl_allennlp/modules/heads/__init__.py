"""
Task heads of the hierarchical model: each takes one level's encoded text and predicts one task
(a CRF tagger for NER and EMD, span-pair classification or multi-head selection for
relations, span ranking for coreference), keeping its own metrics.
"""

from hmtl_allennlp.modules.heads.coref import CoreferenceHead
from hmtl_allennlp.modules.heads.relation import MultiHeadSelectionHead, RelationHead
from hmtl_allennlp.modules.heads.span_pair_relation import SpanPairRelationHead
from hmtl_allennlp.modules.heads.tagger import CrfTaggerHead
