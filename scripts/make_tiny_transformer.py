"""
Writes a tiny, randomly initialised BERT (weights, config and a word-piece vocabulary) into a
folder that `transformers` loads offline by path, for the tests of the transformer embeddings:

    .venv/bin/python scripts/make_tiny_transformer.py fixtures/transformers/tiny-bert \
        fixtures/data/gum_sample.gold_conll fixtures/data/redocred_sample.jsonl

The vocabulary holds BERT's special tokens, every character seen in the data (alone and as a
"##" continuation) and the data's most frequent lowercased words, so that the fixture texts are
split into word pieces as a real vocabulary would split them. Its 2 layers of 16 dimensions and 64
positions keep the folder small and let the tests reach the position limit with short texts.
The seed is fixed: the same data gives the same folder.
"""

import argparse
from collections import Counter
from pathlib import Path

import torch
from transformers import BertConfig, BertModel, BertTokenizer

from make_glove_subset import words_of

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="the model folder to write")
    parser.add_argument("data", type=Path, nargs="+", help="CoNLL-2012 or DyGIE JSON files")
    parser.add_argument("--words", type=int, default=300, help="most frequent words to add")
    args = parser.parse_args()

    counts = Counter(word.lower() for path in args.data for word in words_of(path))
    characters = sorted({character for word in counts for character in word})
    words = [word for word, _ in counts.most_common() if len(word) > 1][: args.words]
    vocabulary = SPECIAL_TOKENS + characters + ["##" + c for c in characters] + sorted(words)

    args.output.mkdir(parents=True, exist_ok=True)
    vocab_file = args.output / "vocab.txt"
    vocab_file.write_text("".join(piece + "\n" for piece in vocabulary), encoding="utf-8")
    BertTokenizer(str(vocab_file), do_lower_case=True).save_pretrained(str(args.output))

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocabulary),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(str(args.output))
    print(f"{len(vocabulary)} word pieces; wrote {args.output}")


if __name__ == "__main__":
    main()
