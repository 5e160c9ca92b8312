// HMTL, EMD at the bottom, relations on EMD (between predicted mentions) (a multi-task setup of the paper).
// Run: allennlp train training_config/emd_relation.jsonnet -s output/emd_relation --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ emd: null, relation: 'emd' })
