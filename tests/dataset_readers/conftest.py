from pathlib import Path

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = REPOSITORY_ROOT / "fixtures"
# The public corpora live beside the repository (as in CI); SciERC and CoNLL04 must not be
# copied into it, so the tests that read them are collected only where the folder exists.
SHARED_DATA_DIR = REPOSITORY_ROOT.parent / "shared" / "data"

collect_ignore = [] if SHARED_DATA_DIR.is_dir() else ["test_shared_data_readers.py"]


@pytest.fixture
def data_dir() -> Path:
    return FIXTURES_DIR / "data"


@pytest.fixture
def malformed_dir() -> Path:
    return FIXTURES_DIR / "data" / "malformed"


@pytest.fixture
def shared_data_dir() -> Path:
    return SHARED_DATA_DIR


def _conll_gold(path: Path) -> dict:
    """
    An independent, deliberately simple reading of the gold layers of a tab-separated
    CoNLL-2012 file: {doc_key: (sentences, named entities, clusters)}, document-level offsets.
    """
    documents = {}
    for block in path.read_text(encoding="utf-8").split("#end document")[:-1]:
        header, *body = block.strip("\n").split("\n")
        name, part = header.split("(", 1)[1].split("); part ")
        sentences, entities, clusters = [], [], {}
        rows_of_sentences = "\n".join(body).strip("\n").split("\n\n")
        offset = 0
        for sentence_rows in rows_of_sentences:
            rows = [row.split("\t") for row in sentence_rows.split("\n")]
            sentences.append([row[3] for row in rows])
            entity_stack, coref_stacks = [], {}
            for index, row in enumerate(rows):
                for label in row[10].split("(")[1:]:
                    entity_stack.append((label.rstrip("*)"), offset + index))
                for _ in range(row[10].count(")")):
                    label, start = entity_stack.pop()
                    entities.append((start, offset + index, label))
                for piece in row[-1].split("|") if row[-1] != "-" else []:
                    cluster_id = int(piece.strip("()"))
                    if piece.startswith("("):
                        coref_stacks.setdefault(cluster_id, []).append(offset + index)
                    if piece.endswith(")"):
                        start = coref_stacks[cluster_id].pop()
                        clusters.setdefault(cluster_id, []).append((start, offset + index))
            offset += len(rows)
        documents[f"{name}_{int(part)}"] = (sentences, sorted(entities), clusters)
    return documents


@pytest.fixture
def conll_gold():
    return _conll_gold
