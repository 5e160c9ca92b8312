// HMTL, NER at the bottom, EMD on NER (a multi-task setup of the paper).
// Run: allennlp train training_config/ner_emd.jsonnet -s output/ner_emd --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner' })
