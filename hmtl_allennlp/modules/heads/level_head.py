"""
What a level of the hierarchical model says about itself, through its head: everything else
(readers, model, predictor, metric names, the parity check, the demo) is derived from the
head's kind and the level's name in the configuration.
"""

from typing import Any, ClassVar, Dict, List, Optional

import torch
from allennlp.data import Vocabulary
from allennlp.models.heads import Head

from hmtl_allennlp.common.documents import Mention
from hmtl_allennlp.common.levels import KINDS


class LevelHead(Head):
    """
    The base of the heads of the "hmtl" model: one head per level, built with the level's name
    as `task`. A head declares

    - `kind` (class attribute): what its level predicts, one of `hmtl_allennlp.common.levels.
      KINDS`: "tagging" (one label per token, or typed spans as BIOUL tags), "relations"
      (directed, labelled relations between mentions) or "coreference" (clusters of
      mentions). The readers make the instances of a kind, and the predictor writes the
      outputs of a kind;
    - `main_metric`: the name of the metric (among those of `get_metrics`) that the model
      averages into `combined_f1` and that parity and early stopping compare by default;
    - `document_level` (class attribute): whether its instances are documents (or segments)
      rather than sentences; the predictor runs such a level on its own instances;
    - `mention_level`: the name of a level below whose decoded mentions this head takes as
      input (`None` when it takes none); the model hands them over as `predicted_mentions`;
    - `decodes_mentions`: whether other levels can take this level's mentions, which
      `decode_spans` then gives;
    - `float_weight_modules()`: the layers whose weights it reads itself rather than calling
      them, which int8 quantization must leave in float32 (`hmtl_allennlp.models.quantization`).

    Every key of the output of `forward` but `loss` starts with the level's name and an
    underscore (`ner_spans`, `relation_relations`, `coref_clusters`), so that two levels of one
    kind do not collide.

    # Parameters

    vocab : `Vocabulary`, required
        The model's vocabulary.
    task : `str`, required
        The name of the level (its key in the model's `levels`).
    """

    kind: ClassVar[str]
    main_metric: str
    document_level: ClassVar[bool] = False

    def __init__(self, vocab: Vocabulary, task: str, **kwargs: Any) -> None:
        super().__init__(vocab, **kwargs)
        if self.kind not in KINDS:
            raise TypeError(f"{type(self).__name__}.kind must be one of {KINDS}, got {self.kind}.")
        self.task = task
        self.mention_level: Optional[str] = None

    @property
    def decodes_mentions(self) -> bool:
        """Whether `decode_spans` gives this level's mentions to the levels above it."""
        return False

    def float_weight_modules(self) -> List[torch.nn.Module]:
        """The layers of this head whose weights it reads itself (none by default)."""
        return []

    def decode_spans(
        self, encoded_text: torch.Tensor, mask: torch.BoolTensor
    ) -> List[List[Mention]]:
        """
        The mentions this level decodes from its encoder output, in instance offsets, without
        loss or dropout: the arguments of a level that names this one as its `mention_level`.
        """
        raise NotImplementedError(f"Level '{self.task}' does not decode mentions.")

    def output_key(self, name: str) -> str:
        """The key of the output `name` of this head: the level's name, "_", `name`."""
        return f"{self.task}_{name}"

    def prefixed(self, output: Dict[str, Any]) -> Dict[str, Any]:
        """`output` with its keys prefixed by the level's name, but `loss`."""
        return {
            key if key == "loss" else self.output_key(key): value for key, value in output.items()
        }
