import os
from unittest import mock

import pytest

from tests.models.hmtl_test_case import REPOSITORY_ROOT, HmtlModelTestCase

# A tiny, randomly initialised ELMo (AllenNLP's test fixture, see fixtures/NOTICE).
ELMO_TINY = REPOSITORY_ROOT / "fixtures" / "embeddings" / "elmo-tiny"


@pytest.mark.slow
class TestBaseEmbeddings(HmtlModelTestCase):
    """The shared embedder takes any AllenNLP token embedders, alone or together."""

    def test_glove_vectors_and_characters(self):
        model, _ = self.ensure_config_can_train_save_and_load("ner_emd_glove")
        assert model._text_field_embedder.get_output_dim() == 54

    def test_elmo_from_local_files(self):
        environment = {
            "HMTL_ELMO_OPTIONS": str(ELMO_TINY / "options.json"),
            "HMTL_ELMO_WEIGHTS": str(ELMO_TINY / "lm_weights.hdf5"),
        }
        with mock.patch.dict(os.environ, environment):
            model, _ = self.ensure_config_can_train_save_and_load("ner_emd_elmo")
        assert model._text_field_embedder.get_output_dim() == 6 + 32

    @pytest.fixture(autouse=True)
    def transformer_directory(self, minilm_directory):
        self.minilm_directory = minilm_directory

    def test_pretrained_transformer_by_local_path(self):
        with mock.patch.dict(os.environ, {"HMTL_TRANSFORMER": self.minilm_directory}):
            model, _ = self.ensure_config_can_train_save_and_load("ner_emd_transformer")
        assert model._text_field_embedder.get_output_dim() == 384

    def test_words_characters_and_a_cached_frozen_transformer(self):
        model, loaded_model = self.ensure_config_can_train_save_and_load(
            "ner_emd_cached_transformer"
        )
        assert model._text_field_embedder.get_output_dim() == 6 + 4 + 16
        # The frozen transformer's weights are not saved: they come from its folder again.
        saved = loaded_model.state_dict()
        assert not any(".transformer_model." in name for name in saved)
        assert "_text_field_embedder.token_embedder_transformer._scalar_mix.gamma" in saved

    def test_words_characters_and_a_fine_tuned_transformer(self):
        trainable = (
            '{"model.text_field_embedder.token_embedders.transformer.train_parameters": true}'
        )
        model, loaded_model = self.ensure_config_can_train_save_and_load(
            "ner_emd_cached_transformer", overrides=trainable
        )
        assert any(".transformer_model." in name for name in loaded_model.state_dict())
