"""
HMTL (Sanh, Wolf and Ruder, AAAI 2019) as an AllenNLP 2.x plugin: one hierarchical multi-task
model for named entity recognition, entity mention detection, relation extraction and
coreference resolution. Importing this package registers its readers, model, heads, data
loader, training pieces, predictor and subcommands with AllenNLP, sets the defaults of the
data-path variables that the configs of `training_config/` read, and makes reading a config
warn about (or, with HMTL_REQUIRE_DATA=1, refuse) the data variables that fall back to them.
"""

from hmtl_allennlp.common.data_paths import install_data_variable_check, set_default_data_paths
from hmtl_allennlp import (  # noqa: F401
    commands,
    data,
    data_loaders,
    dataset_readers,
    metrics,
    models,
    modules,
    predictors,
    training,
)

set_default_data_paths()
install_data_variable_check()
