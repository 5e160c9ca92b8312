"""
Predictors turn raw text, tokenized sentences or DyGIE JSON documents into the predictions of
every level of a trained hierarchical model, in document offsets (`hmtl`), and read JSON-lines
input robustly (`json_lines`; `raw_line_input` hooks that reading into `allennlp predict`).
"""

from hmtl_allennlp.predictors.hmtl import HmtlPredictor  # noqa: F401
from hmtl_allennlp.predictors.json_lines import JsonLine, read_json_lines  # noqa: F401
