// Baseline for HMTL's coreference: allennlp-models' `coref` model (Lee et al. 2017, sizes in
// coref.libsonnet) on the coreference instances of the `hmtl_ace05` reader (HMTL_ACE05_TRAIN/DEV).
// Those name the text `tokens` and keep gold clusters under `gold_clusters`;
// `benchmarks/allennlp_models_adapters.py` renames them to what `coref` expects (`text`, metadata
// `original_text`/`clusters`). coref_conll.jsonnet is the same model on CoNLL-2012 files.
// Run: PYTHONPATH=benchmarks allennlp train training_config/baselines/coref.jsonnet
//        -s output/coref_baseline --include-package hmtl_allennlp --include-package allennlp_models_adapters
local coref = import 'coref.libsonnet';

coref.config(
  {
    type: 'hmtl_coref_for_allennlp_models',
    reader: coref.reader_options { type: 'hmtl_ace05', task: 'coref' },
  },
  std.extVar('HMTL_ACE05_TRAIN'),
  std.extVar('HMTL_ACE05_DEV'),
)
