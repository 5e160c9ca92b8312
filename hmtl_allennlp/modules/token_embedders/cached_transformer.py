"""
A pretrained transformer's word-level features, mixed over its layers by a trained scalar mix,
with the features of a frozen transformer computed once per text and cached.
"""

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch
from allennlp.modules.scalar_mix import ScalarMix
from allennlp.modules.token_embedders import PretrainedTransformerEmbedder, TokenEmbedder
from allennlp.nn import util

from hmtl_allennlp.common.local_transformer import LocalTransformerError, check_local_transformer

logger = logging.getLogger(__name__)

CACHE_DTYPES = {"float16": torch.float16, "float32": torch.float32}


@TokenEmbedder.register("cached_transformer_mismatched")
class CachedTransformerMismatchedEmbedder(TokenEmbedder):
    """
    One vector per word from a pretrained transformer, as AllenNLP's
    `pretrained_transformer_mismatched` embedder with `last_layer_only: false` computes it (the
    average of the word's word pieces, windows of `max_length` word pieces for long texts, a
    trained `ScalarMix` over the transformer's layers), with the input of the mix cached for a
    frozen transformer, so that only the first epoch pays for the transformer.

    AllenNLP's own embedder does not suffice for that: (1) its mismatched version does not pass
    `eval_mode` on, so a frozen transformer still runs its dropout in training and gives other
    features at every step, which no cache can hold; (2) it returns only the mixed features,
    while the mix is trained, so a cache must hold the layers before the mix; (3) it has no
    cache. Averaging word pieces and the mix (without layer norm) are both linear, so mixing the
    averaged layers is the same sum as averaging the mixed word pieces. The transformer, its
    tokenizer's special tokens and the windowing are AllenNLP's `PretrainedTransformerEmbedder`'s.

    The cache key of a text is a hash of its word-piece ids (and type ids), its word offsets,
    the window length and a fingerprint of the transformer (its configuration and every weight,
    computed once when it is loaded), so a changed text, tokenization or model never meets a
    stale entry. It is bypassed when the transformer is trained. Entries are the per-layer word
    features, stored as `cache_dtype`; the features of a frozen transformer are rounded to that
    type even when they are not cached, so a cached and a computed text give the same numbers.

    Memory: MiniLM-L6 has 6 layers of 384 dimensions (the mix, as AllenNLP's, leaves out the
    word-piece embedding layer; GloVe and the characters give the model non-contextual
    features), 9,216 bytes per word in float32 and 4,608 in float16. GUM train and dev (177,410
    and 28,119 words) twice, as NER sentences and as coreference documents (a word's features
    depend on its text), and CoNLL04 train and dev (26,525 and 6,993 words; the EMD and relation
    instances of a sentence share an entry) make about 445,000 words: 4.1 GB in float32, 1.95
    GB in float16, just within the default `max_cache_mb` (a warning says when texts are left
    out). float16 is the default (its relative rounding error, 2^-11, is far below what
    the levels above can tell apart); mixing before caching would fix the trained mix.

    A frozen transformer's weights are not saved with the model (`state_dict` leaves them out):
    they are loaded from `model_name` again, and loading a saved model checks that they are the
    weights it was trained with (by their fingerprint), so an archive holds only the rest.

    # Parameters

    model_name : `str`
        The folder of the pretrained transformer, or the name of an installed Python package
        that ships one (checked by `check_local_transformer`).
    max_length : `int`, optional (default = `None`)
        Texts longer than this many word pieces are read in windows of this length, as by
        `PretrainedTransformerEmbedder`; the same value as the indexer's.
    train_parameters : `bool`, optional (default = `False`)
        Whether the transformer is fine-tuned; the scalar mix is trained either way.
    output_dim : `int`, optional (default = `None`)
        The hidden size the config expects of the model, checked when the model is built.
    model_name_source : `str`, optional (default = `"model_name"`)
        Where `model_name` comes from (the training configs: HMTL_TRANSFORMER), named in errors.
    output_dim_source : `str`, optional (default = `"output_dim"`)
        Where `output_dim` comes from (the training configs: HMTL_TRANSFORMER_DIM).
    cache : `bool`, optional (default = `True`)
        Whether the features of a frozen transformer are cached.
    cache_directory : `str`, optional (default = `None`)
        A folder to keep the cache in, one file per text (shared safely by runs and models:
        the key holds the model's fingerprint); in memory when `None`.
    cache_dtype : `str`, optional (default = `"float16"`)
        The type the features of a frozen transformer are stored as: "float16" or "float32".
    max_cache_mb : `float`, optional (default = `2048`)
        The memory the in-memory cache may fill; texts beyond it are computed every time (a
        bound for a model kept loaded to predict on ever new texts).
    load_weights : `bool`, optional (default = `True`)
        As `PretrainedTransformerEmbedder`'s.

    Registered as a `TokenEmbedder` with name "cached_transformer_mismatched".
    """

    def __init__(
        self,
        model_name: str,
        max_length: Optional[int] = None,
        train_parameters: bool = False,
        output_dim: Optional[int] = None,
        model_name_source: str = "model_name",
        output_dim_source: str = "output_dim",
        cache: bool = True,
        cache_directory: Optional[str] = None,
        cache_dtype: str = "float16",
        max_cache_mb: float = 2048,
        load_weights: bool = True,
    ) -> None:
        super().__init__()
        folder, config = check_local_transformer(
            model_name,
            model_name_source=model_name_source,
            output_dim=output_dim,
            output_dim_source=output_dim_source,
            max_length=max_length,
        )
        if cache_dtype not in CACHE_DTYPES:
            raise LocalTransformerError(
                f"cache_dtype={cache_dtype!r} is not one of {', '.join(CACHE_DTYPES)}."
            )
        # eval_mode: a frozen transformer never runs its dropout, so its features are those of
        # prediction in every epoch (and can be cached).
        options: Dict[str, Any] = dict(max_length=max_length)
        self._transformer = PretrainedTransformerEmbedder(
            folder,
            train_parameters=train_parameters,
            eval_mode=not train_parameters,
            load_weights=load_weights,
            **options,
        )
        self._max_length = max_length
        self._num_layers: int = config.num_hidden_layers
        self._hidden_size: int = self._transformer.get_output_dim()
        self._scalar_mix = ScalarMix(self._num_layers)
        self._model_name = model_name
        self._model_name_source = model_name_source
        self._frozen = not train_parameters
        self._cache_dtype = CACHE_DTYPES[cache_dtype]
        self._use_cache = cache and self._frozen
        self._cache_directory = Path(cache_directory) if cache_directory else None
        self._max_cache_bytes = int(max_cache_mb * 2**20)
        self._cache: Dict[str, torch.Tensor] = {}
        self._cache_bytes = 0
        self._warned_cache_full = False
        self._fingerprint = self._weights_fingerprint()
        if self._frozen:
            # Saved with the model (a few bytes), so that loading it can check the weights read
            # from model_name again.
            self.register_buffer("_saved_fingerprint", self._fingerprint_tensor(), persistent=True)
            self.register_state_dict_post_hook(_drop_frozen_transformer_weights)
            self.register_load_state_dict_pre_hook(_keep_frozen_transformer_weights)
            self.register_load_state_dict_post_hook(_check_frozen_transformer_weights)

    def get_output_dim(self) -> int:
        return self._hidden_size

    def forward(
        self,
        token_ids: torch.LongTensor,
        mask: torch.BoolTensor,
        offsets: torch.LongTensor,
        wordpiece_mask: torch.BoolTensor,
        type_ids: Optional[torch.LongTensor] = None,
        segment_concat_mask: Optional[torch.BoolTensor] = None,
    ) -> torch.Tensor:
        """
        The inputs are those of `PretrainedTransformerMismatchedEmbedder.forward` (what the
        `pretrained_transformer_mismatched` indexer gives); returns the mixed features of
        shape (batch_size, num_words, output_dim).
        """
        if not self._use_cache:
            layers = self._word_layers(
                token_ids, mask, offsets, wordpiece_mask, type_ids, segment_concat_mask
            )
            if self._frozen:
                layers = layers.to(self._cache_dtype)
        else:
            layers = self._cached_word_layers(
                token_ids, mask, offsets, wordpiece_mask, type_ids, segment_concat_mask
            )
        # Shape: (batch_size, num_words, output_dim)
        return self._scalar_mix([layers[:, :, k].float() for k in range(self._num_layers)])

    def _cached_word_layers(
        self,
        token_ids: torch.Tensor,
        mask: torch.Tensor,
        offsets: torch.Tensor,
        wordpiece_mask: torch.Tensor,
        type_ids: Optional[torch.Tensor],
        segment_concat_mask: Optional[torch.Tensor],
    ) -> torch.Tensor:
        """The per-layer word features of each text of the batch, from the cache where it has
        them, computed (and cached) for the others."""
        batch_size, num_words = mask.shape
        # With windows, the word pieces (special tokens of every window included) are those of
        # segment_concat_mask; without, of wordpiece_mask.
        piece_mask = segment_concat_mask if segment_concat_mask is not None else wordpiece_mask
        word_counts = mask.sum(-1).tolist()
        keys = [
            self._key(
                token_ids[row][piece_mask[row]],
                None if type_ids is None else type_ids[row][piece_mask[row]],
                offsets[row, : word_counts[row]],
            )
            for row in range(batch_size)
        ]
        found = [self._lookup(key) for key in keys]
        missing = [row for row in range(batch_size) if found[row] is None]
        # Shape: (batch_size, num_words, num_layers, hidden_size)
        layers = offsets.new_zeros(
            (batch_size, num_words, self._num_layers, self._hidden_size), dtype=self._cache_dtype
        )
        if missing:
            index = torch.tensor(missing, device=token_ids.device)

            def rows(tensor: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
                return None if tensor is None else tensor.index_select(0, index)

            with torch.no_grad():
                # Shape: (num_missing, num_words, num_layers, hidden_size)
                computed = self._word_layers(
                    token_ids.index_select(0, index),
                    mask.index_select(0, index),
                    offsets.index_select(0, index),
                    wordpiece_mask.index_select(0, index),
                    rows(type_ids),
                    rows(segment_concat_mask),
                ).to(self._cache_dtype)
            if not torch.isfinite(computed).all():
                raise LocalTransformerError(
                    f"The features of the model in {self._model_name_source}="
                    f"{self._model_name!r} do not fit in {self._cache_dtype}; set cache_dtype "
                    f"to float32."
                )
            layers[index] = computed
            for position, row in enumerate(missing):
                self._store(keys[row], computed[position, : word_counts[row]])
        for row, entry in enumerate(found):
            if entry is not None:
                layers[row, : entry.size(0)] = entry.to(layers.device)
        return layers

    def _word_layers(
        self,
        token_ids: torch.Tensor,
        mask: torch.Tensor,
        offsets: torch.Tensor,
        wordpiece_mask: torch.Tensor,
        type_ids: Optional[torch.Tensor],
        segment_concat_mask: Optional[torch.Tensor],
    ) -> torch.Tensor:
        """The transformer's layers (after the word-piece embeddings), averaged over the word
        pieces of each word: (batch_size, num_words, num_layers, hidden_size)."""
        batch_size, num_concat_pieces = token_ids.shape
        # As PretrainedTransformerEmbedder.forward: all-zero type ids are left out (some models
        # have none), and long texts are folded into windows, run through the transformer
        # separately, and unfolded again (its own fold and unfold, which know the tokenizer's
        # special tokens).
        if type_ids is not None and type_ids.max() == 0:
            type_ids = None
        transformer = self._transformer
        window_mask: torch.Tensor
        windows = self._max_length is not None and num_concat_pieces > self._max_length
        if windows:
            assert segment_concat_mask is not None
            token_ids, window_mask, type_ids = transformer._fold_long_sequences(
                token_ids, segment_concat_mask, type_ids
            )
        else:
            window_mask = wordpiece_mask
            if self._max_length is not None:
                assert segment_concat_mask is not None
                window_mask = segment_concat_mask
        inputs = {"input_ids": token_ids, "attention_mask": window_mask.float()}
        if type_ids is not None:
            inputs["token_type_ids"] = type_ids
        output = transformer.transformer_model(**inputs, output_hidden_states=True)
        # Shape: (batch_size or num_windows, window_length, num_layers * hidden_size)
        pieces = torch.cat(output.hidden_states[1:], dim=-1)
        if windows:
            # Shape: (batch_size, num_pieces, num_layers * hidden_size)
            pieces = transformer._unfold_long_sequences(
                pieces, window_mask, batch_size, num_concat_pieces
            )
        # Shape: (batch_size, num_words, max_pieces_per_word, num_layers * hidden_size)
        word_pieces, word_piece_mask = util.batched_span_select(pieces.contiguous(), offsets)
        word_piece_mask = word_piece_mask.unsqueeze(-1)
        # Shape: (batch_size, num_words, 1)
        piece_counts = word_piece_mask.sum(2)
        # Shape: (batch_size, num_words, num_layers * hidden_size); a word without word pieces
        # (offsets -1, -1) and a padding word are zeros.
        words = (word_pieces * word_piece_mask).sum(2) / piece_counts.clamp_min(1)
        words = words * (piece_counts > 0) * mask.unsqueeze(-1)
        # Shape: (batch_size, num_words, num_layers, hidden_size)
        return words.reshape(batch_size, offsets.size(1), self._num_layers, self._hidden_size)

    def _key(
        self, token_ids: torch.Tensor, type_ids: Optional[torch.Tensor], offsets: torch.Tensor
    ) -> str:
        digest = hashlib.blake2b(self._fingerprint, digest_size=20)
        digest.update(f"max_length={self._max_length};dtype={self._cache_dtype};".encode())
        for part in (token_ids, type_ids, offsets):
            if part is not None:
                digest.update(part.to(device="cpu", dtype=torch.int64).numpy().tobytes())
            digest.update(b";")
        return digest.hexdigest()

    def _lookup(self, key: str) -> Optional[torch.Tensor]:
        if self._cache_directory is None:
            return self._cache.get(key)
        path = self._cache_directory / f"{key}.pt"
        return torch.load(path) if path.exists() else None

    def _store(self, key: str, entry: torch.Tensor) -> None:
        # Shape of entry: (num_words, num_layers, hidden_size), kept on the CPU.
        entry = entry.detach().to("cpu").clone()
        if self._cache_directory is None:
            size = entry.numel() * entry.element_size()
            if self._cache_bytes + size <= self._max_cache_bytes:
                self._cache[key] = entry
                self._cache_bytes += size
            elif not self._warned_cache_full:
                # Said once: every later epoch pays for the texts left out, which is otherwise
                # seen only as epochs slower than expected.
                self._warned_cache_full = True
                logger.warning(
                    "The transformer feature cache is full (%.0f MB of max_cache_mb=%g): the "
                    "texts it cannot hold are run through the transformer again in every epoch. "
                    "Raise max_cache_mb, or set cache_directory to cache on disk.",
                    self._cache_bytes / 2**20,
                    self._max_cache_bytes / 2**20,
                )
            return
        self._cache_directory.mkdir(parents=True, exist_ok=True)
        # Written under another name and renamed, so that a run reading the folder at the same
        # time never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=self._cache_directory, suffix=".tmp")
        os.close(handle)
        torch.save(entry, temporary)
        os.replace(temporary, self._cache_directory / f"{key}.pt")

    def _weights_fingerprint(self) -> bytes:
        """A hash of the transformer's configuration and of every weight (names, types, shapes
        and values). Where the model was read from and the `transformers` version that read it
        are left out: the same model installed elsewhere is the same model."""
        model = self._transformer.transformer_model
        config = {
            key: value
            for key, value in model.config.to_dict().items()
            if key not in ("_name_or_path", "transformers_version")
        }
        digest = hashlib.blake2b(json.dumps(config, sort_keys=True).encode(), digest_size=16)
        for name, tensor in sorted(model.state_dict().items()):
            digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
            values = tensor.detach().to("cpu").contiguous().reshape(-1)
            digest.update(values.view(torch.uint8).numpy())
        return digest.digest()

    def _fingerprint_tensor(self) -> torch.Tensor:
        return torch.tensor(list(self._fingerprint), dtype=torch.uint8)

    def _frozen_weight_names(self, prefix: str) -> List[str]:
        return [
            f"{prefix}_transformer.transformer_model.{name}"
            for name in self._transformer.transformer_model.state_dict()
        ]


def _drop_frozen_transformer_weights(
    module: CachedTransformerMismatchedEmbedder,
    state_dict: Dict[str, Any],
    prefix: str,
    local_metadata: Any,
) -> None:
    """state_dict hook: a frozen transformer's weights are read from its folder again."""
    for name in module._frozen_weight_names(prefix):
        state_dict.pop(name, None)


def _keep_frozen_transformer_weights(
    module: CachedTransformerMismatchedEmbedder,
    state_dict: Dict[str, Any],
    prefix: str,
    local_metadata: Any,
    strict: bool,
    missing_keys: List[str],
    unexpected_keys: List[str],
    error_msgs: List[str],
) -> None:
    """load_state_dict pre-hook: the frozen weights a saved state leaves out are the module's
    own (those of its folder), so that strict loading finds every key. `load_state_dict` gives
    the hooks its own copy of the state."""
    weights = module._transformer.transformer_model.state_dict()
    for name, full_name in zip(weights, module._frozen_weight_names(prefix)):
        state_dict.setdefault(full_name, weights[name])


def _check_frozen_transformer_weights(
    module: CachedTransformerMismatchedEmbedder, incompatible_keys: Any
) -> None:
    """load_state_dict post-hook: the frozen weights now in the module must be those the saved
    model was trained with."""
    fingerprint = module._weights_fingerprint()
    if fingerprint != module._fingerprint:
        # Entries of the weights before can no longer be hit (the key holds the fingerprint):
        # their memory is freed.
        module._fingerprint = fingerprint
        module._cache.clear()
        module._cache_bytes = 0
    saved = bytes(module.get_buffer("_saved_fingerprint").tolist())
    if saved != module._fingerprint:
        raise LocalTransformerError(
            f"The model in {module._model_name_source}={module._model_name!r} is not the "
            f"transformer this model was trained with (its weights differ)."
        )
