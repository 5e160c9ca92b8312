"""
Predictors turn raw text, tokenized sentences or DyGIE JSON documents into the predictions of
every task of a trained hierarchical model: named entities, entity mentions, relations and
coreference clusters, in document offsets.
"""

from hmtl_allennlp.predictors.hmtl import HmtlPredictor  # noqa: F401
