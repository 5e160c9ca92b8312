"""The predictor's `sentence_batch_tokens`: the sentences of several documents in one batch."""

import json
from pathlib import Path

import pytest
from allennlp.common.checks import ConfigurationError

from hmtl_allennlp.models.hmtl import SENTENCE_LEVELS_TASK
from hmtl_allennlp.predictors import HmtlPredictor
from hmtl_allennlp.predictors.hmtl import SENTENCES_PER_BATCH

pytestmark = pytest.mark.slow

DOCUMENTS = Path(__file__).resolve().parents[2] / "fixtures" / "data" / "redocred_sample.jsonl"


@pytest.fixture(scope="module")
def predictor(archive_path):
    return HmtlPredictor.from_path(archive_path, "hmtl")


@pytest.fixture(scope="module")
def inputs():
    """The fixture documents, and short ones: each sentence of the first document alone."""
    documents = [json.loads(line) for line in DOCUMENTS.read_text(encoding="utf-8").splitlines()]
    short = [{"sentences": [sentence]} for sentence in documents[0]["sentences"]]
    return documents + short


def with_batches(predictor, monkeypatch, **settings):
    """A predictor of the same model with `settings`, and the list its sentence batches (the
    documents and lengths of their sentences) are recorded in."""
    new = HmtlPredictor(predictor._model, predictor._dataset_reader, **settings)
    batches = []
    predict_instances = new._predict_instances

    def recording(instances):
        if instances[0]["task"].metadata == SENTENCE_LEVELS_TASK:
            batches.append(
                [
                    (instance["metadata"]["doc_key"], len(instance["tokens"]))
                    for instance in instances
                ]
            )
        return predict_instances(instances)

    monkeypatch.setattr(new, "_predict_instances", recording)
    return new, batches


def without_scores(output):
    """An output with its relation scores apart: {key: value} and the list of scores."""
    relations = [dict(relation) for relation in output.get("relations", [])]
    scores = [relation.pop("score") for relation in relations]
    return {**output, "relations": relations}, scores


@pytest.mark.parametrize("max_tokens", [10_000, 60])
def test_documents_share_sentence_batches_and_predict_as_one_by_one(
    predictor, inputs, monkeypatch, max_tokens
):
    one_by_one = [predictor.predict_json(document) for document in inputs]
    packing, batches = with_batches(predictor, monkeypatch, sentence_batch_tokens=max_tokens)
    outputs = packing.predict_batch_json(inputs)

    # Some batches hold sentences of several documents; none is over the budget (unless a
    # sentence alone is) or over 32 sentences.
    assert any(len({doc_key for doc_key, _ in batch}) > 1 for batch in batches)
    for batch in batches:
        assert len(batch) <= SENTENCES_PER_BATCH
        assert len(batch) == 1 or len(batch) * max(length for _, length in batch) <= max_tokens
    # Sentences are batched in the order of their documents.
    assert [sentence for batch in batches for sentence in batch] == [
        (document.get("doc_key"), len(sentence))
        for document in inputs
        for sentence in document["sentences"]
    ]
    # The same spans, relations and clusters; a relation's score up to float rounding.
    for output, expected in zip(outputs, one_by_one):
        (output, scores), (expected, expected_scores) = map(without_scores, (output, expected))
        assert output == expected
        assert scores == pytest.approx(expected_scores, abs=1e-5)
    assert any(output["relations"] for output in outputs)


def test_by_default_each_document_has_its_own_sentence_batches(predictor, inputs, monkeypatch):
    default, batches = with_batches(predictor, monkeypatch)
    assert default.predict_batch_json(inputs) == [
        predictor.predict_json(document) for document in inputs
    ]
    assert all(len({doc_key for doc_key, _ in batch}) == 1 for batch in batches)
    assert len(batches) == len(inputs)


@pytest.mark.parametrize("value", [0, -5, 1.5, True, "512"])
def test_sentence_batch_tokens_must_be_a_positive_integer(predictor, value):
    with pytest.raises(ConfigurationError, match="sentence_batch_tokens"):
        HmtlPredictor(predictor._model, predictor._dataset_reader, sentence_batch_tokens=value)
