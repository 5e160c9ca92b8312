// HMTL, the full model (setup A of the paper): NER at the bottom, EMD on NER, relations and
// coreference side by side on EMD, all four trained jointly with proportional task sampling.
// NER reads CoNLL-2012 (OntoNotes), EMD, relations and coreference read DyGIE JSON (ACE05).
// Run: allennlp train training_config/hmtl_full.jsonnet -s output/hmtl_full --include-package hmtl_allennlp
// The data variables are in training_config/hmtl.libsonnet; `source scripts/sample_env.sh` sets
// them to the bundled sample.
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' })
