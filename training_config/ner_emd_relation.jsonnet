// HMTL, NER, EMD on NER, relations on EMD (a multi-task setup of the paper).
// Run: allennlp train training_config/ner_emd_relation.jsonnet -s output/ner_emd_relation --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd' })
