// HMTL, the full model with character-CNN embeddings only (no pretrained word vectors): an
// embedding ablation.
// Run: allennlp train training_config/hmtl_full_characters.jsonnet -s output/hmtl_full_characters --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' }, embedding='characters')
