"""
HMTL (Sanh, Wolf and Ruder, AAAI 2019) as an AllenNLP 2.x plugin: one hierarchical multi-task
model for named entity recognition, entity mention detection, relation extraction and
coreference resolution. Importing this package registers its readers, model, heads, data
loader, vocabulary, training pieces, predictor and subcommands with AllenNLP, and changes
nothing else: no environment variable, no function of AllenNLP or allennlp-models.
"""

from hmtl_allennlp import (  # noqa: F401
    commands,
    data,
    data_loaders,
    dataset_readers,
    metrics,
    models,
    modules,
    predictors,
    probing,
    training,
)
