import json
from pathlib import Path

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader
from allennlp.models import Model

from hmtl_allennlp.models import ArchiveLoadError
from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.predictors import HmtlPredictor, read_json_lines

pytestmark = pytest.mark.slow

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = REPOSITORY_ROOT / "fixtures" / "data" / "redocred_sample.jsonl"
PREDICTOR_CONFIG = REPOSITORY_ROOT / "fixtures" / "configs" / "predictor" / "hmtl_predictor.jsonnet"


def raw_text(document):
    """
    A document as raw text: sentences separated by a blank line, tokens by a space (two in the
    first sentence), so that character offsets differ from those of `" ".join(tokens)`.
    """
    return "\n\n".join(
        ("  " if index == 0 else " ").join(sentence)
        for index, sentence in enumerate(document["sentences"])
    )


@pytest.fixture(scope="module")
def predictor(archive_path):
    return HmtlPredictor.from_path(archive_path, "hmtl")


def with_settings(predictor, **settings):
    """A new predictor of the same model and reader."""
    return HmtlPredictor(predictor._model, predictor._dataset_reader, **settings)


@pytest.fixture(scope="module")
def documents():
    return [json.loads(line) for line in DOCUMENTS.read_text(encoding="utf-8").splitlines()]


def all_mentions(output):
    """Every mention of an output, with the key it is found under."""
    for key in ("ner", "mentions"):
        for mention in output[key]:
            yield key, mention
    for relation in output["relations"]:
        yield "relations", relation["head"]
        yield "relations", relation["tail"]
    for cluster in output["clusters"]:
        for mention in cluster:
            yield "clusters", mention


def check_document_output(output, input_text=None):
    tokens = [token for sentence in output["sentences"] for token in sentence]
    assert {"ner", "mentions", "relations", "clusters"} <= set(output)
    for key, mention in all_mentions(output):
        start, end = mention["start"], mention["end"]
        assert isinstance(start, int) and isinstance(end, int)
        assert 0 <= start <= end < len(tokens), (key, mention)
        if key != "clusters":
            assert isinstance(mention["label"], str)
        if input_text is None:
            assert mention["text"] == " ".join(tokens[start : end + 1])
            assert "char_start" not in mention
        else:
            assert input_text[mention["char_start"] : mention["char_end"]] == mention["text"]
            assert mention["text"].startswith(tokens[start])
            assert mention["text"].endswith(tokens[end])
    for relation in output["relations"]:
        assert isinstance(relation["label"], str)
        assert 0.5 < relation["score"] <= 1.0
    assert all(len(cluster) >= 2 for cluster in output["clusters"])


def test_raw_text(predictor, documents):
    # A text the tiny model has seen, so that it finds some mentions in it.
    text = raw_text(documents[1])
    output = predictor.predict(text)
    assert output["sentences"][0] == documents[1]["sentences"][0]
    # Whitespace never makes a token.
    assert all(token.strip() for sentence in output["sentences"] for token in sentence)
    check_document_output(output, input_text=text)
    # The fixture model predicts every task (see hmtl_fixture_archive).
    assert output["mentions"] and output["relations"] and output["clusters"]


def test_tokenized_and_document_inputs(predictor, documents):
    document = documents[1]
    from_document = predictor.predict_json(document)
    from_tokens = predictor.predict_tokenized(document["sentences"])
    assert from_document["doc_key"] == document["doc_key"]
    assert from_document["sentences"] == document["sentences"]
    check_document_output(from_document)
    # The gold annotations of a document are not used by this model (predicted arguments,
    # predicted mentions for coreference).
    del from_document["doc_key"]
    assert from_tokens == from_document


