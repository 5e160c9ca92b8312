// Baseline for HMTL's EMD: allennlp-models' `crf_tagger` on the EMD instances of the
// `hmtl_ace05` reader (HMTL_ACE05_TRAIN/DEV), GloVe + character CNN as in HMTL.
// Run: PYTHONPATH=benchmarks allennlp train training_config/baselines/crf_tagger_emd.jsonnet -s output/crf_tagger_emd --include-package hmtl_allennlp
//        --include-package allennlp_models_adapters
(import 'crf_tagger.libsonnet')(
  'hmtl_ace05', 'emd', 'emd_tags',
  std.extVar('HMTL_ACE05_TRAIN'), std.extVar('HMTL_ACE05_DEV'),
)
