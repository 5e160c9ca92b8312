"""
The embeddings each level of a trained hierarchical model gives a sentence: the shared input
embeddings (GloVe + characters, or what the model was configured with) and the output of every
level's encoder, per token, and pooled over the sentence.
"""

from typing import Dict, Iterator, List, Optional, Sequence

import numpy
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch, Instance, Token
from allennlp.data.fields import TextField
from allennlp.data.token_indexers import TokenIndexer
from allennlp.models import Model
from allennlp.nn import util

from hmtl_allennlp.models.hmtl import HierarchicalMultiTaskModel

# The name of the shared input embeddings among the levels.
EMBEDDER = "embedder"
POOLINGS = ("mean", "max")


class LevelEmbedder:
    """
    Runs the shared embedder and the level encoders of `model` (in evaluation mode, without
    gradients) over sentences, in batches.

    # Parameters

    model : `Model`
        A trained "hmtl" model (e.g. `load_archive(...).model`).
    token_indexers : `Dict[str, TokenIndexer]`
        The indexers of the model's readers (`GoldDocumentReader.token_indexers()`).
    levels : `Sequence[str]`, optional (default = every level, after "embedder")
        What to give: "embedder" and level names.
    batch_size : `int`, optional (default = `32`)
        Sentences per forward pass.
    """

    def __init__(
        self,
        model: Model,
        token_indexers: Dict[str, TokenIndexer],
        levels: Optional[Sequence[str]] = None,
        batch_size: int = 32,
    ) -> None:
        if not isinstance(model, HierarchicalMultiTaskModel):
            raise ConfigurationError(
                f"Level embeddings come from an hmtl model, not a {type(model).__name__}."
            )
        self.model = model.eval()
        self._token_indexers = token_indexers
        self.levels = list(levels) if levels else [EMBEDDER, *model.tasks]
        unknown = sorted(set(self.levels) - {EMBEDDER, *model.tasks})
        if unknown:
            raise ConfigurationError(
                f"No level {', '.join(unknown)} in the model (its levels: {EMBEDDER}, "
                f"{', '.join(model.tasks)})."
            )
        # Only the encoders the levels asked for (and those under them) run.
        self._encoded_levels = [level for level in self.levels if level != EMBEDDER]
        self._batch_size = batch_size

    def embed(self, sentences: Sequence[List[str]]) -> Iterator[Dict[str, numpy.ndarray]]:
        """
        Per sentence, `{level: (num_tokens, level_dim) float32 array}`, in order. Every
        sentence must have a word.
        """
        for start in range(0, len(sentences), self._batch_size):
            batch = sentences[start : start + self._batch_size]
            instances = [
                Instance({"tokens": TextField([Token(w) for w in words], self._token_indexers)})
                for words in batch
            ]
            tensors = Batch(instances)
            tensors.index_instances(self.model.vocab)
            tokens = util.move_to_device(
                tensors.as_tensor_dict()["tokens"], self.model._get_prediction_device()
            )
            with torch.no_grad():
                embedded, _, encoded = self.model.encode_levels(tokens, self._encoded_levels)
            outputs = {EMBEDDER: embedded, **encoded}
            for index, words in enumerate(batch):
                yield {
                    level: outputs[level][index, : len(words)].float().cpu().numpy()
                    for level in self.levels
                }


def pool(token_embeddings: numpy.ndarray, pooling: str) -> numpy.ndarray:
    """A sentence's vector from its tokens' (num_tokens, dim) embeddings: their mean or max."""
    if pooling == "mean":
        return token_embeddings.mean(axis=0)
    if pooling == "max":
        return token_embeddings.max(axis=0)
    raise ValueError(f"Unknown pooling {pooling!r} (one of {', '.join(POOLINGS)}).")
