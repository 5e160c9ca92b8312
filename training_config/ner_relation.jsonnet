// HMTL, NER at the bottom and relations on NER, between the gold mentions of the input: a pair
// the original release could not train without writing a model class.
// Run: allennlp train training_config/ner_relation.jsonnet -s output/ner_relation --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, relation: 'ner' })
