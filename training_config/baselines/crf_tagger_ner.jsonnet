// Baseline for HMTL's NER: allennlp-models' `crf_tagger` on the NER instances of the
// `hmtl_ontonotes` reader (HMTL_ONTONOTES_TRAIN/DEV), GloVe + character CNN as in HMTL.
// Run: PYTHONPATH=benchmarks allennlp train training_config/baselines/crf_tagger_ner.jsonnet -s output/crf_tagger_ner --include-package hmtl_allennlp
//        --include-package allennlp_models_adapters
(import 'crf_tagger.libsonnet')(
  'hmtl_ontonotes', 'ner', 'ner_tags',
  std.extVar('HMTL_ONTONOTES_TRAIN'), std.extVar('HMTL_ONTONOTES_DEV'),
)
