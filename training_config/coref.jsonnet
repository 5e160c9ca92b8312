// HMTL, coreference resolution alone (single-task setup E of the paper).
// Run: allennlp train training_config/coref.jsonnet -s output/coref --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ coref: null })
