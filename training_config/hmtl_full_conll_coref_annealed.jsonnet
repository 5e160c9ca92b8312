// HMTL, the full model of hmtl_full_conll_coref.jsonnet (coreference from CoNLL-2012 files) with
// annealed task sampling (Stickland and Murray 2019, "BERT and PALs"): p_t proportional to
// N_t^alpha, alpha falling from 1 (the paper's proportional sampling) in the first epoch to 0.2
// in the last (`anneal_epochs`, by default the trainer's num_epochs; set it with the epochs when
// overriding them), so that EMD, the task with the least data, gets more of the later updates.
// Run: allennlp train training_config/hmtl_full_conll_coref_annealed.jsonnet -s output/hmtl_full_conll_coref_annealed --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' }, coref_source='ontonotes', sampling='annealed')