def test_batch_gives_the_one_by_one_outputs(predictor, documents):
    # Small parts, so that some documents are split and some are not.
    predictor = with_settings(predictor, max_document_tokens=150)
    lines = [json.dumps(document) for document in documents]
    lines += [json.dumps({"text": raw_text(documents[0])}), "not json"]
    lines.append(json.dumps({"sentences": [["A", "b"]]}))
    inputs = list(read_json_lines(lines))
    one_by_one = [predictor.predict_json(json_input) for json_input in inputs]
    assert [output.get("line") for output in one_by_one] == list(range(1, len(lines) + 1))
    assert predictor.predict_batch_json(inputs) == one_by_one
    assert predictor.predict_batch_json(inputs[:3]) == one_by_one[:3]
    # A predictor serves any number of inputs: the lines read again give the same outputs.
    assert predictor.predict_batch_json(list(read_json_lines(lines))) == one_by_one
    split = [output for output in one_by_one if "segments" in output]
    assert split and len(split) < len(documents)


def test_long_documents_are_predicted_in_parts(predictor, documents):
    predictor = with_settings(predictor, max_document_tokens=60)
    document = documents[1]
    output = predictor.predict_json(document)
    check_document_output(output)
    segments = output["segments"]
    num_tokens = sum(len(sentence) for sentence in document["sentences"])
    assert segments[0][0] == 0 and segments[-1][1] == num_tokens - 1
    assert all(previous[1] + 1 == part[0] for previous, part in zip(segments, segments[1:]))
    sentence_starts = {0}
    for sentence in document["sentences"]:
        sentence_starts.add(max(sentence_starts) + len(sentence))
    assert all(first in sentence_starts for first, _ in segments)
    for cluster in output["clusters"]:
        parts = {
            next(i for i, (first, last) in enumerate(segments) if first <= m["start"] <= last)
            for m in cluster
        }
        assert len(parts) == 1
    assert any(mention["start"] > segments[0][1] for mention in output["mentions"])


@pytest.mark.parametrize(
    "line, problem",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"doc_key": "d1", "title": "no text"}', "found neither"),
        ('{"text": "  \\n "}', "'text' is empty"),
        ('{"text": "a", "sentences": [["a"]]}', "found both"),
        ('{"doc_key": true, "text": "a"}', "'doc_key' must be a string or an integer"),
        ('{"sentences": [["a"], []]}', "sentence 1 must be a non-empty list"),
        ('{"sentences": [["a"]], "ner": [[[0, 3, "PER"]]]}', "outside its sentence"),
        ('{"sentences": [["a", "b"]], "ner": [[[false, true, "PER"]]]}', "non-integer offsets"),
        ("[" * 1000 + "]" * 1000, "JSON nested too deeply to read"),
        ('{"text": "a", "count": ' + "7" * 5000 + "}", "Exceeds the limit (4300 digits)"),
    ],
)
def test_bad_lines(predictor, line, problem):
    good = json.dumps({"sentences": [["Schneider", "won", "."]]})
    inputs = list(read_json_lines([good, line, good]))
    outputs = predictor.predict_batch_json(inputs)
    assert outputs[1]["line"] == 2
    assert problem in outputs[1]["error"] and "input line 2" in outputs[1]["error"]
    assert set(outputs[1]) <= {"line", "doc_key", "error"}
    assert "error" not in outputs[0] and outputs[0]["sentences"] == [["Schneider", "won", "."]]
    assert outputs[2]["line"] == 3 and outputs[2]["mentions"] == outputs[0]["mentions"]

    strict = with_settings(predictor, strict=True)
    with pytest.raises(DataFormatError, match="input line 2") as error:
        strict.predict_batch_json(inputs)
    assert problem in str(error.value)


def test_an_integer_doc_key_is_repeated_as_a_string(predictor):
    # DyGIE++'s own data numbers some documents.
    inputs = read_json_lines(
        json.dumps({"doc_key": 58, "sentences": sentences})
        for sentences in ([["Schneider", "won", "."]], [])
    )
    read, unreadable = predictor.predict_batch_json(list(inputs))
    assert read["doc_key"] == "58" and read["sentences"] == [["Schneider", "won", "."]]
    assert unreadable["doc_key"] == "58"
    assert unreadable["error"].startswith("input line 2, doc_key '58': ")


