"""
The web demo: a local page that draws a model's named entities, mentions, relations and
coreference clusters on a text, served with the model by `allennlp hmtl-demo`.
"""

from hmtl_allennlp.demo.server import (  # noqa: F401
    DEFAULT_MAX_CHARACTERS,
    DEFAULT_REQUEST_TIMEOUT,
    DemoServer,
)
