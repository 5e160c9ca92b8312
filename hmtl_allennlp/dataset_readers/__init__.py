"""
Dataset readers turn annotated documents into instances, one task at a time: named entity
recognition and coreference from OntoNotes (CoNLL-2012 files), and entity mention detection,
relation extraction and coreference from ACE05 (DyGIE JSON), with the gold annotations of
each instance kept whole in its metadata.
"""

from hmtl_allennlp.dataset_readers.ace05 import Ace05Reader  # noqa: F401
from hmtl_allennlp.dataset_readers.document_reader import (  # noqa: F401
    GoldDocument,
    GoldDocumentReader,
)
from hmtl_allennlp.dataset_readers.fields import (
    BioulTagsField,
    MultiLabelAdjacencyField,
)  # noqa: F401
from hmtl_allennlp.dataset_readers.ontonotes import OntonotesReader, TolerantOntonotes  # noqa: F401
