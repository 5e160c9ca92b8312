"""Building blocks of the hierarchical model: the task heads that sit on its levels, and the
cached transformer embedder under them."""

from hmtl_allennlp.modules.heads import (
    CoreferenceHead,
    CrfTaggerHead,
    LevelHead,
    MultiHeadSelectionHead,
    SpanPairRelationHead,
)
from hmtl_allennlp.modules.token_embedders import CachedTransformerMismatchedEmbedder
