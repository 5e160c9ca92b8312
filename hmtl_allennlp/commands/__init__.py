"""
Subcommands of the `allennlp` command that this plugin adds: `hmtl-coref-export` writes
coreference key and response files in CoNLL-2012 format for the official scorer;
`hmtl-prepare-ace05` converts the ACE 2005 release into DyGIE JSON; `hmtl-demo` serves the web
demo of a model; `hmtl-annotate` annotates a corpus of JSON-lines shards on a Dask cluster;
`hmtl-probing-tasks` builds probing tasks from CoNLL-2012 files, `hmtl-embed`
writes every level's embeddings of documents to HDF5, and `hmtl-probe` measures what each level
keeps of each probing task; `hmtl-item-counts` writes the per-sentence and per-document counts of
a model's scores, for significance tests between models.
"""

from hmtl_allennlp.commands.annotate import Annotate  # noqa: F401
from hmtl_allennlp.commands.coref_export import CorefExport  # noqa: F401
from hmtl_allennlp.commands.demo import Demo  # noqa: F401
from hmtl_allennlp.commands.embed import Embed  # noqa: F401
from hmtl_allennlp.commands.item_counts import ItemCounts  # noqa: F401
from hmtl_allennlp.commands.prepare_ace05 import PrepareAce05  # noqa: F401
from hmtl_allennlp.commands.probe import Probe  # noqa: F401
from hmtl_allennlp.commands.probing_tasks import ProbingTasks  # noqa: F401
