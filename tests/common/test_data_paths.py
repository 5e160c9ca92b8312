"""
The data-path variables the configs read: defaults fill in, a user's setting always wins, and a
config that reads a filled-in data variable warns (or, with HMTL_REQUIRE_DATA=1, stops).
"""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allennlp.commands.train import train_model_from_file
from allennlp.common.checks import ConfigurationError

from hmtl_allennlp.common import data_paths
from hmtl_allennlp.common.data_paths import (
    DATA_VARIABLES,
    check_data_variables,
    default_data_paths,
    filled_in_variables_read,
    set_default_data_paths,
)

ROOT = Path(__file__).resolve().parents[2]
ALLENNLP = str(Path(sys.executable).parent / "allennlp")


@pytest.fixture
def unset_data_variables(monkeypatch):
    """A process in which no data variable was set by the user: all come from the defaults."""
    for name in default_data_paths():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(data_paths.REQUIRE_DATA, raising=False)
    monkeypatch.setattr(data_paths, "_filled_in", {})
    set_default_data_paths()


@pytest.fixture
def ner_config(tmp_path):
    """The NER test setup, with its data from the OntoNotes variables. It also binds the ACE05
    variable to a local that nothing uses: Jsonnet never reads it."""
    config = tmp_path / "ner_from_variables.jsonnet"
    template = ROOT / "fixtures" / "configs" / "hmtl_test.libsonnet"
    config.write_text(
        f"local template = import {json.dumps(str(template))};\n"
        "local env(name) = std.extVar(name);\n"
        "local unused = env('HMTL_ACE05_TRAIN');\n"
        "template.hmtl({ ner: null }) {\n"
        "  train_data_path: { ner: env('HMTL_ONTONOTES_TRAIN') },\n"
        "  validation_data_path: { ner: env('HMTL_ONTONOTES_DEV') },\n"
        "  trainer+: { num_epochs: 1 },\n"
        "}\n"
    )
    return config


def test_defaults_are_the_bundled_sample_and_exist():
    defaults = default_data_paths()
    for name in DATA_VARIABLES:
        assert Path(defaults[name]).exists(), name


def test_a_variable_the_user_set_is_never_replaced(unset_data_variables, monkeypatch):
    monkeypatch.setenv("HMTL_ACE05_TRAIN", "my/ace05/train.json")
    set_default_data_paths()
    assert os.environ["HMTL_ACE05_TRAIN"] == "my/ace05/train.json"
    assert os.environ["HMTL_ONTONOTES_TRAIN"] == default_data_paths()["HMTL_ONTONOTES_TRAIN"]


def test_only_the_filled_in_variables_the_config_reads_are_found(
    unset_data_variables, ner_config, monkeypatch
):
    defaults = default_data_paths()
    assert filled_in_variables_read(ner_config) == {
        "HMTL_ONTONOTES_TRAIN": defaults["HMTL_ONTONOTES_TRAIN"],
        "HMTL_ONTONOTES_DEV": defaults["HMTL_ONTONOTES_DEV"],
    }
    # Set by the user after the defaults were filled in, or given to the reader: not a default.
    monkeypatch.setenv("HMTL_ONTONOTES_TRAIN", defaults["HMTL_ONTONOTES_DEV"])
    assert list(filled_in_variables_read(ner_config)) == ["HMTL_ONTONOTES_DEV"]
    assert filled_in_variables_read(ner_config, {"HMTL_ONTONOTES_DEV": "dev.conll"}) == {}


def test_require_data_names_every_variable_read(unset_data_variables, ner_config, monkeypatch):
    monkeypatch.setenv(data_paths.REQUIRE_DATA, "1")
    with pytest.raises(ConfigurationError) as error:
        check_data_variables(ner_config)
    message = str(error.value)
    assert "HMTL_ONTONOTES_TRAIN" in message and "HMTL_ONTONOTES_DEV" in message
    assert "HMTL_ACE05_TRAIN" not in message
    # With the variables set there is nothing to refuse.
    monkeypatch.setenv("HMTL_ONTONOTES_TRAIN", "train.conll")
    monkeypatch.setenv("HMTL_ONTONOTES_DEV", "dev.conll")
    check_data_variables(ner_config)


@pytest.mark.slow
def test_training_warns_once_per_variable_read_from_the_sample(
    unset_data_variables, ner_config, tmp_path, caplog
):
    with caplog.at_level(logging.WARNING, logger="hmtl_allennlp.common.data_paths"):
        train_model_from_file(str(ner_config), str(tmp_path / "run"))
    warnings = [
        record.getMessage() for record in caplog.records if record.name == data_paths.__name__
    ]
    sample = ROOT / "fixtures" / "sample"
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("HMTL_ONTONOTES_TRAIN is not set")
    assert str(sample / "train.gold_conll") in warnings[0]
    assert warnings[1].startswith("HMTL_ONTONOTES_DEV is not set")
    assert str(sample / "dev.gold_conll") in warnings[1]
    assert (tmp_path / "run" / "model.tar.gz").exists()


@pytest.mark.slow
def test_allennlp_train_with_require_data_stops_before_reading_data(ner_config, tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("HMTL_ONTONOTES_TRAIN", "HMTL_ONTONOTES_DEV")
    }
    environment.update({data_paths.REQUIRE_DATA: "1", "OMP_NUM_THREADS": "1"})
    run = tmp_path / "run"
    completed = subprocess.run(
        [ALLENNLP, "train", str(ner_config), "-s", str(run), "--include-package", "hmtl_allennlp"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert completed.returncode != 0
    assert "reads data variables that are not set: HMTL_ONTONOTES_TRAIN" in completed.stderr
    assert "HMTL_ONTONOTES_DEV (default " in completed.stderr
    # Stopped while reading the config: before the serialization directory, and so before
    # any data, which is read after it is made.
    assert not run.exists()
