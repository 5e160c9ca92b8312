"""
`allennlp hmtl-prepare-ace05` run as a user runs it, on the hand-written release under
fixtures/data/ace05_ldc, and its output read back by `hmtl_ace05`.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hmtl_allennlp.dataset_readers import Ace05Reader
from tests.annotations import dygie_relations

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "data"
LDC_DIR = FIXTURES / "ace05_ldc"
SPLIT_DIR = FIXTURES / "ace05_split"
ALLENNLP = str(Path(sys.executable).parent / "allennlp")


def run(command, repository_root):
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        command, cwd=repository_root, env=environment, capture_output=True, text=True
    )


@pytest.mark.slow
def test_command_converts_reports_the_absent_document_and_fails(repository_root, tmp_path):
    out_dir = tmp_path / "ace05"
    completed = run(
        [
            ALLENNLP,
            "hmtl-prepare-ace05",
            str(LDC_DIR),
            str(out_dir),
            "--split-dir",
            str(SPLIT_DIR),
            "--no-keep-pronouns",
            "--relation-labels",
            "subtype",
            "--include-package",
            "hmtl_allennlp",
        ],
        repository_root,
    )

    assert completed.returncode == 1, completed.stderr[-3000:]
    assert "1 of 3 listed documents could not be converted" in completed.stderr
    assert "test: AFP_ENG_20030402.0002: listed in the split, but there is no" in completed.stderr
    assert "Wrote 2 documents (15 sentences, 21 mentions, 5 relations, 6 clusters)" in (
        completed.stdout
    )
    statistics = json.loads((out_dir / "stats.json").read_text())
    assert statistics["options"] == {
        "span": "head",
        "keep_pronouns": False,
        "symmetric_relations": "keep",
        "relation_labels": "subtype",
    }
    total = statistics["total"]
    assert total["mentions"] == {"GPE": 8, "ORG": 3, "PER": 9, "WEA": 1}
    # The relations of "They", "them" and "his" go with the pronouns.
    assert total["relations"] == {
        "ART.User-Owner-Inventor-Manufacturer": 1,
        "GEN-AFF.Org-Location": 1,
        "ORG-AFF.Employment": 2,
        "PHYS.Located": 1,
    }
    assert total["changes"]["mentions_dropped_pronoun"] == 3
    assert total["changes"]["relations_dropped_argument_not_kept"] == 4
    assert total["changes"]["sentences_merged"] == 0
    assert [failure["doc_key"] for failure in statistics["failures"]] == ["AFP_ENG_20030402.0002"]


@pytest.mark.slow
def test_python_m_runs_the_same_command(repository_root, tmp_path):
    split_dir = tmp_path / "split"
    shutil.copytree(SPLIT_DIR, split_dir)
    (split_dir / "test.txt").write_text("")  # no absent document: nothing fails
    completed = run(
        [
            sys.executable,
            "-m",
            "hmtl_allennlp",
            "hmtl-prepare-ace05",
            str(LDC_DIR),
            str(tmp_path / "out"),
            "--split-dir",
            str(split_dir),
        ],
        repository_root,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["failures"] == []


def test_the_reader_gets_every_mention_relation_and_cluster_back(tmp_path):
    from hmtl_allennlp.convert.ace05 import convert_release

    convert_release(LDC_DIR, tmp_path, SPLIT_DIR)
    for split in ("train", "dev"):
        path = tmp_path / f"{split}.json"
        (document,) = [json.loads(line) for line in path.read_text().splitlines()]
        mentions = sorted(tuple(mention) for layer in document["ner"] for mention in layer)
        relations = sorted(
            relation
            for mention_layer, relation_layer in zip(document["ner"], document["relations"])
            for relation in dygie_relations(relation_layer, mention_layer)
        )
        clusters = sorted(
            sorted(tuple(span) for span in cluster) for cluster in document["clusters"]
        )

        read_mentions, read_relations = [], []
        for instance in Ace05Reader(task="relation").read(str(path)):
            metadata = instance["metadata"].metadata
            read_mentions.extend(tuple(mention) for mention in metadata["gold_mentions"])
            read_relations.extend(metadata["gold_relations"])
        emd = list(Ace05Reader(task="emd").read(str(path)))
        (coref,) = Ace05Reader(task="coref").read(str(path))
        coref_metadata = coref["metadata"].metadata

        assert len(emd) == len(document["sentences"])
        assert sorted(read_mentions) == mentions
        assert sorted(read_relations) == relations
        assert sorted(tuple(mention) for mention in coref_metadata["gold_mentions"]) == mentions
        assert (
            sorted(
                sorted(tuple(span) for span in cluster)
                for cluster in coref_metadata["gold_clusters"]
            )
            == clusters
        )
        assert coref_metadata["tokens"] == [
            token for sentence in document["sentences"] for token in sentence
        ]
