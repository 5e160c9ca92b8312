// HMTL, relation extraction (between the gold mentions of the input) alone (single-task setup D of the paper).
// Run: allennlp train training_config/relation.jsonnet -s output/relation --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ relation: null })
