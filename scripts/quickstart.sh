#!/usr/bin/env bash
# The quick start: trains the full HMTL model (training_config/hmtl_full.jsonnet) on the sample
# bundled in fixtures/sample/, evaluates the archive on the sample's dev split (all four tasks,
# one metrics file), checks that the predictor's outputs score what evaluation reports on it, and
# predicts on a few raw-text documents. Every run writes to a new folder
# under output/, so nothing from an earlier run is overwritten.
#   QUICKSTART_EPOCHS (default 3): training epochs; the config's own default is the paper's 100.
set -euo pipefail
cd "$(dirname "$0")/.."

allennlp=.venv/bin/allennlp
# The configs read their data from environment variables: here, the bundled sample's.
source scripts/sample_env.sh
epochs=${QUICKSTART_EPOCHS:-3}
run_dir="output/quickstart-$(date +%Y%m%d-%H%M%S)"
start=$(date +%s)

echo "quickstart: training training_config/hmtl_full.jsonnet for $epochs epochs into $run_dir"
"$allennlp" train training_config/hmtl_full.jsonnet -s "$run_dir" --include-package hmtl_allennlp \
    -o "{\"trainer.num_epochs\": $epochs}"

echo "quickstart: evaluating every task on the sample's dev split"
dev_paths=$(printf '{"ner": "%s", "emd": "%s", "relation": "%s", "coref": "%s"}' \
    fixtures/sample/dev.gold_conll fixtures/sample/dev.jsonl fixtures/sample/dev.jsonl fixtures/sample/dev.jsonl)
"$allennlp" evaluate "$run_dir/model.tar.gz" "$dev_paths" --include-package hmtl_allennlp \
    --output-file "$run_dir/dev_metrics.json"

echo "quickstart: checking that prediction scores what evaluation scores (scripts/prediction_parity.py)"
.venv/bin/python scripts/prediction_parity.py "$run_dir/model.tar.gz" "$dev_paths" 2>"$run_dir/prediction_parity.log" \
    | tee "$run_dir/prediction_parity.txt"

echo "quickstart: predicting on fixtures/sample/raw_text.jsonl"
"$allennlp" predict "$run_dir/model.tar.gz" fixtures/sample/raw_text.jsonl --include-package hmtl_allennlp \
    --output-file "$run_dir/predictions.jsonl" --silent

cat <<DONE

quickstart: done in $(( $(date +%s) - start )) s.
  archive:      $run_dir/model.tar.gz
  training:     $run_dir/metrics.json (per epoch: $run_dir/metrics_epoch_*.json; tensorboard: $run_dir/log)
  dev metrics:  $run_dir/dev_metrics.json (predict against evaluate: $run_dir/prediction_parity.txt)
  predictions:  $run_dir/predictions.jsonl
DONE