def test_a_failing_document_does_not_fail_the_batch(predictor, documents, monkeypatch):
    forward = predictor._model.forward_on_instances

    def fail_on_document_2(instances):
        doc_keys = {instance["metadata"]["doc_key"] for instance in instances}
        if documents[2]["doc_key"] in doc_keys:
            raise RuntimeError("out of memory")
        return forward(instances)

    monkeypatch.setattr(predictor._model, "forward_on_instances", fail_on_document_2)
    outputs = predictor.predict_batch_json(documents)
    assert outputs[2]["doc_key"] == documents[2]["doc_key"]
    assert "prediction failed: RuntimeError: out of memory" in outputs[2]["error"]
    assert all("error" not in outputs[i] for i in (0, 1, 3))


def test_tasks_the_model_lacks_are_left_out(predictor):
    # An untrained NER -> EMD model, with the vocabulary of the fixture model.
    params = Params.from_file(str(REPOSITORY_ROOT / "fixtures" / "configs" / "ner_emd.jsonnet"))
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    model = Model.from_params(vocab=predictor._model.vocab, params=params.pop("model"))
    output = HmtlPredictor(model, reader).predict("Schneider won two medals.")
    assert {"ner", "mentions"} <= set(output)
    assert "relations" not in output and "clusters" not in output


def test_missing_or_corrupt_archive(tmp_path):
    with pytest.raises(ArchiveLoadError, match="no such model archive") as error:
        HmtlPredictor.from_path(tmp_path / "missing.tar.gz")
    assert "\n" not in str(error.value)
    corrupt = tmp_path / "model.tar.gz"
    corrupt.write_text("not an archive")
    with pytest.raises(ArchiveLoadError, match="cannot load it as a model archive") as error:
        HmtlPredictor.from_path(corrupt)
    assert "\n" not in str(error.value)


def test_lone_surrogates_are_read_as_unknown_characters(predictor):
    text = "Schneider \ud800 won two medals in Oslo."
    for strict in (False, True):
        output = with_settings(predictor, strict=strict).predict_json({"text": text})
        assert output["sentences"][0][:3] == ["Schneider", "\ud800", "won"]
        check_document_output(output, input_text=text)
    output = predictor.predict_tokenized([["Schneider", "\udfff", "won"]])
    assert output["sentences"] == [["Schneider", "\udfff", "won"]] and "error" not in output


def test_batch_entries_that_are_not_objects_get_error_outputs(predictor):
    good = {"sentences": [["Schneider", "won", "."]]}
    outputs = predictor.predict_batch_json([good, "a string", None, [good]])
    assert outputs[0] == predictor.predict_json(good) and "error" not in outputs[0]
    for index, found in ((1, "string"), (2, "null"), (3, "array")):
        assert outputs[index] == {
            "error": f"input document {index + 1} of 4: expected a JSON object (a dict), "
            f"found {found}."
        }
    with pytest.raises(DataFormatError, match="input document: expected a JSON object"):
        with_settings(predictor, strict=True).predict_json("a string")


@pytest.mark.parametrize(
    "settings, problem",
    [
        ({"max_document_tokens": "abc"}, "max_document_tokens must be an integer of at least 1"),
        ({"max_document_tokens": 0}, "max_document_tokens must be an integer of at least 1"),
        ({"max_document_tokens": True}, "max_document_tokens must be an integer of at least 1"),
        ({"max_sentence_tokens": 2.5}, "max_sentence_tokens must be an integer of at least 1"),
        ({"strict": "yes"}, "strict must be true or false, got 'yes'"),
    ],
)
def test_settings_are_checked(predictor, settings, problem):
    with pytest.raises(ConfigurationError, match=f"The hmtl predictor's {problem}"):
        with_settings(predictor, **settings)


def test_long_tokens_are_cut_for_the_indexers_and_kept_whole(predictor):
    token = "x" * 10_000
    output = predictor.predict_tokenized([["Schneider", token, "won", "."]])
    assert output["sentences"] == [["Schneider", token, "won", "."]]
    instances = predictor.json_to_instances({"sentences": [["Schneider", token]]})
    assert [instance["task"].metadata for instance in instances] == ["sentence_levels", "coref"]
    for instance in instances:
        assert [t.text for t in instance["tokens"].tokens] == ["Schneider", "x" * 50]
        instance.index_fields(predictor._model.vocab)
        padding = instance.get_padding_lengths()["tokens"]
        assert padding["token_characters___num_token_characters"] == 50


