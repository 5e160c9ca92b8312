#!/usr/bin/env bash
# Trains the rows of docs/RESULTS.md: the full HMTL model, HMTL's four single-task setups and the
# allennlp-models baselines (crf_tagger for NER and EMD, coref for coreference), all with GloVe 6B
# 50d + the character CNN, on public corpora: NER on GUM, EMD/RE/CR on an ACE-format corpus.
#
#   scripts/results/train_runs.sh CORPUS [RUN ...]
#     CORPUS: redocred, scierc or conll04 (the ACE-format corpus of EMD, relations and
#             coreference; conll04 has no coreference)
#     RUN:    any of full ner emd relation coref crf_ner crf_emd coref_baseline, and
#             full_transformer (the full model on frozen MiniLM features, HMTL_TRANSFORMER),
#             emd_relation (EMD, relations between its predicted mentions),
#             full_conll_coref (the full model with coreference from the CoNLL-2012 data: GUM),
#             full_pos (full_conll_coref with a part-of-speech level at the bottom),
#             relation_mhs, emd_relation_mhs, full_mhs (the same with the paper's
#             multi_head_selection relation head instead of the default span_pair),
#             relation_weighted (relation_mhs, positive cells weighted 30 times),
#             coref_conll, coref_baseline_conll (coreference from the CoNLL-2012 data: GUM)
#             (default: all but full_transformer; ner and crf_ner read GUM only, so they are
#             the same for both corpora)
#
# The budget is the same for every run: EPOCHS epochs of STEPS parameter updates each, then a
# pass over the whole dev sets. The defaults fit a 2-core CPU; with more time or a GPU raise them
# (EPOCHS=100 STEPS= runs to convergence: an empty STEPS means one pass over the training data
# per epoch), e.g.  EPOCHS=40 STEPS= CUDA_DEVICE=0 scripts/results/train_runs.sh redocred
#
# Environment: DATA (default ../shared/data), GLOVE (default ../shared/embeddings/glove.6B.50d.txt.gz),
# EPOCHS (4), STEPS (100), THREADS (torch threads, 1), OUT (output/results), CUDA_DEVICE (-1),
# PATIENCE (early stopping: epochs without a better dev score; default the configs' 10) with
# LR_PATIENCE (epochs before the learning rate is halved; default the configs' 5),
# EXTRA (more overrides for every run, e.g. EXTRA='"model.levels.relation.head.hidden_dim": 300')
# with TAG (a suffix of the run names, so that such variants are kept apart).
# The coreference baseline's field adapter is benchmarks/allennlp_models_adapters.py, imported as a
# top-level module (an installed package already takes the name `benchmarks`).
# Each run writes OUT/<corpus>/<run>/ (metrics_epoch_*.json, metrics.json, model.tar.gz) and
# OUT/<corpus>/<run>.log; scripts/results/summarize.py turns them into the tables.
set -euo pipefail
cd "$(dirname "$0")/../.."

corpus=${1:?"usage: $0 redocred|scierc [RUN ...]"}
shift
runs=("$@")
[ ${#runs[@]} -eq 0 ] && runs=(full ner emd relation coref crf_ner crf_emd coref_baseline)

DATA=${DATA:-../shared/data}
EPOCHS=${EPOCHS:-4}
STEPS=${STEPS-100}
THREADS=${THREADS:-1}
OUT=${OUT:-output/results}
CUDA_DEVICE=${CUDA_DEVICE:--1}

export HMTL_ONTONOTES_TRAIN=$DATA/gum/train.gum.gold_conll
export HMTL_ONTONOTES_DEV=$DATA/gum/dev.gum.gold_conll
export HMTL_GLOVE=${GLOVE:-../shared/embeddings/glove.6B.50d.txt.gz}
case $corpus in
  redocred) export HMTL_ACE05_TRAIN=$DATA/redocred/train.jsonl HMTL_ACE05_DEV=$DATA/redocred/dev.jsonl ;;
  scierc) export HMTL_ACE05_TRAIN=$DATA/scierc/train.json HMTL_ACE05_DEV=$DATA/scierc/dev.json ;;
  conll04) export HMTL_ACE05_TRAIN=$DATA/conll04/train.jsonl HMTL_ACE05_DEV=$DATA/conll04/dev.jsonl ;;
  *) echo "unknown corpus $corpus (redocred, scierc or conll04)" >&2; exit 2 ;;
esac
# One thread per run: on a small shared CPU, several torch threads per process mostly wait on
# each other.
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS

