#!/usr/bin/env bash
# Trains the rows of docs/RESULTS.md "The vocabulary": runs of converge.sh (patience 3, its epoch
# caps, one pass over the training data per epoch, GUM + CoNLL04) with a vocabulary from the
# training data alone, under each way of treating GloVe.
#
#   scripts/results/vocabulary_runs.sh VARIANT RUN [RUN ...]
#     VARIANT: old                the earlier default with a train-only vocabulary: the training
#                                 data's words only, GloVe fine-tuned (glove_vocabulary_size:: 0)
#              fine_tuned         training words + the 100,000 most frequent GloVe words, all
#                                 trainable (glove_mode:: 'fine_tuned')
#              frozen             the same vocabulary, GloVe frozen (glove_mode:: 'frozen')
#              frozen_projection  the same, frozen, with a trained linear map on top
#                                 (glove_mode:: 'frozen_projection')
#     RUN:     runs of converge.sh's conll04 setup (ner, emd, emd_relation, coref_conll,
#              full_conll_coref, crf_ner, crf_emd)
# Each variant is the config's own template field set through overrides of the values it computes;
# the runs land in OUT/conll04/<run>_vocab_<variant>/, or <run>_vocab_<variant>_seed<SEED>/ with
# SEED set (AllenNLP's random, numpy and torch seeds and the task scheduler's; unset: the
# configs' defaults).
set -euo pipefail
cd "$(dirname "$0")/../.."

variant=${1:?"usage: $0 old|fine_tuned|frozen|frozen_projection RUN [RUN ...]"}
shift
glove='"model.text_field_embedder.token_embedders.tokens'
case $variant in
  old) EXTRA='"vocabulary.min_pretrained_embeddings.tokens": 0' ;;
  fine_tuned) EXTRA="$glove.trainable\": true" ;;
  frozen) EXTRA="$glove.trainable\": false" ;;
  frozen_projection) EXTRA="$glove.trainable\": false, $glove.projection_dim\": 50" ;;
  *) echo "unknown variant $variant" >&2; exit 2 ;;
esac
# One seed per call: converge.sh sets the seeds and names the run.
export EXTRA TAG=vocab_$variant SEEDS=${SEED:-default}
exec scripts/results/converge.sh conll04 "$@"
