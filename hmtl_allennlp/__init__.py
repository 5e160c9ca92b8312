"""
HMTL (Sanh, Wolf and Ruder, AAAI 2019) as an AllenNLP 2.x plugin: one hierarchical multi-task
model for named entity recognition, entity mention detection, relation extraction and
coreference resolution. Importing this package registers its readers, model, heads, data
loader, training pieces, predictor and subcommands with AllenNLP, and sets the defaults of the
data-path variables that the configs of `training_config/` read.
"""

from hmtl_allennlp.common.data_paths import set_default_data_paths
from hmtl_allennlp import (  # noqa: F401
    commands,
    data_loaders,
    dataset_readers,
    metrics,
    models,
    modules,
    predictors,
    training,
)

set_default_data_paths()
