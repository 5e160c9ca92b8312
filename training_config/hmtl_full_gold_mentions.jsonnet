// HMTL, the full model with coreference on gold mentions (setup A-GM of the paper): coreference
// candidates are the gold mentions, in training and evaluation. To evaluate an archive trained
// without it on gold mentions, see the override in README.md instead.
// Run: allennlp train training_config/hmtl_full_gold_mentions.jsonnet -s output/hmtl_full_gm --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' }, coref_gold_mentions=true)