def test_long_sentences_are_predicted_in_pieces(predictor, documents):
    # A document in one sentence: the fixture model relates every two mentions of a sentence.
    words = [word for sentence in documents[1]["sentences"] for word in sentence][:90]
    document = {"sentences": [words]}
    whole = with_settings(predictor, max_sentence_tokens=90).predict_json(document)
    in_pieces = with_settings(predictor, max_sentence_tokens=40)
    sentences, (segment,) = in_pieces._document_instances(in_pieces._read_document(document))
    assert [len(instance["tokens"]) for instance in sentences] == [30, 30, 30]
    assert segment["metadata"]["sentence_lengths"] == [30, 30, 30]
    output = in_pieces.predict_json(document)
    assert output["sentences"] == [words]
    check_document_output(output)

    def piece(mention):
        return mention["start"] // 30

    def crosses(relation):
        return piece(relation["head"]) != piece(relation["tail"])

    assert any(crosses(relation) for relation in whole["relations"])
    assert output["relations"] and not any(crosses(relation) for relation in output["relations"])
    assert all(piece(m) == m["end"] // 30 for cluster in output["clusters"] for m in cluster)


def _fields(instance):
    """What an instance holds but its task, comparable across instances."""
    return (
        [token.text for token in instance["tokens"].tokens],
        instance["metadata"].metadata,
        (
            [(span.span_start, span.span_end) for span in instance["spans"]]
            if "spans" in instance.fields
            else None
        ),
        sorted(name for name in instance.fields if name != "task"),
    )


def test_predictor_instances_are_those_of_the_readers(predictor, documents, tmp_path):
    # A document longer than the segment limit, with a sentence of one token.
    sentences = documents[0]["sentences"] + [["Yes"]] + documents[1]["sentences"]
    document = {"doc_key": "long", "sentences": sentences}
    limit = sum(map(len, documents[0]["sentences"])) + 1
    data = tmp_path / "long.jsonl"
    data.write_text(json.dumps(document) + "\n", encoding="utf-8")
    # The archive's relation and coreference readers, as configured, the latter cutting
    # documents at the predictor's limit.
    readers = Params.from_file(str(PREDICTOR_CONFIG))["dataset_reader"]["readers"]
    coref_params = readers.pop("coref")
    coref_params["max_document_tokens"] = limit
    read = list(DatasetReader.from_params(readers.pop("relation")).read(data))
    read += list(DatasetReader.from_params(coref_params).read(data))

    short_segments = with_settings(predictor, max_document_tokens=limit)
    instances = short_segments.json_to_instances(document)
    assert [_fields(instance) for instance in instances] == [_fields(i) for i in read]
    tasks = [instance["task"].metadata for instance in instances]
    assert tasks == ["sentence_levels"] * (len(sentences)) + ["coref"] * (
        len(read) - len(sentences)
    )
    assert len(read) - len(sentences) > 1 and "spans" in instances[-1]
    output = short_segments.predict_json(document)
    assert output["segments"] == [
        [i["metadata"]["token_offset"], i["metadata"]["token_offset"] + len(i["tokens"]) - 1]
        for i in read[len(sentences) :]
    ]
    check_document_output(output)


@pytest.mark.parametrize("sentences", [[], [[]], [["Yes"], []]])
def test_empty_sentences_get_the_readers_error(predictor, sentences):
    from hmtl_allennlp.dataset_readers.ace05 import parse_dygie_document

    with pytest.raises(DataFormatError) as reader_error:
        parse_dygie_document("input document", {"doc_key": None, "sentences": sentences})
    output = predictor.predict_json({"sentences": sentences})
    assert output["error"] == str(reader_error.value)


def test_load_line_reads_one_line_on_its_own(predictor):
    assert predictor.load_line('{"text": "Schneider won."}\n') == {"text": "Schneider won."}
    with pytest.raises(DataFormatError, match="^input line: not valid JSON"):
        predictor.load_line("{not json")
