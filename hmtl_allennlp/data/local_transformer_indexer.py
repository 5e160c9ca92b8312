"""
AllenNLP's word-piece indexer for word-level models, refusing a transformer that is not a local
model folder and a text that its windows cannot hold, before any data is indexed.
"""

from typing import Any, Dict, List, Optional

from allennlp.data import Token, TokenIndexer, Vocabulary
from allennlp.data.token_indexers import PretrainedTransformerMismatchedIndexer
from allennlp.data.token_indexers.token_indexer import IndexedTokenList

from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.common.local_transformer import check_local_transformer


@TokenIndexer.register("local_transformer_mismatched")
class LocalTransformerMismatchedIndexer(PretrainedTransformerMismatchedIndexer):
    """
    `PretrainedTransformerMismatchedIndexer` for a model folder on this machine. The folder is
    checked (`check_local_transformer`) before the tokenizer is loaded from it: the indexers are
    the first part of a config built, so a wrong path stops the run before the data is read.
    Without `max_length`, a text of more word pieces than the model has positions is refused
    while the data is indexed (the transformer would fail on it in the middle of training);
    with `max_length`, any text fits, in windows of that many word pieces.

    # Parameters

    model_name : `str`
        The path of the model folder, or the name of an installed Python package that ships one.
    namespace : `str`, optional (default = `"tags"`)
        As `PretrainedTransformerMismatchedIndexer`'s.
    max_length : `int`, optional (default = `None`)
        The windows of word pieces, as `PretrainedTransformerMismatchedIndexer`'s; at most the
        model's number of positions.
    tokenizer_kwargs : `Dict[str, Any]`, optional (default = `None`)
        As `PretrainedTransformerMismatchedIndexer`'s.
    model_name_source : `str`, optional (default = `"model_name"`)
        Where `model_name` comes from (the training configs: the environment variable
        HMTL_TRANSFORMER), named in errors.

    Registered as a `TokenIndexer` with name "local_transformer_mismatched".
    """

    def __init__(
        self,
        model_name: str,
        namespace: str = "tags",
        max_length: Optional[int] = None,
        tokenizer_kwargs: Optional[Dict[str, Any]] = None,
        model_name_source: str = "model_name",
        **kwargs: Any,
    ) -> None:
        folder, config = check_local_transformer(
            model_name, model_name_source=model_name_source, max_length=max_length
        )
        # AllenNLP annotates max_length as `int` with a None default: passed through as it is.
        options: Dict[str, Any] = dict(max_length=max_length, tokenizer_kwargs=tokenizer_kwargs)
        super().__init__(folder, namespace=namespace, **options, **kwargs)
        self._max_wordpieces = (
            None if max_length is not None else getattr(config, "max_position_embeddings", None)
        )

    def tokens_to_indices(self, tokens: List[Token], vocabulary: Vocabulary) -> IndexedTokenList:
        output = super().tokens_to_indices(tokens, vocabulary)
        if self._max_wordpieces is not None and len(output["token_ids"]) > self._max_wordpieces:
            start = " ".join(token.ensure_text() for token in tokens[:8])
            raise DataFormatError(
                f"A text of {len(tokens)} words ({start} ...) is {len(output['token_ids'])} word "
                f"pieces long, more than the transformer's {self._max_wordpieces} positions; set "
                f"max_length to read it in windows."
            )
        return output
