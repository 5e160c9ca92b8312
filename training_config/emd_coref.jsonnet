// HMTL, EMD at the bottom, coreference on EMD (a multi-task setup of the paper).
// Run: allennlp train training_config/emd_coref.jsonnet -s output/emd_coref --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ emd: null, coref: 'emd' })
