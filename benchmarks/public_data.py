"""
The public corpora the benchmarks read by default (paths relative to the repository root), by
the data variable of the configs that a user sets to read other data. A module of its own,
without imports, so that scripts that must not import torch (side_by_side.py) share it.
"""

PUBLIC_DATA = {
    "HMTL_ONTONOTES_TRAIN": "../shared/data/gum/train.gum.gold_conll",
    "HMTL_ONTONOTES_DEV": "../shared/data/gum/dev.gum.gold_conll",
    "HMTL_ACE05_TRAIN": "../shared/data/redocred/train.jsonl",
    "HMTL_ACE05_DEV": "../shared/data/redocred/dev.jsonl",
    "HMTL_GLOVE": "../shared/embeddings/glove.6B.50d.txt.gz",
}
