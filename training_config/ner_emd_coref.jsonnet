// HMTL, NER, EMD on NER, coreference on EMD (a multi-task setup of the paper).
// Run: allennlp train training_config/ner_emd_coref.jsonnet -s output/ner_emd_coref --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', coref: 'emd' })
