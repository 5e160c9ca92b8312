// HMTL, the full model with coreference trained on CoNLL-2012 (OntoNotes) instead of ACE05, as
// the released HMTL demo models were.
// Run: allennlp train training_config/hmtl_full_conll_coref.jsonnet -s output/hmtl_full_conll_coref --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' }, coref_source='ontonotes')
