"""`hmtl-embed` (every level's embeddings in HDF5) and `hmtl-probe` on the fixture model."""

import argparse
import json
from pathlib import Path

import h5py
import numpy
import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive

from hmtl_allennlp.commands.embed import embed_file
from hmtl_allennlp.commands.probe import probe_archive

pytestmark = pytest.mark.slow

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
PROBING_FIXTURE = REPOSITORY_ROOT / "fixtures" / "data" / "probing.gold_conll"


def embed_arguments(archive_path, input_file, output_file, **options):
    defaults = {"levels": None, "pooling": "mean,max", "batch_size": 2, "cuda_device": -1}
    return argparse.Namespace(
        archive_file=str(archive_path),
        input_file=str(input_file),
        output_file=str(output_file),
        **{**defaults, **options},
    )


def test_every_level_of_every_document_in_the_documented_layout(archive_path, tmp_path):
    input_file = tmp_path / "input.jsonl"
    input_file.write_bytes(
        b'{"doc_key": "curie", "text": "Marie Curie was born in Warsaw. She moved to Paris."}\n'
        b"not json\n"
        b'{"doc_key": 7, "sentences": [["Ann", "met", "Bob"], ["They", "left"]]}\n'
        b"\xff\n"
    )
    output_file = tmp_path / "embeddings.h5"
    embed_file(embed_arguments(archive_path, input_file, output_file))
    model = load_archive(str(archive_path)).model
    dims = {"embedder": model._text_field_embedder.get_output_dim()}
    dims.update({name: encoder.get_output_dim() for name, encoder in model._encoders.items()})
    with h5py.File(output_file) as h5:
        assert h5.attrs["layout_version"] == 1
        assert list(h5.attrs["levels"]) == ["embedder", *model.tasks]
        assert sorted(h5) == ["document_0", "document_1", "errors"]
        errors = [error.decode() for error in h5["errors"][()]]
        assert errors[0].startswith("input line 2: not valid JSON")
        assert errors[1].startswith("input line 4: not valid UTF-8")
        curie, tokenized = h5["document_0"], h5["document_1"]
        assert (curie.attrs["doc_key"], curie.attrs["line"]) == ("curie", 1)
        assert (tokenized.attrs["doc_key"], tokenized.attrs["line"]) == ("7", 3)
        assert [word.decode() for word in tokenized["words"][()]] == [
            "Ann",
            "met",
            "Bob",
            "They",
            "left",
        ]
        assert tokenized["sentence_offsets"][()].tolist() == [[0, 3], [3, 5]]
        assert "character_offsets" not in tokenized
        assert curie["character_offsets"][()].tolist()[:2] == [[0, 5], [6, 11]]
        for level, dim in dims.items():
            tokens = tokenized[f"tokens/{level}"][()]
            assert tokens.shape == (5, dim) and tokens.dtype == numpy.float32
            mean = tokenized[f"sentences/{level}/mean"][()]
            assert mean.shape == (2, dim)
            numpy.testing.assert_allclose(mean[1], tokens[3:5].mean(axis=0), rtol=1e-5)
            numpy.testing.assert_allclose(
                tokenized[f"sentences/{level}/max"][()][0], tokens[0:3].max(axis=0), rtol=1e-5
            )
    # A sentence's embeddings do not depend on the document or batch it comes in.
    alone = tmp_path / "alone.jsonl"
    alone.write_text('{"sentences": [["They", "left"]]}\n', encoding="utf-8")
    embed_file(embed_arguments(archive_path, alone, tmp_path / "alone.h5", batch_size=1))
    with h5py.File(output_file) as h5, h5py.File(tmp_path / "alone.h5") as single:
        numpy.testing.assert_allclose(
            single["document_0/tokens/ner"][()], h5["document_1/tokens/ner"][()][3:5], atol=1e-5
        )


def test_levels_and_poolings_are_chosen_and_outputs_never_overwritten(archive_path, tmp_path):
    input_file = tmp_path / "input.jsonl"
    input_file.write_text('{"sentences": [["Ann", "left"]]}\n', encoding="utf-8")
    output_file = tmp_path / "embeddings.h5"
    embed_file(
        embed_arguments(archive_path, input_file, output_file, levels=["ner"], pooling="max")
    )
    with h5py.File(output_file) as h5:
        assert sorted(h5["document_0/tokens"]) == ["ner"]
        assert sorted(h5["document_0/sentences/ner"]) == ["max"]
    written = output_file.read_bytes()
    with pytest.raises(ConfigurationError, match="exists"):
        embed_file(embed_arguments(archive_path, input_file, output_file))
    assert output_file.read_bytes() == written
    with pytest.raises(ConfigurationError, match="No level nope"):
        embed_file(embed_arguments(archive_path, input_file, tmp_path / "x.h5", levels=["nope"]))
    with pytest.raises(ConfigurationError, match="--pooling"):
        embed_file(embed_arguments(archive_path, input_file, tmp_path / "y.h5", pooling="median"))


def test_probe_reports_every_level_of_every_task(archive_path, tmp_path):
    tasks_dir = tmp_path / "tasks"
    tasks_dir.mkdir()
    (tasks_dir / "tense.txt").write_text(
        "".join(
            f"{split}\t{label}\t{sentence}\n"
            for split in ("tr", "va")
            for label, sentence in (("PAST", "Ann left ."), ("PRES", "Ann leaves ."))
            for _ in range(3)
        ),
        encoding="utf-8",
    )
    output_file = tmp_path / "results.json"
    probe_archive(
        argparse.Namespace(
            archive_file=str(archive_path), tasks_dir=str(tasks_dir), output_file=str(output_file),
            levels=None, tasks=None, pooling="mean", probes=["linear", "mlp"], batch_size=4,
            seed=13, cuda_device=-1,
        )
    )  # fmt: skip
    results = json.loads(output_file.read_text())
    model = load_archive(str(archive_path)).model
    assert results["levels"] == ["embedder", *model.tasks]
    tense = results["tasks"]["tense"]
    assert (tense["classes"], tense["train"], tense["dev"], tense["majority_baseline"]) == (
        2,
        6,
        6,
        0.5,
    )
    assert set(tense["levels"]) == set(results["levels"])
    for scores in tense["levels"].values():
        assert set(scores) == {"linear", "mlp"} and all(
            0 <= score <= 1 for score in scores.values()
        )
    # The two sentences differ in one word, whose characters the input embeddings see.
    assert tense["levels"]["embedder"] == {"linear": 1.0, "mlp": 1.0}
