"""
The vocabulary of the configs: the training data's words plus the most frequent words of a
pretrained embeddings file, checked before anything is built from it; a word that training never
saw but the file has keeps its pretrained vector through prediction and evaluation.
"""

import gzip
import json
import os
import sys
from pathlib import Path
from typing import Dict, List
from unittest import mock

import pytest
import torch
from allennlp.commands import main as allennlp_main
from allennlp.commands.train import train_model_from_file
from allennlp.common import Params
from allennlp.data import Instance, Token, Vocabulary
from allennlp.data.fields import TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer
from allennlp.models.archival import load_archive
from allennlp.modules.token_embedders import Embedding

from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.data import check_embeddings_file
from hmtl_allennlp.predictors import HmtlPredictor

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
TINY_GLOVE = REPOSITORY_ROOT / "fixtures" / "embeddings" / "tiny_glove.txt"
CONFIG = REPOSITORY_ROOT / "fixtures" / "configs" / "ner_pretrained_vocabulary.jsonnet"
UNSEEN_WORDS = REPOSITORY_ROOT / "fixtures" / "data" / "unseen_words.gold_conll"


def pretrained_vectors() -> Dict[str, List[float]]:
    with open(TINY_GLOVE, encoding="utf-8") as embeddings:
        return {
            fields[0]: [float(value) for value in fields[1:]]
            for fields in (line.split() for line in embeddings)
        }


