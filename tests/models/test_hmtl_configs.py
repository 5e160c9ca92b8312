import pytest

from tests.models.hmtl_test_case import HmtlModelTestCase

SETUPS = [
    "ner",
    "emd",
    "relation",
    "coref",
    "ner_emd",
    "emd_relation",
    "relation_multi_head_selection",
    "emd_relation_multi_head_selection",
    "emd_coref",
    "ner_emd_relation",
    "ner_emd_coref",
    "ner_relation",
    "hmtl",
]


@pytest.mark.slow
class TestTaskSetups(HmtlModelTestCase):
    @pytest.mark.parametrize("setup", SETUPS)
    def test_setup_can_train_save_and_load(self, setup):
        self.ensure_config_can_train_save_and_load(setup)

    def test_learned_task_weights_train_save_and_load(self):
        model, _ = self.ensure_config_can_train_save_and_load(
            "hmtl", '{"model.task_weighting": "uncertainty"}'
        )
        # Every task of the fixture data trains, and so moves its weight away from 1.
        assert all(value.item() != 0.0 for value in model._task_log_variances.values())
