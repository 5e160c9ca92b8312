// Baseline for HMTL's coreference on CoNLL-2012 files (OntoNotes, or GUM in docs/RESULTS.md):
// allennlp-models' `coref` model (sizes in coref.libsonnet) on the coreference instances of the
// `hmtl_ontonotes` reader (HMTL_ONTONOTES_TRAIN/DEV), as training_config/coref_conll.jsonnet trains
// HMTL's level. Not allennlp-models' own CoNLL-2012 reader: it parses every constituency tree
// with NLTK and stops on GUM's (a bracket in a token); the field adapter is coref.jsonnet's.
// Run: PYTHONPATH=benchmarks allennlp train training_config/baselines/coref_conll.jsonnet
//        -s output/coref_baseline_conll --include-package hmtl_allennlp
//        --include-package allennlp_models_adapters
local coref = import 'coref.libsonnet';

coref.config(
  {
    type: 'hmtl_coref_for_allennlp_models',
    reader: coref.reader_options { type: 'hmtl_ontonotes', task: 'coref' },
  },
  std.extVar('HMTL_ONTONOTES_TRAIN'),
  std.extVar('HMTL_ONTONOTES_DEV'),
)
