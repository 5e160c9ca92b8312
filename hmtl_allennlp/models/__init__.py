"""
The hierarchical multi-task model: one shared embedder, a tree of task levels with shortcut
connections to the embeddings, and one head per task.
"""

from hmtl_allennlp.models.archival import ArchiveLoadError, load_model_archive
from hmtl_allennlp.models.hmtl import HierarchicalMultiTaskModel, Level
