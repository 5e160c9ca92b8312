"""
Task heads of the hierarchical model: each takes one level's encoded text and predicts one task
(a CRF tagger for tags and typed spans, span-pair classification or multi-head selection for
relations, span ranking for coreference), keeping its own metrics. `LevelHead` declares what a
head says about its level.
"""

from hmtl_allennlp.modules.heads.coref import CoreferenceHead
from hmtl_allennlp.modules.heads.level_head import LevelHead
from hmtl_allennlp.modules.heads.relation import MultiHeadSelectionHead, RelationHead
from hmtl_allennlp.modules.heads.span_pair_relation import SpanPairRelationHead
from hmtl_allennlp.modules.heads.tagger import CrfTaggerHead
