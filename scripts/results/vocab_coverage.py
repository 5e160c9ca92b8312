"""How many dev tokens a vocabulary built from the training data alone covers, extended with the
N most frequent words of a pretrained embeddings file: the measurement behind the templates'
`glove.vocabulary_size` (docs/RESULTS.md, "The vocabulary").

    python scripts/results/vocab_coverage.py EMBEDDINGS --train FILE... --dev FILE... \
        [--sizes 0 10000 ...]

Files ending in .gold_conll (or .conll) are CoNLL-2012 (the word is column 4); any other file is
DyGIE JSON lines. Words are lowercased, as the templates' `single_id` indexer does. Prints one
table row per N: the dev tokens (and word types) unknown to the vocabulary, and the number of
word vectors the model would carry.
"""

import argparse
import gzip
import json
from collections import Counter
from typing import Iterator, List


def words_of(path: str) -> Iterator[str]:
    if path.endswith("_conll") or path.endswith(".conll"):
        with open(path, encoding="utf-8") as conll:
            for line in conll:
                columns = line.split()
                if len(columns) >= 4 and not line.startswith("#"):
                    yield columns[3].lower()
    else:
        with open(path, encoding="utf-8") as jsonl:
            for line in jsonl:
                if line.strip():
                    for sentence in json.loads(line)["sentences"]:
                        yield from (word.lower() for word in sentence)


def embedding_words(path: str) -> List[str]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as embeddings:
        return [line.split(" ", 1)[0] for line in embeddings]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("embeddings")
    parser.add_argument("--train", nargs="+", required=True)
    parser.add_argument("--dev", nargs="+", required=True)
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=int,
        default=[0, 10_000, 25_000, 50_000, 100_000, 200_000, 400_000],
    )
    args = parser.parse_args()

    train_words = {word for path in args.train for word in words_of(path)}
    dev_counts = Counter(word for path in args.dev for word in words_of(path))
    ranked = embedding_words(args.embeddings)
    dev_tokens = sum(dev_counts.values())
    print(f"train word types: {len(train_words):,}; dev tokens: {dev_tokens:,}")
    print(
        "| N (embedding words added) | vocabulary size | dev tokens unknown | dev types unknown |"
    )
    print("|---|---|---|---|")
    for size in args.sizes:
        vocabulary = train_words | set(ranked[:size])
        unknown = [word for word in dev_counts if word not in vocabulary]
        unknown_tokens = sum(dev_counts[word] for word in unknown)
        print(
            f"| {size:,} | {len(vocabulary):,} "
            f"| {unknown_tokens:,} ({100 * unknown_tokens / dev_tokens:.2f} %) "
            f"| {len(unknown):,} ({100 * len(unknown) / len(dev_counts):.2f} %) |"
        )


if __name__ == "__main__":
    main()
