"""Constants and small helpers shared by the readers, the model and the predictor."""

from hmtl_allennlp.common.documents import (  # noqa: F401
    COREF_MENTION_LABEL,
    Cluster,
    GoldDocument,
    Mention,
    Relation,
    Span,
)
from hmtl_allennlp.common.errors import DataFormatError  # noqa: F401
from hmtl_allennlp.common.spans import (  # noqa: F401
    flatten_spans,
    spans_to_bioul_tags,
    token_character_offsets,
)
