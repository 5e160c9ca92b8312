// HMTL, the full model with a part-of-speech level at the bottom: POS -> NER -> EMD ->
// {relation extraction, coreference}. POS reads column 5 of the CoNLL-2012 files (OntoNotes),
// one plain tag per token, scored by token accuracy; the other levels as in
// hmtl_full_conll_coref.jsonnet, coreference included: POS, NER and coreference all come from the
// CoNLL-2012 files, so this is that setup with a syntactic level under it.
// Not a setup of the paper: the worked example of a level of one's own (README, "Add your own
// task").
// Run: allennlp train training_config/hmtl_full_pos.jsonnet -s output/hmtl_full_pos --include-package hmtl_allennlp
// The data variables are in training_config/hmtl.libsonnet; `source scripts/sample_env.sh` sets
// them to the bundled sample.
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ pos: null, ner: 'pos', emd: 'ner', relation: 'emd', coref: 'emd' }, coref_source='ontonotes')
