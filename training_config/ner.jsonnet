// HMTL, named entity recognition alone (single-task setup B of the paper).
// Run: allennlp train training_config/ner.jsonnet -s output/ner --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null })
