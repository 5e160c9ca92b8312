// The base embeddings of the HMTL configs (GloVe 6B 50d, fine-tuned, plus a character CNN of
// 16-d characters and 64 filters of width 3), so that a baseline differs from HMTL in its model
// only. Kept in step with `glove_characters` of training_config/hmtl.libsonnet.
local hmtl = import '../hmtl.libsonnet';

{
  indexers: {
    tokens: { type: 'single_id', lowercase_tokens: true },
    token_characters: { type: 'characters', min_padding_length: 3 },
  },
  embedder: {
    token_embedders: {
      tokens: {
        type: 'embedding',
        embedding_dim: 50,
        pretrained_file: std.extVar('HMTL_GLOVE'),
        trainable: true,
      },
      token_characters: {
        type: 'character_encoding',
        embedding: { embedding_dim: 16, vocab_namespace: 'token_characters' },
        encoder: { type: 'cnn', embedding_dim: 16, num_filters: 64, ngram_filter_sizes: [3] },
        dropout: 0.1,
      },
    },
  },
  dim: 50 + 64,
  // The vocabulary of the HMTL configs: the training data's words and the template's
  // `glove_vocabulary_size` most frequent GloVe words, GloVe checked first (see `vocabulary` in
  // training_config/hmtl.libsonnet).
  vocabulary_options: {
    datasets_for_vocab_creation: ['train'],
    vocabulary: {
      type: 'from_instances_checked',
      pretrained_files: { tokens: std.extVar('HMTL_GLOVE') },
      embedding_dims: { tokens: 50 },
      min_pretrained_embeddings: { tokens: hmtl.HMTL.glove_vocabulary_size },
    },
  },
  // The trainer of the HMTL configs, so that every row is optimised the same way.
  trainer(validation_metric): {
    num_epochs: 100,
    patience: 10,
    validation_metric: validation_metric,
    grad_norm: 5.0,
    optimizer: { type: 'adam', lr: 0.001 },
    learning_rate_scheduler: { type: 'reduce_lr_on_plateau', factor: 0.5, patience: 5 },
  },
}
