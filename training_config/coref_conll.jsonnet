// HMTL, coreference resolution alone, trained on CoNLL-2012 files (OntoNotes, or GUM in
// docs/RESULTS.md: HMTL_ONTONOTES_TRAIN/DEV), as hmtl_full_conll_coref.jsonnet trains it.
// Run: allennlp train training_config/coref_conll.jsonnet -s output/coref_conll --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ coref: null }, coref_source='ontonotes')
