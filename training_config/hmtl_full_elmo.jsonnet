// HMTL, the full model with the paper's base embeddings: GloVe + character CNN + ELMo (frozen
// biLM, trained scalar mix). Needs HMTL_ELMO_OPTIONS and HMTL_ELMO_WEIGHTS (and HMTL_ELMO_DIM if
// the ELMo output is not 1024-d).
// Run: HMTL_ELMO_OPTIONS=options.json HMTL_ELMO_WEIGHTS=weights.hdf5 allennlp train training_config/hmtl_full_elmo.jsonnet -s output/hmtl_full_elmo --include-package hmtl_allennlp
local hmtl = import 'hmtl.libsonnet';

hmtl.hmtl({ ner: null, emd: 'ner', relation: 'emd', coref: 'emd' }, embedding='glove_characters_elmo')
