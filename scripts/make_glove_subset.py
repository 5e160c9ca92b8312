"""
Writes the subset of a GloVe text file that covers the (lowercased) words of some data files,
so the bundled sample ships with real pretrained vectors at a fraction of the size.

    .venv/bin/python scripts/make_glove_subset.py ../shared/embeddings/glove.6B.50d.txt.gz \
        fixtures/sample/glove.6B.50d.sample.txt.gz \
        fixtures/sample/*.gold_conll fixtures/sample/*.jsonl

GloVe 6B is under the PDDL (public domain); its subset can be redistributed.
"""

import argparse
import gzip
import json
from pathlib import Path
from typing import Iterator, Set


def words_of(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        if path.suffix in {".jsonl", ".json"}:
            for line in lines:
                if line.strip():
                    for sentence in json.loads(line)["sentences"]:
                        yield from sentence
        else:  # CoNLL-2012: the word is the fourth column
            for line in lines:
                columns = line.split()
                if len(columns) > 3 and not line.startswith("#"):
                    yield columns[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("glove", type=Path, help="GloVe text file (.txt or .txt.gz)")
    parser.add_argument("output", type=Path, help="the subset to write (.txt.gz)")
    parser.add_argument("data", type=Path, nargs="+", help="CoNLL-2012 or DyGIE JSON files")
    args = parser.parse_args()

    wanted: Set[str] = {word.lower() for path in args.data for word in words_of(path)}
    opener = gzip.open if args.glove.suffix == ".gz" else open
    kept = 0
    with (
        opener(args.glove, "rt", encoding="utf-8") as vectors,
        gzip.open(args.output, "wt", encoding="utf-8") as output,
    ):
        for line in vectors:
            if line.split(" ", 1)[0] in wanted:
                output.write(line)
                kept += 1
    print(f"{kept} of {len(wanted)} words have a vector; wrote {args.output}")


if __name__ == "__main__":
    main()