def write(path: Path, lines: List[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


# ---- The embeddings file check --------------------------------------------------------------


def test_a_well_formed_file_passes_and_counts_its_words(tmp_path):
    assert check_embeddings_file(str(TINY_GLOVE), 6) == 10
    # A word2vec header line is not a word; a gzipped file reads the same.
    with_header = tmp_path / "vectors.txt.gz"
    with gzip.open(with_header, "wb") as compressed:
        compressed.write(b"2 3\nthe 0.1 0.2 0.3\nof 0.4 0.5 0.6\n")
    assert check_embeddings_file(str(with_header), 3) == 2


@pytest.mark.parametrize(
    "lines, embedding_dim, problem",
    [
        (
            [b"the 0.1 0.2 0.3", b"of 0.4 0.5"],
            None,
            "line 2: the word 'of' has 2 values where the lines before have 3",
        ),
        (
            [b"the 0.1 0.2 0.3", b"of 0.4 0.5 0.6"],
            50,
            "line 1: the word 'the' has 3 values where the config's embedding_dim is 50",
        ),
        (
            [b"the 0.1 0.2", b"of 0.4 0.5", b"the 0.7 0.8"],
            None,
            "line 3: the word 'the' is repeated from an earlier line",
        ),
        ([b"the 0.1 0.2", b"caf\xe9 0.4 0.5"], None, "line 2: not UTF-8 (byte 4 of the line"),
        ([b"3 2", b"the 0.1 0.2", b"of 0.4"], None, "line 3: the word 'of' has 1 values"),
        ([b""], None, "no embeddings in it"),
    ],
)
def test_malformed_files_are_rejected_naming_the_line(tmp_path, lines, embedding_dim, problem):
    path = write(tmp_path / "vectors.txt", lines)
    with pytest.raises(DataFormatError) as error:
        check_embeddings_file(str(path), embedding_dim)
    assert str(path) in str(error.value)
    assert problem in str(error.value)


def test_the_vocabulary_checks_the_file_before_reading_any_instance(tmp_path):
    path = write(tmp_path / "vectors.txt", [b"the 0.1 0.2", b"the 0.3 0.4"])
    params = Params(
        {
            "type": "from_instances_checked",
            "pretrained_files": {"tokens": str(path)},
            "min_pretrained_embeddings": {"tokens": 2},
        }
    )

    def no_instances():
        raise AssertionError("the instances were read before the embeddings were checked")
        yield

    with pytest.raises(DataFormatError, match="line 2: the word 'the' is repeated"):
        Vocabulary.from_params(params, instances=no_instances())


def test_the_vocabulary_holds_the_instances_words_and_the_first_pretrained_words():
    indexers = {"tokens": SingleIdTokenIndexer(lowercase_tokens=True)}
    instance = Instance({"words": TextField([Token("Greek"), Token("ferry")], indexers)})
    params = Params(
        {
            "type": "from_instances_checked",
            "pretrained_files": {"tokens": str(TINY_GLOVE)},
            "embedding_dims": {"tokens": 6},
            "min_pretrained_embeddings": {"tokens": 3},
        }
    )
    vocab = Vocabulary.from_params(params, instances=[instance])
    words = set(vocab.get_token_to_index_vocabulary("tokens"))
    assert words == {"@@PADDING@@", "@@UNKNOWN@@", "greek", "ferry", "court", "rules"}


# ---- A trained model and words it never saw ------------------------------------------------


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    serialization_dir = tmp_path_factory.mktemp("pretrained_vocabulary")
    working_directory = os.getcwd()
    os.chdir(REPOSITORY_ROOT)  # the config's paths are relative to the repository root
    try:
        train_model_from_file(str(CONFIG), str(serialization_dir), force=True)
    finally:
        os.chdir(working_directory)
    return serialization_dir / "model.tar.gz"


@pytest.fixture(scope="module")
def model(archive):
    return load_archive(str(archive)).model


def embedding_row(model, word: str) -> List[float]:
    index = model.vocab.get_token_index(word, "tokens")
    weight = model._text_field_embedder.token_embedder_tokens.weight
    return weight[index].tolist()


@pytest.mark.slow
def test_no_word_of_the_dev_data_alone_is_in_the_vocabulary(model):
    words = model.vocab.get_token_to_index_vocabulary("tokens")
    assert "qwertyzz" not in words  # in the dev file only
    assert "airship" not in words  # in the dev file, and in the embeddings file past the first 8
    assert "zeppelin" in words  # in the dev file, and among the embeddings file's first 8 words
    assert "greek" in words and "worship" in words  # training words


@pytest.mark.slow
def test_a_word_training_never_saw_keeps_its_pretrained_vector(model):
    vectors = pretrained_vectors()
    assert embedding_row(model, "zeppelin") == pytest.approx(vectors["zeppelin"], abs=1e-6)
    # The training words were fine-tuned: the test would not tell the two apart otherwise.
    assert embedding_row(model, "greek") != pytest.approx(vectors["greek"], abs=1e-6)


class RecordedEmbeddings:
    """The vectors that every `Embedding` gives, per token id, while it is in place."""

    def __init__(self) -> None:
        self.vectors: Dict[int, torch.Tensor] = {}
        self._forward = Embedding.forward

    def __call__(self, embedding: Embedding, tokens: torch.Tensor) -> torch.Tensor:
        embedded = self._forward(embedding, tokens)
        for token_id, vector in zip(tokens.flatten().tolist(), embedded.flatten(0, -2)):
            self.vectors[token_id] = vector.detach().clone()
        return embedded


def recording():
    recorded = RecordedEmbeddings()
    return recorded, mock.patch.object(Embedding, "forward", autospec=True, side_effect=recorded)


@pytest.mark.slow
def test_the_predictor_embeds_an_unseen_word_with_its_pretrained_vector(archive, model):
    recorded, patch = recording()
    # The archive carries every vector: loading it and predicting never read the embeddings file.
    never_read = mock.patch(
        "allennlp.modules.token_embedders.embedding._read_pretrained_embeddings_file",
        side_effect=AssertionError("the embeddings file was read"),
    )
    with patch, never_read:
        predictor = HmtlPredictor.from_path(archive, "hmtl")
        output = predictor.predict_json({"sentences": [["The", "zeppelin", "rules", "Greek"]]})
    assert output["sentences"] == [["The", "zeppelin", "rules", "Greek"]]
    zeppelin = model.vocab.get_token_index("zeppelin", "tokens")
    assert recorded.vectors[zeppelin].tolist() == pytest.approx(
        pretrained_vectors()["zeppelin"], abs=1e-6
    )


def run_allennlp(*arguments: str) -> None:
    with mock.patch.object(sys, "argv", ["allennlp", *arguments]):
        allennlp_main(prog="allennlp")


@pytest.mark.slow
def test_allennlp_evaluate_embeds_an_unseen_word_with_its_pretrained_vector(
    archive, model, tmp_path
):
    recorded, patch = recording()
    with patch:
        run_allennlp(
            "evaluate", str(archive), str(UNSEEN_WORDS), "--output-file", str(tmp_path / "m.json")
        )
    assert "ner_f1" in json.loads((tmp_path / "m.json").read_text())
    vocab = model.vocab
    zeppelin = vocab.get_token_index("zeppelin", "tokens")
    assert recorded.vectors[zeppelin].tolist() == pytest.approx(
        pretrained_vectors()["zeppelin"], abs=1e-6
    )
    # Words that neither training nor the kept pretrained words have are unknown.
    assert vocab.get_token_index("airship", "tokens") == vocab.get_token_index(
        "@@UNKNOWN@@", "tokens"
    )


@pytest.mark.slow
def test_extend_vocab_gives_words_past_the_kept_ones_their_pretrained_vectors(
    archive, model, tmp_path
):
    """
    As README describes for users with their own embeddings. The dev file also has an entity type
    that training never saw ("place": U-place): `--extend-vocab` adds it to the tags as well, and
    the model must read it as an unseen label rather than index its CRF past its end.
    """
    assert "U-place" not in model.vocab.get_token_to_index_vocabulary("ner_tags")
    recorded, patch = recording()
    mapping = json.dumps({"_text_field_embedder.token_embedder_tokens": str(TINY_GLOVE)})
    with patch:
        run_allennlp(
            "evaluate",
            str(archive),
            str(UNSEEN_WORDS),
            "--output-file",
            str(tmp_path / "m.json"),
            "--extend-vocab",
            "--embedding-sources-mapping",
            mapping,
        )
    assert "ner_f1" in json.loads((tmp_path / "m.json").read_text())
    # "airship" joined the vocabulary (after the trained model's entries) with its file vector.
    new_ids = [
        token_id for token_id in recorded.vectors if token_id >= model.vocab.get_vocab_size()
    ]
    airship = pretrained_vectors()["airship"]
    assert any(
        recorded.vectors[token_id].tolist() == pytest.approx(airship, abs=1e-6)
        for token_id in new_ids
    )
