"""
Builds the openly licensed data bundled with the project, from the public corpora in
`../shared/data` (beside the repository):

- `fixtures/sample/{train,dev}.gold_conll`: GUM documents of the CC-BY and CC-BY-SA genres
  (academic, court, news, interview; bio, voyage), shortest documents first, until about 1,500
  train and 300 dev sentences;
- `fixtures/sample/{train,dev}.jsonl`: the first 80 train and 20 dev Re-DocRED documents;
- `fixtures/data/gum_sample.gold_conll`, `redocred_sample.jsonl`, `litbank_sample.jsonl`: the
  few documents the reader tests use (see fixtures/NOTICE).

The selection is deterministic: running it again gives the same files.

    .venv/bin/python scripts/make_sample.py [--data-dir ../shared/data]
"""

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

REPOSITORY = Path(__file__).resolve().parent.parent
OPEN_GUM_GENRES = {"academic", "court", "news", "interview", "bio", "voyage"}
SAMPLE_SENTENCES = {"train": 1500, "dev": 300}
SAMPLE_DOCUMENTS = {"train": 80, "dev": 20}

ConllDocument = Tuple[str, List[str]]


def read_conll_documents(path: Path) -> List[ConllDocument]:
    """(document id, lines from '#begin document' to '#end document') of a CoNLL-2012 file."""
    documents = []
    lines: List[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        lines.append(line)
        if line.startswith("#end document"):
            document_id = lines[0].split("(", 1)[1].split(")", 1)[0]
            documents.append((document_id, lines))
            lines = []
    return documents


def conll_sentences(lines: List[str]) -> List[List[str]]:
    """The row blocks (sentences) of a document's lines."""
    sentences: List[List[str]] = [[]]
    for line in lines[1:-1]:
        if line.strip():
            sentences[-1].append(line)
        elif sentences[-1]:
            sentences.append([])
    return [rows for rows in sentences if rows]


def is_open_gum_document(document_id: str) -> bool:
    return document_id.split("_")[1] in OPEN_GUM_GENRES


def write_conll(path: Path, documents: List[List[str]]) -> None:
    path.write_text("".join("\n".join(lines) + "\n" for lines in documents), encoding="utf-8")


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def cut_dygie_document(document: Dict[str, Any], num_sentences: int) -> Dict[str, Any]:
    """The document's first sentences with the annotations inside them."""
    cut = dict(document)
    cut["sentences"] = document["sentences"][:num_sentences]
    num_tokens = sum(len(sentence) for sentence in cut["sentences"])
    for key in ("ner", "relations", "mention_types"):
        if key in document:
            cut[key] = document[key][:num_sentences]
    clusters = [
        [span for span in cluster if span[1] < num_tokens] for cluster in document["clusters"]
    ]
    cut["clusters"] = [cluster for cluster in clusters if cluster]
    return cut


def write_jsonl(path: Path, documents: List[Dict[str, Any]]) -> None:
    path.write_text(
        "".join(json.dumps(document, ensure_ascii=False) + "\n" for document in documents),
        encoding="utf-8",
    )


def make_sample(data_dir: Path) -> None:
    sample_dir = REPOSITORY / "fixtures" / "sample"
    sample_dir.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev"):
        open_documents = [
            (len(conll_sentences(lines)), document_id, lines)
            for document_id, lines in read_conll_documents(
                data_dir / "gum" / f"{split}.gum.gold_conll"
            )
            if is_open_gum_document(document_id)
        ]
        chosen = []
        num_sentences = 0
        for length, _, lines in sorted(open_documents, key=lambda item: item[:2]):
            if num_sentences >= SAMPLE_SENTENCES[split]:
                break
            chosen.append(lines)
            num_sentences += length
        write_conll(sample_dir / f"{split}.gold_conll", chosen)
        redocred = read_jsonl(data_dir / "redocred" / f"{split}.jsonl")
        write_jsonl(sample_dir / f"{split}.jsonl", redocred[: SAMPLE_DOCUMENTS[split]])
        print(f"{split}: {len(chosen)} GUM documents, {num_sentences} sentences")


def make_fixtures(data_dir: Path) -> None:
    fixture_dir = REPOSITORY / "fixtures" / "data"
    fixture_dir.mkdir(parents=True, exist_ok=True)
    gum = dict(read_conll_documents(data_dir / "gum" / "train.gum.gold_conll"))
    write_conll(
        fixture_dir / "gum_sample.gold_conll",
        [
            gum["GUM_news_worship"],
            gum["GUM_news_stampede"],
            # Its last sentence has the tokens "a)" and "b)", on which allennlp-models'
            # parser fails.
            gum["GUM_news_defector"],
        ],
    )
    redocred = {
        document["doc_key"]: document
        for document in read_jsonl(data_dir / "redocred" / "train.jsonl")
    }
    # redocred_49 has lone non-breaking space tokens.
    write_jsonl(
        fixture_dir / "redocred_sample.jsonl",
        [redocred[key] for key in ("redocred_0", "redocred_1", "redocred_2", "redocred_49")],
    )
    litbank = read_jsonl(data_dir / "litbank" / "train.jsonl")
    write_jsonl(fixture_dir / "litbank_sample.jsonl", [cut_dygie_document(litbank[0], 30)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPOSITORY.parent / "shared" / "data",
        help="the folder holding gum/, redocred/ and litbank/ (default: ../shared/data)",
    )
    arguments = parser.parse_args()
    make_sample(arguments.data_dir)
    make_fixtures(arguments.data_dir)


if __name__ == "__main__":
    main()
