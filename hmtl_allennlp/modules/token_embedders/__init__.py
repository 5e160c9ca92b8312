"""Token embedders beyond AllenNLP's."""

from hmtl_allennlp.modules.token_embedders.cached_transformer import (
    CachedTransformerMismatchedEmbedder,
)
