#!/usr/bin/env bash
# Trains one setup of docs/RESULTS.md "Runs to convergence" with early stopping on dev: the full
# HMTL model, each of its tasks alone, and the allennlp-models baselines, all with GloVe 6B 50d +
# the character CNN, one pass over the training data per epoch.
#
#   scripts/results/converge.sh SETUP [RUN ...]
#     SETUP: conll04 (NER and coreference from GUM, EMD and relations from CoNLL04) or
#            scierc (NER from GUM; EMD, relations and coreference from SciERC)
#     RUN:   a subset of the setup's runs (default: all of them, in the order below), e.g. to
#            train two lanes side by side on a 2-core machine.
#
# The paper stops after 10 epochs without a better dev score, for up to 100 epochs. On a 2-core
# CPU that takes days, so here the patience is 3 epochs (the learning rate halves after 2) and
# every run has a cap on its epochs (`caps` below); with a GPU set PATIENCE=10 LR_PATIENCE=5
# CAP=100 (and CUDA_DEVICE=0). The caps of full_conll_coref, full and their variants are high
# enough for patience to stop them (seed 2 of full_conll_coref stopped after 19 epochs, about two
# hours here; the embedding ablation's full runs keep their lower caps): a run cut short by
# the end of a session goes on from its last checkpoint with RECOVER=1 and the same CAP, e.g.
#   RECOVER=1 SEEDS=3 scripts/results/converge.sh conll04 full_conll_coref
# GUM's NER rows are the same in both setups: scierc reuses conll04's ner and crf_ner runs when
# they exist in OUT, and trains them otherwise.
# Every run is trained once per seed of SEEDS (default "default 2 3"): "default" keeps the configs'
# own seeds and the plain run name (<run>, as the runs before seeds were named), a number S sets
# AllenNLP's random, numpy and torch seeds and the task scheduler's to S and names the run
# <run>_seed<S>. Seeds run one after the other within a lane (all seeds of the first run first).
# Each HMTL run then gets its per-item counts (train_runs.sh), and
# scripts/results/seeds_table.py makes the tables over seeds with the significance tests.
# The sampling remedies for starved tasks (conll04 only, not in the default list): full_annealed,
# full_floor, full_temperature, full_uncertainty (the tasks' loss weights learned), e.g.
#   SEEDS="1" scripts/results/converge.sh conll04 full_annealed;
# and full_task_patience, which stops drawing a task once its dev score stalls (fewer updates).
# The embedding ablation (conll04 only, not in the default list either): train_runs.sh's
# *_characters, *_glove, *_transformer and *_transformer_tuned runs; the pairs and triples of
# tasks: ner_emd, ner_emd_relation, emd_coref_conll, ner_emd_coref_conll, full_emd_first_conll.
# Environment: as for train_runs.sh (DATA, GLOVE, OUT, THREADS, CUDA_DEVICE, EXTRA, TAG), and
# SEEDS, PATIENCE, LR_PATIENCE, CAP (a cap on every run's epochs instead of the ones below),
# ANNEAL_EPOCHS (full_annealed, default 15).
set -euo pipefail
cd "$(dirname "$0")/../.."

setup=${1:?"usage: $0 conll04|scierc [RUN ...]"}
shift
case $setup in
  conll04) all=(full_conll_coref ner coref_conll emd relation emd_relation crf_ner crf_emd coref_baseline_conll) ;;
  scierc) all=(full ner emd relation emd_relation coref crf_ner crf_emd coref_baseline) ;;
  *) echo "unknown setup $setup (conll04 or scierc)" >&2; exit 2 ;;
esac
runs=("$@")
[ ${#runs[@]} -eq 0 ] && runs=("${all[@]}")

# Epoch caps, from the epoch times measured here (docs/RESULTS.md): a full-model epoch is 750
# (conll04) to 1,100 (scierc) updates and takes 7 to 10 minutes; CoNLL04's EMD epoch is 29.
declare -A caps=(
  # An epoch of a full model trains each task as much as an epoch of the task alone, so a full
  # model needs about as many epochs as its slowest task alone (EMD + relations: 16 to 19).
  [full_conll_coref]=30 [full_pos]=30 [full]=30
  [full_annealed]=30 [full_floor]=30 [full_temperature]=30 [full_task_patience]=30
  [full_uncertainty]=30
  [ner]=15 [crf_ner]=10
  [coref_conll]=10 [coref]=15 [coref_baseline]=15
  # allennlp-models' coref on GUM takes 10 to 14 minutes an epoch here (its documents are long).
  [coref_baseline_conll]=4
  [emd]=40 [relation]=40 [emd_relation]=40 [crf_emd]=40
  # The embedding ablation (issue 23's runs, not in the default list): MiniLM's features are
  # computed in the first epoch and cached, so later epochs cost about what GloVe's do.
  [full_characters]=8 [full_glove]=8 [full_transformer]=8 [full_transformer_tuned]=4
  [emd_relation_characters]=40 [emd_relation_glove]=40 [emd_relation_transformer]=40
  [emd_relation_transformer_tuned]=25 [ner_transformer]=15 [coref_conll_transformer]=10
  # The pairs and triples of tasks, and the task order (not in the default list either).
  [ner_emd]=15 [ner_emd_relation]=15 [emd_coref_conll]=10 [ner_emd_coref_conll]=10
  [full_emd_first_conll]=8
)
OUT=${OUT:-output/results}
# Annealed sampling is tuned to the length of a run: the proportional full runs stop after 15 to
# 19 epochs, so full_annealed's exponent falls to its lowest by epoch 15, not by its cap of 30.
export ANNEAL_EPOCHS=${ANNEAL_EPOCHS:-15}
export OUT PATIENCE=${PATIENCE:-3} LR_PATIENCE=${LR_PATIENCE:-1} STEPS=

read -r -a seeds <<< "${SEEDS:-default 2 3}"

for run in "${runs[@]}"; do
  for seed in "${seeds[@]}"; do
    if [ "$seed" = default ]; then seed=; fi
    name=$run${TAG:+_$TAG}${seed:+_seed$seed}
    if [ "$setup" = scierc ] && { [ "$run" = ner ] || [ "$run" = crf_ner ]; } \
        && [ -f "$OUT/conll04/$name/metrics.json" ]; then
      mkdir -p "$OUT/scierc"
      ln -sfn "../conll04/$name" "$OUT/scierc/$name"
      echo "scierc/$name: GUM's $name of conll04"
      continue
    fi
    EPOCHS=${CAP:-${caps[$run]:?"unknown run $run for $setup"}} SEED=$seed \
      scripts/results/train_runs.sh "$setup" "$run"
  done
done