mkdir -p "$OUT/$corpus"
# HMTL counts updates with its own scheduler; the baselines' data loader takes batches_per_epoch.
hmtl_budget="\"data_loader.scheduler.steps_per_epoch\": ${STEPS:-null}"
baseline_budget="\"data_loader.batches_per_epoch\": ${STEPS:-null}"
common="\"trainer.num_epochs\": $EPOCHS, \"trainer.cuda_device\": $CUDA_DEVICE"
[ -n "${PATIENCE:-}" ] && common="$common, \"trainer.patience\": $PATIENCE"
[ -n "${LR_PATIENCE:-}" ] && common="$common, \"trainer.learning_rate_scheduler.patience\": $LR_PATIENCE"
# The paper's relation head, as `relation_head: 'multi_head_selection'` in a setup file makes it
# (its reader makes the dense adjacency target it trains on).
mhs="\"dataset_reader.readers.relation.relation_adjacency\": true, \"model.levels.relation.head.type\": \"multi_head_selection\", \"model.levels.relation.head.loss_reduction\": \"mean\", \"model.levels.relation.loss_weight\": 100"
task_counts="\"trainer.callbacks\": [{\"type\": \"hmtl_task_counts\"}, {\"type\": \"hmtl_gradient_norms\", \"tensorboard\": false}]"

baseline_counts() { echo "\"trainer.callbacks\": [{\"type\": \"hmtl_task_counts\", \"task\": \"$1\"}]"; }

for run in "${runs[@]}"; do
  case $run in
    full|full_mhs) config=training_config/hmtl_full.jsonnet ;;
    full_conll_coref) config=training_config/hmtl_full_conll_coref.jsonnet ;;
    full_pos) config=training_config/hmtl_full_pos.jsonnet ;;
    full_transformer) config=training_config/hmtl_full_transformer.jsonnet ;;
    ner|emd|relation|coref|coref_conll) config=training_config/$run.jsonnet ;;
    relation_mhs|relation_weighted) config=training_config/relation.jsonnet ;;
    emd_relation|emd_relation_mhs) config=training_config/emd_relation.jsonnet ;;
    crf_ner) config=training_config/baselines/crf_tagger_ner.jsonnet ;;
    crf_emd) config=training_config/baselines/crf_tagger_emd.jsonnet ;;
    coref_baseline) config=training_config/baselines/coref.jsonnet ;;
    coref_baseline_conll) config=training_config/baselines/coref_conll.jsonnet ;;
    *) echo "unknown run $run" >&2; exit 2 ;;
  esac
  case $run in
    # Task counts and the gradient norms per epoch only: TensorBoard logs would cost time and
    # are not used here.
    full|full_conll_coref|full_pos|full_transformer|ner|emd|relation|coref|coref_conll|emd_relation)
      overrides="{$common, $hmtl_budget, $task_counts}" ;;
    relation_mhs|emd_relation_mhs|full_mhs)
      overrides="{$common, $hmtl_budget, $task_counts, $mhs}" ;;
    # Relation extraction alone, its rare positive cells weighted 30 times.
    relation_weighted)
      overrides="{$common, $hmtl_budget, $task_counts, $mhs, \"model.levels.relation.head.positive_weight\": 30}" ;;
    # The baselines count their updates with the same callback, told their task.
    crf_ner) overrides="{$common, $baseline_budget, $(baseline_counts ner)}" ;;
    crf_emd) overrides="{$common, $baseline_budget, $(baseline_counts emd)}" ;;
    coref_baseline|coref_baseline_conll)
      overrides="{$common, $baseline_budget, $(baseline_counts coref)}" ;;
  esac
  [ -n "${EXTRA:-}" ] && overrides="${overrides%\}}, $EXTRA}"
  name=$run${TAG:+_$TAG}
  echo "$(date -u +%FT%TZ) $corpus/$name: allennlp train $config -o '$overrides'"
  start=$(date +%s)
  PYTHONPATH=benchmarks${PYTHONPATH:+:$PYTHONPATH} .venv/bin/allennlp train "$config" -s "$OUT/$corpus/$name" -f \
    --include-package hmtl_allennlp --include-package allennlp_models_adapters \
    -o "$overrides" > "$OUT/$corpus/$name.log" 2>&1
  echo "$(( $(date +%s) - start ))" > "$OUT/$corpus/$name/wall_seconds"
  echo "$(date -u +%FT%TZ) $corpus/$name: done in $(cat "$OUT/$corpus/$name/wall_seconds") s"
done
