"""
Checks that a pretrained transformer is a complete model folder on this machine, before any
tokenizer or model is loaded from it.
"""

from pathlib import Path
from typing import Optional

from allennlp.common.checks import ConfigurationError
from transformers import AutoConfig, PretrainedConfig

# One of each group must be in the folder: the configuration, the weights (plain or sharded), and
# the word-piece vocabulary (a fast tokenizer file, or a slow tokenizer's vocabulary).
REQUIRED_FILES = {
    "a configuration": ["config.json"],
    "weights": [
        "model.safetensors",
        "model.safetensors.index.json",
        "pytorch_model.bin",
        "pytorch_model.bin.index.json",
    ],
    "a tokenizer": ["tokenizer.json", "vocab.txt", "vocab.json", "spiece.model"],
}


class LocalTransformerError(ConfigurationError):
    """A pretrained transformer that is not a usable local model folder; the message is one
    line and names where the bad value comes from."""


def check_local_transformer(
    model_name: str,
    model_name_source: str = "model_name",
    output_dim: Optional[int] = None,
    output_dim_source: str = "output_dim",
    max_length: Optional[int] = None,
) -> PretrainedConfig:
    """
    Returns the configuration of the transformer in the folder `model_name`, after checking
    that the folder holds a configuration, weights and a tokenizer, that the model's hidden size
    is `output_dim` and that windows of `max_length` word pieces fit its position embeddings.

    A name that is not a folder is refused rather than looked up on the Hugging Face hub, so a
    wrong path fails at once, naming the setting, instead of after a download attempt (or with
    the hub's error about repository names). The folder's own files are all `transformers`
    reads, so no offline mode is needed.

    # Parameters

    model_name : `str`
        The path of the model folder.
    model_name_source : `str`, optional (default = `"model_name"`)
        Where `model_name` comes from (an environment variable of the config), named in errors.
    output_dim : `int`, optional (default = `None`)
        The hidden size the rest of the config was computed from; not checked when `None`.
    output_dim_source : `str`, optional (default = `"output_dim"`)
        Where `output_dim` comes from, named in errors.
    max_length : `int`, optional (default = `None`)
        The length of the windows of word pieces the transformer is run on.
    """
    folder = Path(model_name)
    if not folder.is_dir():
        what = "a file" if folder.exists() else "no such folder"
        raise LocalTransformerError(
            f"{model_name_source}={model_name!r} is not a local model folder ({what}); set it to "
            f"the folder of a pretrained transformer (config.json, weights and tokenizer files)."
        )
    for what, names in REQUIRED_FILES.items():
        if not any((folder / name).is_file() for name in names):
            raise LocalTransformerError(
                f"{model_name_source}={model_name!r} is not a complete model folder: it has no "
                f"{what} (none of {', '.join(names)})."
            )
    config = AutoConfig.from_pretrained(model_name)
    hidden_size = getattr(config, "hidden_size", None)
    if output_dim is not None and hidden_size != output_dim:
        raise LocalTransformerError(
            f"{output_dim_source}={output_dim} does not match the hidden size of the model in "
            f"{model_name_source}={model_name!r}, which is {hidden_size}."
        )
    positions = getattr(config, "max_position_embeddings", None)
    if max_length is not None and positions is not None and max_length > positions:
        raise LocalTransformerError(
            f"Windows of max_length={max_length} word pieces are longer than the model in "
            f"{model_name_source}={model_name!r} can read ({positions} positions)."
        )
    return config
