"""
Feeds the instances of the HMTL readers to allennlp-models' `crf_tagger` and `coref` models, so
that the baselines train and are scored on exactly the instances (sentences, tags, documents,
candidate spans, gold labels) that HMTL's levels see.

They differ in field names only: HMTL calls the text `tokens`, its words `metadata["tokens"]` and
keeps the gold clusters in `metadata["gold_clusters"]`; `crf_tagger` reads `metadata["words"]`,
`coref` wants `text` and `metadata["original_text"]` and `metadata["clusters"]`. This lives
outside the package because it exists for the comparison alone. Load it with
`PYTHONPATH=benchmarks` and `--include-package allennlp_models_adapters` (a package installed
with the dependencies already owns the name `benchmarks`).
"""

from typing import Iterator

from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import MetadataField


@DatasetReader.register("hmtl_coref_for_allennlp_models")
class CorefForAllennlpModels(DatasetReader):
    """
    Wraps an HMTL reader built with `task: "coref"` and renames the fields of its instances.
    `clusters` holds the gold clusters of two or more mentions (allennlp-models' scorer skips
    singletons; the public corpora used here have none, so both scorers agree on them).
    """

    def __init__(self, reader: DatasetReader, **kwargs) -> None:
        super().__init__(**kwargs)
        self._reader = reader

    def _read(self, file_path: str) -> Iterator[Instance]:
        for instance in self._reader.read(file_path):
            metadata = instance["metadata"].metadata
            fields = {
                "text": instance["tokens"],
                "spans": instance["spans"],
                "metadata": MetadataField(
                    {
                        "original_text": metadata["tokens"],
                        "clusters": [
                            [tuple(span) for span in cluster]
                            for cluster in metadata["gold_clusters"]
                            if len(cluster) > 1
                        ],
                    }
                ),
            }
            if "span_labels" in instance.fields:
                fields["span_labels"] = instance["span_labels"]
            yield Instance(fields)


@DatasetReader.register("hmtl_tags_for_allennlp_models")
class TagsForAllennlpModels(DatasetReader):
    """
    Wraps an HMTL reader built with `task: "ner"` or `"emd"` for allennlp-models' `crf_tagger`:
    `tokens` and `tags` already have the names it takes, but it reads `metadata["words"]`, which
    HMTL's metadata calls `tokens`.
    """

    def __init__(self, reader: DatasetReader, **kwargs) -> None:
        super().__init__(**kwargs)
        self._reader = reader

    def _read(self, file_path: str) -> Iterator[Instance]:
        for instance in self._reader.read(file_path):
            fields = {
                "tokens": instance["tokens"],
                "metadata": MetadataField({"words": instance["metadata"].metadata["tokens"]}),
            }
            if "tags" in instance.fields:
                fields["tags"] = instance["tags"]
            yield Instance(fields)
