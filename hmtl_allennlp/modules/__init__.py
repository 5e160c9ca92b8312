"""Building blocks of the hierarchical model: the task heads that sit on its levels."""

from hmtl_allennlp.modules.heads import (
    CoreferenceHead,
    CrfTaggerHead,
    LevelHead,
    MultiHeadSelectionHead,
    SpanPairRelationHead,
)
