"""
Levels are configuration: levels of any name, several of one kind, and a part-of-speech level
with one plain tag per token, from the readers to the predictor's output.
"""

import json

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.models import Model

from hmtl_allennlp.predictors import HmtlPredictor
from tests.models.hmtl_test_case import REPOSITORY_ROOT, HmtlModelTestCase


def first_sentences() -> dict:
    """The first sentences of the fixture DyGIE document, as a predictor input."""
    path = REPOSITORY_ROOT / "fixtures" / "data" / "redocred_sample.jsonl"
    with open(path, encoding="utf-8") as data:
        document = json.loads(data.readline())
    return {"doc_key": document["doc_key"], "sentences": document["sentences"][:3]}


class TestTwoLevelsOfOneKind(HmtlModelTestCase):
    """ner -> ner2 -> emd -> {relation, relation2}: two more taggers, two relation levels."""

    def setup_method(self):
        super().setup_method()
        self.params = self.set_up_config("two_taggers_two_relations")

    def test_each_level_reads_scores_and_outputs_under_its_own_name(self):
        assert self.model.level_kinds() == {
            "ner": "tagging",
            "ner2": "tagging",
            "emd": "tagging",
            "relation": "relations",
            "relation2": "relations",
        }
        assert self.model.main_metrics()["relation2"] == "relation2_strict_f1"
        assert self.vocab.get_vocab_size("ner2_tags") > 0
        assert self.vocab.get_vocab_size("relation2_labels") > 0
        batches = self.first_batch_of_each_task(self.params, self.model)
        assert sorted(batches) == sorted(self.model.tasks)
        self.model.train()
        for task in ("ner2", "relation2"):
            output = self.model(**batches[task])
            assert torch.isfinite(output["loss"])
        metrics = self.model.get_metrics(reset=True)
        assert {"ner2_f1", "relation2_strict_f1", "ner2_loss", "relation2_loss"} <= set(metrics)
        assert "relation_strict_f1" not in metrics  # no batch of "relation" since the reset

        prediction = dict(batches["relation2"])
        prediction.pop("relation_labels")
        prediction["task"] = ["sentence_levels"] * len(prediction["task"])
        self.model.eval()
        output = self.model(**prediction)
        for key in ("ner_spans", "ner2_spans", "emd_spans"):
            assert len(output[key]) == len(prediction["task"]), key
        for key in ("relation_relations", "relation2_relations"):
            assert len(output[key]) == len(prediction["task"]), key
            for instance_relations, mentions in zip(output[key], output["emd_spans"]):
                for relation in instance_relations:
                    assert relation.head in mentions and relation.tail in mentions

    def test_the_predictor_outputs_every_level_under_its_key(self):
        predictor = HmtlPredictor(self.model, self.reader)
        output = predictor.predict_json(first_sentences())
        assert {"ner", "ner2", "mentions", "relations", "relation2"} <= set(output)
        for relation in output["relation2"]:
            assert relation["head"] in output["mentions"]

    @pytest.mark.slow
    def test_model_can_train_save_and_load(self):
        self.ensure_config_can_train_save_and_load("two_taggers_two_relations")


class TestPartOfSpeechLevel(HmtlModelTestCase):
    """pos -> ner -> emd -> {relation, coref}: plain tags per token under the full model."""

    def setup_method(self):
        super().setup_method()
        self.params = self.set_up_config("pos_ner_emd_relation_coref")

    def test_pos_is_scored_by_token_accuracy_and_cannot_give_mentions(self):
        assert self.model.main_metrics()["pos"] == "pos_accuracy"
        assert not self.model._heads["pos"].decodes_mentions
        batch = self.first_batch_of_each_task(self.params, self.model)["pos"]
        self.model.eval()
        output = self.model(**batch)
        lengths = batch["tokens"]["tokens"]["tokens"].gt(0).sum(-1).tolist()
        # One tag per token, none of them "O" (the tags have none): a one-token span each.
        assert [len(tags) for tags in output["pos_tags"]] == lengths
        assert [len(spans) for spans in output["pos_spans"]] == lengths
        metrics = self.model.get_metrics(reset=True)
        assert 0.0 <= metrics["pos_accuracy"] <= 1.0
        gold = [tag for metadata in batch["metadata"] for tag in metadata["gold_mentions"]]
        predicted = [tag for tags in output["pos_tags"] for tag in tags]
        correct = sum(mention.label == tag for mention, tag in zip(gold, predicted))
        assert metrics["pos_accuracy"] == pytest.approx(correct / len(predicted))

    def test_a_pos_level_cannot_be_a_mention_level(self):
        params = self.params.duplicate()
        params["model"]["levels"]["relation"]["head"]["mention_level"] = "pos"
        with pytest.raises(ConfigurationError, match="mention_level 'pos' has a CrfTaggerHead"):
            Model.from_params(vocab=self.vocab, params=params["model"])

    def test_the_predictor_outputs_a_tag_per_token(self):
        document = first_sentences()
        output = HmtlPredictor(self.model, self.reader).predict_json(document)
        num_tokens = sum(len(sentence) for sentence in document["sentences"])
        assert [(tag["start"], tag["end"]) for tag in output["pos"]] == [
            (index, index) for index in range(num_tokens)
        ]
        assert {"ner", "mentions", "relations", "clusters"} <= set(output)

    @pytest.mark.slow
    def test_model_can_train_save_and_load(self):
        self.ensure_config_can_train_save_and_load("pos_ner_emd_relation_coref")
