// HMTL, the full model of hmtl_full_conll_coref.jsonnet (coreference from CoNLL-2012 files) with a
// floor under every task's share of the updates: proportional sampling (the paper's), then each
// task drawn with probability at least 0.1, the others sharing the rest in proportion. On GUM +
// CoNLL04, EMD gets 3.5 % of the updates under proportional sampling; here 10 %.
// Run: allennlp train training_config/hmtl_full_conll_coref_floor.jsonnet -s output/hmtl_full_conll_coref_floor --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' }, coref_source='ontonotes', min_task_probability=0.1)
