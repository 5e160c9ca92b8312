// allennlp-models' `crf_tagger` (BiLSTM + CRF, the model of its NER recipes) on the sentence
// instances of the HMTL readers. `tokens` and the BIOUL `tags` fit `crf_tagger` as they are (the
// tag namespace is passed as the model's `label_namespace`), but it reads the words from
// `metadata["words"]`, so benchmarks/allennlp_models_adapters.py renames the metadata. The
// encoder is allennlp-models' recipe (BiLSTM 200 x 2, dropout 0.5).
local base = import 'embeddings.libsonnet';

function(reader_type, task, tag_namespace, train, dev) base.vocabulary_options {
  dataset_reader: {
    type: 'hmtl_tags_for_allennlp_models',
    reader: { type: reader_type, task: task, token_indexers: base.indexers },
  },
  train_data_path: train,
  validation_data_path: dev,
  data_loader: { batch_size: 32, shuffle: true },
  validation_data_loader: { batch_size: 32 },
  model: {
    type: 'crf_tagger',
    label_namespace: tag_namespace,
    label_encoding: 'BIOUL',
    constrain_crf_decoding: true,
    calculate_span_f1: true,
    dropout: 0.5,
    include_start_end_transitions: false,
    text_field_embedder: base.embedder,
    encoder: {
      type: 'lstm',
      input_size: base.dim,
      hidden_size: 200,
      num_layers: 2,
      dropout: 0.5,
      bidirectional: true,
    },
  },
  trainer: base.trainer('+f1-measure-overall'),
}
