import contextlib
import copy
import json
import math
from collections import Counter
from typing import Iterator, List
from unittest import mock

import pytest
import torch

from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch
from allennlp.models import Model

from tests.models.hmtl_test_case import HmtlModelTestCase


class TestHierarchicalMultiTaskModel(HmtlModelTestCase):
    """The full model of the paper on fixture data: NER -> EMD -> {relation, coref}."""

    def setup_method(self):
        super().setup_method()
        self.params = self.set_up_config("hmtl")
        self.batches = self.first_batch_of_each_task(self.params, self.model)

    def test_model_batch_norm_verification(self):
        self.check_normalization_bias(self.params, self.model)

    def count_encoder_calls(self, model: Model) -> Counter:
        calls: Counter = Counter()
        for name, encoder in model._encoders.items():
            encoder.register_forward_hook(lambda *_, name=name: calls.update([name]))
        return calls

    def prediction_batch(self):
        """The relation batch (sentences) as the predictor's: task "sentence_levels", no gold."""
        batch = {
            key: value
            for key, value in self.batches["relation"].items()
            if key not in ("relations", "relation_labels")
        }
        batch["task"] = ["sentence_levels"] * len(batch["task"])
        return batch

    def test_gradients_of_the_top_task_reach_the_lowest_level_and_the_embedder(self):
        self.model.train()
        self.model(**self.batches["relation"])["loss"].backward()
        gradients = {name: parameter.grad for name, parameter in self.model.named_parameters()}

        def reached(prefix):
            return [
                name
                for name, gradient in gradients.items()
                if name.startswith(prefix) and gradient is not None and gradient.abs().sum() > 0
            ]

        for level in ("ner", "emd", "relation"):
            prefix = f"_encoders.{level}."
            assert reached(prefix) == [name for name in gradients if name.startswith(prefix)]
        assert reached("_text_field_embedder.token_embedder_tokens.")
        assert reached("_text_field_embedder.token_embedder_token_characters.")
        # Nothing above or beside the relation level, and no other head, is touched.
        for untouched in ("_encoders.coref.", "_heads.ner.", "_heads.emd.", "_heads.coref."):
            assert not reached(untouched)

    def test_a_batch_runs_only_the_levels_from_the_root_to_its_task(self):
        calls = self.count_encoder_calls(self.model)
        expected = {
            "ner": {"ner": 1},
            "emd": {"ner": 1, "emd": 1},
            "relation": {"ner": 1, "emd": 1, "relation": 1},
            "coref": {"ner": 1, "emd": 1, "coref": 1},
        }
        for task, batch in self.batches.items():
            calls.clear()
            self.model(**batch)
            assert dict(calls) == expected[task], task

    def test_prediction_of_sentences_runs_every_sentence_level_once(self):
        calls = self.count_encoder_calls(self.model)
        self.model.eval()
        output = self.model(**self.prediction_batch())
        # Coreference is document-level: the predictor runs it on documents, apart.
        assert self.model.sentence_level_tasks() == ["ner", "emd", "relation"]
        assert dict(calls) == {"ner": 1, "emd": 1, "relation": 1}
        assert "loss" not in output and "coref_clusters" not in output
        for key in ("ner_spans", "emd_spans", "relation_relations"):
            assert len(output[key]) == len(self.batches["relation"]["task"]), key
        num_tokens = self.batches["relation"]["tokens"]["tokens"]["tokens"].size(1)
        for mention in output["emd_spans"][0]:
            assert 0 <= mention.start <= mention.end < num_tokens
        # The relation arguments are the mentions EMD predicted.
        for instance_relations, emd_spans in zip(output["relation_relations"], output["emd_spans"]):
            for relation in instance_relations:
                assert relation.head in emd_spans and relation.tail in emd_spans
                assert 0.0 < relation.score <= 1.0

    @contextlib.contextmanager
    def recording_head_losses(self, task: str) -> Iterator[List[float]]:
        """The losses of `task`'s head (before any weighting), batch after batch."""
        head_losses: List[float] = []
        head = self.model._heads[task]
        original_forward = head.forward

        def recording_forward(*args, **kwargs):
            output = original_forward(*args, **kwargs)
            head_losses.append(output["loss"].item())
            return output

        with mock.patch.object(head, "forward", recording_forward):
            yield head_losses

    def test_loss_is_weighted_per_task_and_reported_per_task(self):
        params = self.set_up_config("hmtl", overrides='{"model.levels.ner.loss_weight": 2.5}')
        batches = self.first_batch_of_each_task(params, self.model)
        self.model.eval()
        with self.recording_head_losses("ner") as head_losses:
            first = self.model(**batches["ner"])["loss"].item()
            second = self.model(**batches["ner"])["loss"].item()
        assert first == pytest.approx(2.5 * head_losses[0])
        metrics = self.model.get_metrics()
        assert metrics["ner_loss"] == pytest.approx((first + second) / 2)
        assert metrics["ner_batches"] == 2

    def test_uncertainty_weighting_scales_each_task_by_its_learned_factor(self):
        overrides = '{"model.task_weighting": "uncertainty", "model.levels.ner.loss_weight": 2.5}'
        params = self.set_up_config("hmtl", overrides=overrides)
        batches = self.first_batch_of_each_task(params, self.model)
        self.model.eval()
        log_variances = self.model._task_log_variances
        assert sorted(log_variances) == sorted(self.model.tasks)
        assert all(value.item() == 0.0 for value in log_variances.values())
        with torch.no_grad():
            log_variances["ner"].fill_(math.log(4.0))
        with self.recording_head_losses("ner") as head_losses:
            loss = self.model(**batches["ner"])["loss"]
        weighted = 2.5 * head_losses[0]
        assert loss.item() == pytest.approx(weighted / 4 + math.log(4.0) / 2)
        loss.backward()
        # d/ds of exp(-s) * L + s / 2.
        assert log_variances["ner"].grad.item() == pytest.approx(-weighted / 4 + 0.5)
        assert all(log_variances[task].grad is None for task in ("emd", "relation", "coref"))
        metrics = self.model.get_metrics(reset=True)
        assert metrics["ner_loss"] == pytest.approx(weighted)
        assert metrics["ner_loss_scale"] == pytest.approx(0.25)
        assert "emd_loss_scale" not in metrics

    def test_fixed_weights_add_no_parameters_and_unknown_weightings_are_refused(self):
        assert self.model._task_log_variances is None
        assert not any("log_variance" in name for name, _ in self.model.named_parameters())
        model_params = Params(copy.deepcopy(self.params["model"].as_dict()))
        model_params["task_weighting"] = "learned"
        with pytest.raises(ConfigurationError, match="Unknown task_weighting 'learned'"):
            Model.from_params(vocab=self.vocab, params=model_params)

    def test_metrics_are_prefixed_and_combined_over_the_tasks_seen_since_the_reset(self):
        head_metrics = {
            "ner": {"f1": 0.5, "precision": 0.4},
            "emd": {"f1": 1.0},
            "relation": {"strict_f1": 0.0},
            "coref": {"avg_f1": 0.25},
        }
        for task, head in self.model._heads.items():
            head.get_metrics = mock.Mock(return_value=head_metrics[task])
        self.model._task_statistics["ner"] = [6.0, 3]
        self.model._task_statistics["emd"] = [1.0, 1]
        metrics = self.model.get_metrics(reset=True)
        assert metrics == {
            "ner_f1": 0.5,
            "ner_precision": 0.4,
            "ner_loss": 2.0,
            "ner_batches": 3,
            "emd_f1": 1.0,
            "emd_loss": 1.0,
            "emd_batches": 1,
            "combined_f1": 0.75,
        }
        self.model._heads["ner"].get_metrics.assert_called_once_with(True)
        self.model._heads["coref"].get_metrics.assert_not_called()
        assert self.model.get_metrics() == {"combined_f1": 0.0}

    def test_batch_counts_and_losses_are_summed_over_distributed_workers(self):
        self.model._task_statistics["emd"] = [3.0, 2]
        # As if a second worker had seen the same batches.
        with mock.patch(
            "hmtl_allennlp.models.hmtl.util.dist_reduce_sum", side_effect=lambda counts: 2 * counts
        ):
            metrics = self.model.get_metrics()
        assert metrics["emd_batches"] == 4
        assert metrics["emd_loss"] == 1.5
        assert "ner_batches" not in metrics

    def test_real_metrics_after_batches_of_every_task(self):
        self.model.eval()
        for batch in self.batches.values():
            self.model(**batch)
        metrics = self.model.get_metrics(reset=True)
        main = [metrics["ner_f1"], metrics["emd_f1"], metrics["relation_strict_f1"]]
        main.append(metrics["coref_avg_f1"])
        assert metrics["combined_f1"] == pytest.approx(sum(main) / 4)
        assert metrics["relation_uses_gold_mentions"] == 0.0
        for task in ("ner", "emd", "relation", "coref"):
            assert metrics[f"{task}_batches"] == 1

    def test_each_level_input_dropout_applies_whatever_sits_below_it(self):
        # The original lost EMD's dropout when NER sat below it.
        params = self.set_up_config(
            "hmtl",
            overrides='{"model.levels.ner.input_dropout": 0.0, '
            '"model.levels.emd.input_dropout": 0.5}',
        )
        batch = self.first_batch_of_each_task(params, self.model)["emd"]
        inputs = {}
        for name in ("ner", "emd"):
            self.model._encoders[name].register_forward_pre_hook(
                lambda _, args, name=name: inputs.update({name: args[0].detach()})
            )
        self.model.eval()
        self.model(**batch)
        without_dropout = dict(inputs)
        self.model.train()
        self.model(**batch)

        # Nothing else is random below EMD: NER's input is the same, and EMD's input (base
        # embeddings and NER's output) is either dropped or scaled by 1 / (1 - 0.5).
        assert torch.equal(inputs["ner"], without_dropout["ner"])
        kept = inputs["emd"] != 0
        assert torch.allclose(inputs["emd"][kept], 2 * without_dropout["emd"][kept])
        nonzero = without_dropout["emd"] != 0
        assert 0.4 < ((~kept & nonzero).sum() / nonzero.sum()).item() < 0.6

    def test_gold_mentions_override_restricts_coreference_to_gold_mentions(self):
        params = self.set_up_config(
            "hmtl", overrides='{"model.levels.coref.head.gold_mentions": true}'
        )
        batch = self.first_batch_of_each_task(params, self.model)["coref"]
        assert self.model._heads["coref"]._gold_mentions
        self.model.eval()
        output = self.model(**batch)
        for clusters, metadata in zip(output["coref_clusters"], batch["metadata"]):
            offset = metadata["token_offset"]
            gold = {
                (start - offset, end - offset)
                for cluster in metadata["gold_clusters"]
                for start, end in cluster
            }
            assert gold
            assert {tuple(span) for cluster in clusters for span in cluster} <= gold

    def test_one_token_sentences_and_documents_go_through_every_level(self):
        # "Paris" alone: a one-token sentence (and a one-token coreference document).
        conll = self.TEST_DIR / "one_token.gold_conll"
        conll.write_text(
            "#begin document (one); part 000\n"
            "one\t0\t0\tParis\tNNP\t(TOP*)\t-\t-\t-\t-\t*\t-\n\n"
            "#end document\n"
        )
        dygie = self.TEST_DIR / "one_token.jsonl"
        document = {
            "doc_key": "one",
            "sentences": [["Paris"]],
            "ner": [[]],
            "relations": [[]],
            # A singleton: left out of the labels, but a coreference reader refuses a file
            # without any cluster.
            "clusters": [[[0, 0]]],
        }
        dygie.write_text(json.dumps(document) + "\n")
        paths = {"ner": conll, "emd": dygie, "relation": dygie, "coref": dygie}
        for task, path in paths.items():
            instances = list(self.reader.readers[task].read(str(path)))
            assert len(instances[0]["tokens"]) == 1
            batch = Batch(instances)
            batch.index_instances(self.vocab)
            tensors = batch.as_tensor_dict()
            self.model.train()
            self.model(**tensors)["loss"].backward()
        # The one-token sentence as the predictor's sentence instance.
        sentence = list(self.reader.readers["relation"].read(str(dygie)))
        batch = Batch(sentence)
        batch.index_instances(self.vocab)
        tensors = batch.as_tensor_dict()
        tensors.pop("relation_labels")
        tensors["task"] = ["sentence_levels"]
        self.model.eval()
        output = self.model(**tensors)
        assert len(output["ner_spans"][0]) <= 1
        assert output["relation_relations"] == [[]]

    def test_a_batch_of_a_task_without_a_level_is_refused(self):
        batch = dict(self.batches["ner"])
        batch["task"] = ["pos"] * len(batch["task"])
        with pytest.raises(ValueError, match="task 'pos', but this model has levels for"):
            self.model(**batch)
        batch["task"] = ["ner"] + ["emd"] * (len(batch["task"]) - 1)
        with pytest.raises(ValueError, match="mixes tasks"):
            self.model(**batch)

    def model_params_with(self, change) -> Params:
        model_params = copy.deepcopy(self.params["model"].as_dict())
        change(model_params["levels"])
        return Params(model_params)

    def assert_configuration_error(self, change, message):
        with pytest.raises(ConfigurationError, match=message):
            Model.from_params(vocab=self.vocab, params=self.model_params_with(change))

    def test_configuration_errors_say_which_level_and_why(self):
        def unknown_parent(levels):
            levels["emd"]["parent"] = "pos"

        self.assert_configuration_error(
            unknown_parent, r"Level 'emd' has parent 'pos', which is not a level of this model"
        )

        def cycle(levels):
            levels["ner"]["parent"] = "relation"

        self.assert_configuration_error(
            cycle, r"cycle through their parents .*: emd -> ner -> relation -> emd"
        )

        def wrong_dimension(levels):
            levels["relation"]["encoder"]["input_size"] += 1

        self.assert_configuration_error(
            wrong_dimension,
            r"Level 'relation': its encoder's input dim is 19, but its input is the embeddings "
            r"\(10\) \+ level 'emd' \(8\), 18 dims",
        )

        def unknown_mention_level(levels):
            levels["relation"]["head"]["mention_level"] = "mentions"

        self.assert_configuration_error(
            unknown_mention_level, r"Level 'relation': its head's mention_level 'mentions' is not"
        )

        def mention_level_not_below(levels):
            # coref is a sibling of relation: it would not run on relation batches.
            levels["relation"]["head"]["mention_level"] = "coref"

        self.assert_configuration_error(
            mention_level_not_below,
            r"mention_level 'coref' must be a level below it \(its levels from the root: "
            r"ner -> emd -> relation\)",
        )

        def mention_level_not_a_tagger(levels):
            levels["relation"]["parent"] = "coref"
            levels["relation"]["encoder"]["input_size"] = 10 + 10
            levels["relation"]["head"]["mention_level"] = "coref"

        self.assert_configuration_error(
            mention_level_not_a_tagger, r"mention_level 'coref' has a CoreferenceHead, which cannot"
        )

        self.assert_configuration_error(lambda levels: levels.clear(), "at least one level")
