"""
Finds a pretrained transformer's model folder on this machine, from a path or from the name of
an installed Python package that ships one, and checks that it is complete, before any tokenizer
or model is loaded from it.
"""

import importlib.util
import re
from pathlib import Path
from typing import NamedTuple, Optional

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


# A dotted Python module name, as opposed to a path.
MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class LocalTransformerError(ConfigurationError):
    """A pretrained transformer that is not a usable local model folder; the message is one
    line and names where the bad value comes from."""


class LocalTransformer(NamedTuple):
    folder: str
    config: PretrainedConfig


def package_model_folder(name: str) -> Optional[Path]:
    """
    The model folder shipped by the installed Python package `name` (the package's own folder
    if it holds a `config.json`, else its `model/` subfolder if that does), or `None` if no
    such package is installed or it ships no model folder.

    A config that names the package instead of its folder stays valid wherever the package is
    installed: the archive of a model trained on it loads on another machine, in another
    environment, where a path into the first one's site-packages would not exist.
    """
    if not MODULE_NAME.match(name):
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # a parent that is not a package, or no spec
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        for folder in (Path(location), Path(location) / "model"):
            if (folder / "config.json").is_file():
                return folder
    return None


def check_local_transformer(
    model_name: str,
    model_name_source: str = "model_name",
    output_dim: Optional[int] = None,
    output_dim_source: str = "output_dim",
    max_length: Optional[int] = None,
) -> LocalTransformer:
    """
    Returns the model folder of the transformer `model_name` and its configuration, after
    checking that the folder holds a configuration, weights and a tokenizer, that the model's
    hidden size is `output_dim` and that windows of `max_length` word pieces fit its position
    embeddings.

    `model_name` is a folder, or the name of an installed Python package that ships the model
    (`package_model_folder`). Any other name is refused rather than looked up on the Hugging
    Face hub, so a wrong path fails at once, naming the setting, instead of after a download
    attempt (or with the hub's error about repository names). The folder's own files are all
    `transformers` reads, so no offline mode is needed.

    # Parameters

    model_name : `str`
        The path of the model folder, or the name of a Python package that ships one.
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
        shipped = package_model_folder(model_name)
        if shipped is None:
            what = "a file" if folder.exists() else "no such folder or installed model package"
            raise LocalTransformerError(
                f"{model_name_source}={model_name!r} is not a local model folder ({what}); set "
                f"it to the folder of a pretrained transformer (config.json, weights and "
                f"tokenizer files) or to an installed Python package that ships one."
            )
        folder = shipped
    for what, names in REQUIRED_FILES.items():
        if not any((folder / name).is_file() for name in names):
            raise LocalTransformerError(
                f"{model_name_source}={model_name!r} is not a complete model folder: it has no "
                f"{what} (none of {', '.join(names)})."
            )
    config = AutoConfig.from_pretrained(str(folder))
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
    return LocalTransformer(str(folder), config)
