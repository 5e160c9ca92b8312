#!/usr/bin/env bash
# Two-worker CPU distributed training (gloo) of the full HMTL model (NER -> EMD -> {RE, CR}) on
# the tiny fixture config, with HMTL's multi-task sampling ("hmtl_multitask" loader), the task
# callbacks and the plateau scheduler. Checks that it writes an archive and that both workers
# trained on a batch of the same task at every step. About a minute on two cores; the pytest
# suite has a faster two-worker run with a toy model (tests/training/test_multitask_training.py).
#
#   bash scripts/distributed_smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ALLENNLP=${ALLENNLP:-.venv/bin/allennlp}
PYTHON=${PYTHON:-.venv/bin/python}
OUTPUT=$(mktemp -d)
trap 'rm -rf "$OUTPUT"' EXIT
# The models are tiny: several torch threads per worker only contend for the cores.
export OMP_NUM_THREADS=1

# - max_instances is dropped: in distributed training AllenNLP builds the vocabulary in the main
#   process from an unsharded read, so a capped read there and a capped shard in a worker hold
#   different instances (and labels).
# - find_unused_parameters: a step runs only the levels of its task.
OVERRIDES=$(cat <<'JSON'
{
  "dataset_reader.readers.ner.max_instances": null,
  "dataset_reader.readers.emd.max_instances": null,
  "dataset_reader.readers.relation.max_instances": null,
  "dataset_reader.readers.coref.max_instances": null,
  "data_loader": {
    "type": "hmtl_multitask",
    "scheduler": {"type": "hmtl_sampling", "batch_size": {"ner": 8, "emd": 8, "relation": 4, "coref": 1}}
  },
  "validation_data_loader": {
    "type": "hmtl_multitask",
    "scheduler": {
      "type": "hmtl_sampling",
      "sampling": "sequential",
      "batch_size": {"ner": 8, "emd": 8, "relation": 4, "coref": 1}
    }
  },
  "trainer.num_epochs": 2,
  "trainer.callbacks": [{"type": "hmtl_task_counts"}, {"type": "hmtl_task_patience", "patience": 3}],
  "trainer.learning_rate_scheduler": {"type": "reduce_lr_on_plateau", "factor": 0.5, "patience": 2},
  "distributed": {
    "cuda_devices": [-1, -1],
    "ddp_accelerator": {"type": "torch", "find_unused_parameters": true}
  }
}
JSON
)

"$ALLENNLP" train fixtures/configs/hmtl.jsonnet -s "$OUTPUT/run" --include-package hmtl_allennlp \
    -o "$OVERRIDES" --file-friendly-logging > "$OUTPUT/train.log" 2>&1 \
    || { tail -n 60 "$OUTPUT/train.log"; exit 1; }

test -f "$OUTPUT/run/model.tar.gz" || { echo "no model archive" >&2; exit 1; }
"$PYTHON" - "$OUTPUT/run/metrics.json" <<'PY'
import json
import sys

metrics = json.load(open(sys.argv[1]))
batch_size = {"ner": 8, "emd": 8, "relation": 4, "coref": 1}
for task, size in batch_size.items():
    batches = metrics[f"trained_{task}_batches"]
    instances = metrics[f"trained_{task}_instances"]
    # Each step, both workers train on a full batch of the drawn task.
    assert batches > 0 and instances == 2 * size * batches, (task, batches, instances)
    print(f"{task}: {batches} batches, {instances} instances")
print(f"validation combined_f1: {metrics['validation_combined_f1']:.4f}")
print("distributed smoke run: OK")
PY
