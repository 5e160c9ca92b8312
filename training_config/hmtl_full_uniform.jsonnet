// HMTL, the full model with uniform task sampling (p = 1/4 per task), the alternative the paper
// compares with proportional sampling.
// Run: allennlp train training_config/hmtl_full_uniform.jsonnet -s output/hmtl_full_uniform --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' }, sampling='uniform')
