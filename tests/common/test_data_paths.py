"""The data-path variables the configs read: defaults fill in, a user's setting always wins."""

import os
from pathlib import Path
from unittest import mock

from hmtl_allennlp.common.data_paths import default_data_paths, set_default_data_paths


def test_defaults_are_the_bundled_sample_and_exist():
    defaults = default_data_paths()
    for name in ["HMTL_ONTONOTES_TRAIN", "HMTL_ONTONOTES_DEV", "HMTL_ACE05_TRAIN",
                 "HMTL_ACE05_DEV", "HMTL_GLOVE", "HMTL_TRANSFORMER"]:  # fmt: skip
        assert Path(defaults[name]).exists(), name


def test_a_variable_the_user_set_is_never_replaced():
    with mock.patch.dict(os.environ, {"HMTL_ACE05_TRAIN": "my/ace05/train.json"}, clear=True):
        set_default_data_paths()
        assert os.environ["HMTL_ACE05_TRAIN"] == "my/ace05/train.json"
        assert os.environ["HMTL_ONTONOTES_TRAIN"] == default_data_paths()["HMTL_ONTONOTES_TRAIN"]
