// HMTL, entity mention detection alone (single-task setup C of the paper).
// Run: allennlp train training_config/emd.jsonnet -s output/emd --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ emd: null })
