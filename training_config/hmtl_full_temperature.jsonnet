// HMTL, the full model with temperature sampling: p_t proportional to N_t^(1/T), here T = 2
// (T = 1 is proportional sampling, a large T tends to uniform).
// Run: allennlp train training_config/hmtl_full_temperature.jsonnet -s output/hmtl_full_temperature --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' }, sampling='temperature', temperature=2.0)
