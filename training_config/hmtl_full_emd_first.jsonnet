// HMTL, the full model with the task order changed: EMD at the bottom and NER on EMD (the paper
// compares task orders), relations and coreference on NER.
// Run: allennlp train training_config/hmtl_full_emd_first.jsonnet -s output/hmtl_full_emd_first --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ emd: null, ner: 'emd', relation: 'ner', coref: 'ner' })
