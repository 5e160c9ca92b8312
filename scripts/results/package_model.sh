#!/usr/bin/env bash
# Puts a trained full model into models/NAME/ (replacing the one there): its model.tar.gz, its
# dev scores on the shared GUM and CoNLL04 dev files (dev_metrics.json, from `allennlp
# evaluate`), and its output on models/NAME/example.jsonl (example_output.jsonl, from `allennlp
# predict`), which the model card, the README and tests/models/test_pretrained_model.py quote.
#
#   scripts/results/package_model.sh RUN_DIR NAME
#
# e.g. scripts/results/package_model.sh output/converge/conll04/full_conll_coref hmtl_gum_conll04
# Environment: DATA (default ../shared/data). Refuses an archive over 40 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."

run_dir=${1:?"usage: $0 RUN_DIR NAME"}
name=${2:?"usage: $0 RUN_DIR NAME"}
DATA=${DATA:-../shared/data}
target=models/$name
archive=$run_dir/model.tar.gz
[ -f "$archive" ] || { echo "$archive: no such archive" >&2; exit 1; }
size=$(stat -c %s "$archive")
[ "$size" -le $((40 * 1024 * 1024)) ] || { echo "$archive: $size bytes, over 40 MB" >&2; exit 1; }
[ -f "$target/example.jsonl" ] || { echo "$target/example.jsonl: the example input is missing" >&2; exit 1; }

cp "$archive" "$target/model.tar.gz"
dev=$(printf '{"ner": "%s", "coref": "%s", "emd": "%s", "relation": "%s"}' \
    "$DATA/gum/dev.gum.gold_conll" "$DATA/gum/dev.gum.gold_conll" \
    "$DATA/conll04/dev.jsonl" "$DATA/conll04/dev.jsonl")
OMP_NUM_THREADS=1 .venv/bin/allennlp evaluate "$target/model.tar.gz" "$dev" \
    --include-package hmtl_allennlp --output-file "$target/dev_metrics.json" > /dev/null 2>&1
OMP_NUM_THREADS=1 .venv/bin/allennlp predict "$target/model.tar.gz" "$target/example.jsonl" \
    --include-package hmtl_allennlp --output-file "$target/example_output.jsonl" --silent
echo "$target: model.tar.gz ($size bytes), dev_metrics.json, example_output.jsonl"
