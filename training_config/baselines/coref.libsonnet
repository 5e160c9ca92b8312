// allennlp-models' `coref` model (Lee et al. 2017) at the sizes of HMTL's coreference level
// (BiLSTM 200 x 1, 2 x 150 feed-forward nets, width features of 20, spans up to 8 tokens, 0.4
// spans per word, 70 antecedents), with HMTL's embeddings and trainer. A config gives the data:
//   local coref = import 'coref.libsonnet';
//   coref.config(dataset_reader, train_data_path, validation_data_path)
// with a reader built with `coref.reader_options` (HMTL's token indexers, spans up to 8 tokens).
local base = import 'embeddings.libsonnet';
local span_width = 8;
local context_dim = 2 * 200;
local span_dim = 2 * context_dim + 20 + base.dim;

{
  reader_options: { token_indexers: base.indexers, max_span_width: span_width },
  config(dataset_reader, train_data_path, validation_data_path): base.vocabulary_options {
    dataset_reader: dataset_reader,
    train_data_path: train_data_path,
    validation_data_path: validation_data_path,
    data_loader: { batch_size: 1, shuffle: true },
    validation_data_loader: { batch_size: 1 },
    model: {
      type: 'coref',
      text_field_embedder: base.embedder,
      context_layer: {
        type: 'lstm',
        input_size: base.dim,
        hidden_size: 200,
        num_layers: 1,
        bidirectional: true,
      },
      mention_feedforward: {
        input_dim: span_dim,
        num_layers: 2,
        hidden_dims: 150,
        activations: 'relu',
        dropout: 0.3,
      },
      antecedent_feedforward: {
        input_dim: 3 * span_dim + 20,
        num_layers: 2,
        hidden_dims: 150,
        activations: 'relu',
        dropout: 0.3,
      },
      feature_size: 20,
      max_span_width: span_width,
      spans_per_word: 0.4,
      max_antecedents: 70,
      lexical_dropout: 0.5,
    },
    trainer: base.trainer('+coref_f1'),
  },
}
