"""A `ModelTestCase` for the hmtl model, whose configs use AllenNLP's multi-task reader."""

import os
from pathlib import Path
from typing import Dict, Set

from allennlp.common import Params
from allennlp.common.testing import ModelTestCase
from allennlp.confidence_checks.normalization_bias_verification import (
    NormalizationBiasVerification,
)
from allennlp.data import DataLoader, DatasetReader, TensorDict, Vocabulary
from allennlp.models import Model

import hmtl_allennlp  # noqa: F401  (registers the readers, loader, model and heads)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CONFIGS = REPOSITORY_ROOT / "fixtures" / "configs"


class HmtlModelTestCase(ModelTestCase):
    """
    `ModelTestCase.set_up_model` reads instances with `DatasetReader.read`, which AllenNLP's
    "multitask" reader refuses; `set_up_config` reads them through the config's data loader.
    Tests run from the repository root, which the configs' fixture paths are relative to.
    """

    def setup_method(self):
        super().setup_method()
        self._working_directory = os.getcwd()
        os.chdir(REPOSITORY_ROOT)

    def teardown_method(self):
        os.chdir(self._working_directory)
        super().teardown_method()

    def set_up_config(self, config_name: str, overrides: str = "") -> Params:
        """Reads the config's training data, and builds its vocabulary and model."""
        self.param_file = str(CONFIGS / f"{config_name}.jsonnet")
        params = Params.from_file(self.param_file, params_overrides=overrides)
        self.reader = DatasetReader.from_params(params["dataset_reader"].duplicate())
        data_loader = DataLoader.from_params(
            params["data_loader"].duplicate(),
            reader=self.reader,
            data_path=params["train_data_path"].duplicate().as_dict(),
        )
        self.instances = list(data_loader.iter_instances())
        self.vocab = Vocabulary.from_instances(self.instances)
        self.model = Model.from_params(vocab=self.vocab, params=params["model"].duplicate())
        self.params = params
        return params

    # ModelTestCase's own test of this name passes without checking anything when setup_method
    # builds no model, as in the test classes that build theirs inside each test: it is not
    # inherited, and `check_normalization_bias` runs wherever a model is built instead.
    test_model_batch_norm_verification = None

    def check_normalization_bias(self, params: Params, model: Model) -> None:
        """
        AllenNLP's batch-norm check (no bias before a normalization), on a batch of each task
        of the model (the model takes one task per batch).
        """
        batches = self.first_batch_of_each_task(params, model)
        assert sorted(batches) == sorted(model.tasks)
        for task, batch in batches.items():
            verification = NormalizationBiasVerification(model)
            assert verification.check(inputs=batch), (task, verification.detected_pairs)

    def first_batch_of_each_task(self, params: Params, model: Model) -> Dict[str, TensorDict]:
        """One batch of each task of the validation data, indexed with `model`'s vocabulary."""
        data_loader = DataLoader.from_params(
            params["validation_data_loader"].duplicate(),
            reader=self.reader,
            data_path=params["validation_data_path"].duplicate().as_dict(),
        )
        data_loader.index_with(model.vocab)
        batches: Dict[str, TensorDict] = {}
        for batch in data_loader:
            batches.setdefault(batch["task"][0], batch)
        return batches

    def first_training_batch_task(self, params: Params, overrides: str) -> str:
        """The task of the batch that `ensure_model_can_train_save_and_load` checks gradients on."""
        data_loader_params = params["data_loader"].duplicate()
        data_loader_params["shuffle"] = False
        data_loader = DataLoader.from_params(
            data_loader_params,
            reader=self.reader,
            data_path=params["validation_data_path"].duplicate().as_dict(),
        )
        data_loader.index_with(self.vocab)
        return next(iter(data_loader))["task"][0]

    def parameters_not_reached_by(self, task: str) -> Set[str]:
        """
        The parameters of the heads of other tasks, of the levels above `task`'s chain and the
        other tasks' learned loss weights (`task_weighting` "uncertainty"), the bias of the
        coreference head's attention logits (a softmax is invariant to it, so its gradient is
        zero up to rounding), and a fine-tuned transformer's pooler (BERT's sentence vector,
        which word features do not use).
        """
        chain = self.model._chains[task]
        return {
            name
            for name, _ in self.model.named_parameters()
            if (name.startswith(("_heads.", "_task_log_variances.")) and name.split(".")[1] != task)
            or (name.startswith("_encoders.") and name.split(".")[1] not in chain)
            or name.endswith("_attentive_span_extractor._global_attention._module.bias")
            or ".transformer_model.pooler." in name
        }

    def ensure_config_can_train_save_and_load(self, config_name: str, overrides: str = ""):
        """
        Trains the config's model, saves, reloads and compares it (AllenNLP's check, whose
        gradient check runs on one batch: the parameters its task cannot reach are left out),
        then checks that a batch of each task gives a gradient to every parameter it reaches.
        """
        params = self.set_up_config(config_name, overrides)
        first_task = self.first_training_batch_task(params, overrides)
        model, loaded_model = self.ensure_model_can_train_save_and_load(
            self.param_file,
            gradients_to_ignore=self.parameters_not_reached_by(first_task),
            overrides=overrides,
        )
        for task, batch in self.first_batch_of_each_task(params, model).items():
            self.check_model_computes_gradients_correctly(
                model, batch, self.parameters_not_reached_by(task)
            )
        self.check_normalization_bias(params, model)
        return model, loaded_model
