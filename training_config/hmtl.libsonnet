// The one template of every HMTL setup (Sanh, Wolf and Ruder, "A Hierarchical Multi-task
// Approach for Learning Embeddings from Semantic Tasks", AAAI 2019). A setup file names its
// levels (task -> the level it sits on) and, if it wants, the coreference data, the task
// sampling and the embeddings; everything else, every dimension included, is computed here.
//
// Data comes from environment variables (a variable you do not set defaults to the sample
// bundled in fixtures/sample/; see README.md):
//   HMTL_ONTONOTES_TRAIN, HMTL_ONTONOTES_DEV   CoNLL-2012 *gold_conll file or directory (NER)
//   HMTL_ACE05_TRAIN, HMTL_ACE05_DEV           DyGIE JSON lines (EMD, relations, coreference)
//   HMTL_GLOVE                                 GloVe text file (.txt or .txt.gz)
//   HMTL_ELMO_OPTIONS, HMTL_ELMO_WEIGHTS, HMTL_ELMO_DIM    ELMo, for the "elmo" embeddings
//   HMTL_TRANSFORMER, HMTL_TRANSFORMER_DIM     a pretrained transformer, for "transformer"
// Sizes are the paper's (its GloVe was 100d; the sample ships GloVe 6B 50d).

local env(name) = std.extVar(name);
local required_env(name, purpose) =
  if env(name) == '' then error 'Set ' + name + ' (' + purpose + ').' else env(name);

// ---- Base embeddings -------------------------------------------------------------------
local glove = {
  indexers: { tokens: { type: 'single_id', lowercase_tokens: true } },
  embedders: {
    tokens: {
      type: 'embedding',
      embedding_dim: 50,
      pretrained_file: env('HMTL_GLOVE'),
      trainable: true,  // fine-tuned, as in the paper
    },
  },
  dim: 50,
};
local characters = {
  indexers: { token_characters: { type: 'characters', min_padding_length: 3 } },
  embedders: {
    token_characters: {
      type: 'character_encoding',
      embedding: { embedding_dim: 16, vocab_namespace: 'token_characters' },
      encoder: { type: 'cnn', embedding_dim: 16, num_filters: 64, ngram_filter_sizes: [3] },
      dropout: 0.1,
    },
  },
  dim: 64,
};
local elmo = {
  indexers: { elmo: { type: 'elmo_characters' } },
  embedders: {
    elmo: {
      type: 'elmo_token_embedder',
      options_file: required_env('HMTL_ELMO_OPTIONS', 'the ELMo options.json'),
      weight_file: required_env('HMTL_ELMO_WEIGHTS', 'the ELMo weights .hdf5'),
      do_layer_norm: false,
      dropout: 0.5,
      requires_grad: false,  // the biLM stays frozen; its scalar mix is trained
    },
  },
  dim: std.parseInt(env('HMTL_ELMO_DIM')),
};
local transformer = {
  indexers: {
    // max_length: documents (coreference) longer than the transformer's 512 wordpieces are
    // encoded in windows of 512.
    transformer: {
      type: 'pretrained_transformer_mismatched',
      model_name: env('HMTL_TRANSFORMER'),
      max_length: 512,
    },
  },
  embedders: {
    transformer: {
      type: 'pretrained_transformer_mismatched',
      model_name: env('HMTL_TRANSFORMER'),
      max_length: 512,
      train_parameters: false,  // frozen features, like ELMo in the paper; cheap on a CPU
    },
  },
  dim: std.parseInt(env('HMTL_TRANSFORMER_DIM')),
};
local combine(parts) = {
  indexers: std.foldl(function(all, part) all + part.indexers, parts, {}),
  embedders: std.foldl(function(all, part) all + part.embedders, parts, {}),
  dim: std.foldl(function(total, part) total + part.dim, parts, 0),
};
local embeddings = {
  glove_characters: combine([glove, characters]),  // the default
  characters: combine([characters]),
  glove_characters_elmo: combine([glove, characters, elmo]),  // the paper's recipe
  transformer: combine([transformer]),
};

// ---- Data ------------------------------------------------------------------------------
local sources = {
  ontonotes: {
    reader: { type: 'hmtl_ontonotes' },
    train: env('HMTL_ONTONOTES_TRAIN'),
    dev: env('HMTL_ONTONOTES_DEV'),
  },
  ace05: {
    reader: { type: 'hmtl_ace05' },
    train: env('HMTL_ACE05_TRAIN'),
    dev: env('HMTL_ACE05_DEV'),
  },
};
// The paper's batches: 32 sentences (NER, EMD), 4 sentences (RE), 1 document (CR).
local batch_sizes = { ner: 32, emd: 32, relation: 4, coref: 1 };

// ---- Levels ----------------------------------------------------------------------------
local encoder_sizes = {
  ner: { hidden_size: 64, num_layers: 2, dropout: 0.2 },
  emd: { hidden_size: 64, num_layers: 2, dropout: 0.2 },
  relation: { hidden_size: 64, num_layers: 3, dropout: 0.0 },
  coref: { hidden_size: 200, num_layers: 1, dropout: 0.0 },
};
local output_dim(task) = 2 * encoder_sizes[task].hidden_size;
local coref_max_span_width = 8;

// Relation heads. span_pair (the default, chosen by CoNLL04 dev F1, see docs/RESULTS.md)
// classifies pairs of candidate mentions; multi_head_selection is the paper's head (Bekoulis et
// al. 2018), one sigmoid per token pair and label.
local relation_heads = {
  span_pair: { type: 'span_pair' },
  multi_head_selection: { type: 'multi_head_selection', loss_reduction: 'mean' },
};
// Loss scales: one Adam updates every task here (the original had one Adam per task), so the
// losses are kept of a similar size: the CRF loss is the mean over the sentences of a batch, the
// span_pair loss the mean over the sentences of their pairs' summed cross-entropy, and the
// multi-head selection loss the mean over its cells times 100 (the original's relation scaling).
local relation_loss_weights = { span_pair: 1, multi_head_selection: 100 };
local head(task, mention_level, gold_mentions, relation_head) =
  if task == 'ner' || task == 'emd' then { type: 'crf_tagger', dropout: 0.2, loss_reduction: 'mean' }
  else if task == 'relation' then relation_heads[relation_head] {
    [if mention_level != null then 'mention_level']: mention_level,
  }
  else if task == 'coref' then {
    type: 'coref',
    feature_size: 20,
    max_span_width: coref_max_span_width,
    spans_per_word: 0.4,
    max_antecedents: 70,
    lexical_dropout: 0.5,
    gold_mentions: gold_mentions,
  }
  else error 'Unknown task ' + task + ' (HMTL has ner, emd, relation and coref).';

{
  // levels : {task: the level it sits on, or null for the bottom level}
  // coref_source : "ace05" (the paper) or "ontonotes" (the released demo models)
  // relation_mention_level : the tagger level whose predicted mentions are the relation
  //   arguments (null: the gold mentions of the input); by default "emd" when there is one
  // sampling, temperature : the task sampling of the "hmtl_sampling" scheduler
  // embedding : a key of `embeddings` above
  // coref_gold_mentions : coreference candidates restricted to gold mentions (the GM setups)
  // relation_head : "span_pair" (the default) or "multi_head_selection" (the paper's)
  hmtl(levels,
       coref_source='ace05',
       relation_mention_level=if std.objectHas(levels, 'emd') then 'emd' else null,
       sampling='proportional',
       temperature=null,
       embedding='glove_characters',
       coref_gold_mentions=false,
       relation_head='span_pair')::
    local tasks = std.objectFields(levels);
    local source(task) =
      if task == 'ner' then sources.ontonotes
      else if task == 'coref' then sources[coref_source]
      else sources.ace05;
    local base = embeddings[embedding];
    {
      dataset_reader: {
        type: 'multitask',
        readers: {
          [task]: source(task).reader {
            task: task,
            token_indexers: base.indexers,
            [if task == 'coref' then 'max_span_width']: coref_max_span_width,
          }
          for task in tasks
        },
      },
      train_data_path: { [task]: source(task).train for task in tasks },
      validation_data_path: { [task]: source(task).dev for task in tasks },
      // After every update, the task of the next batch is drawn at random (proportionally to
      // the number of batches of each task by default); validation passes over all dev data.
      // A task's batches hold sentences of similar lengths, which saves the time spent on
      // padding (docs/BENCHMARKS.md).
      data_loader: {
        type: 'hmtl_multitask',
        bucket_by_length: true,
        scheduler: {
          type: 'hmtl_sampling',
          batch_size: { [task]: batch_sizes[task] for task in tasks },
          sampling: sampling,
          [if temperature != null then 'temperature']: temperature,
        },
      },
      validation_data_loader: self.data_loader {
        scheduler+: { sampling: 'sequential', temperature:: null },
      },
      model: {
        type: 'hmtl',
        text_field_embedder: { token_embedders: base.embedders },
        levels: {
          [task]: {
            parent: levels[task],
            loss_weight: if task == 'relation' then relation_loss_weights[relation_head] else 1,
            encoder: {
              type: 'lstm',
              input_size: base.dim + (if levels[task] == null then 0 else output_dim(levels[task])),
              hidden_size: encoder_sizes[task].hidden_size,
              num_layers: encoder_sizes[task].num_layers,
              dropout: encoder_sizes[task].dropout,
              bidirectional: true,
            },
            head: head(task, relation_mention_level, coref_gold_mentions, relation_head),
          }
          for task in tasks
        },
      },
      trainer: {
        num_epochs: 100,
        patience: 10,
        // The mean of the tasks' main F1 (NER/EMD span F1, strict relation F1, CoNLL
        // coreference F1): one checkpoint for all tasks.
        validation_metric: '+combined_f1',
        grad_norm: 5.0,
        optimizer: { type: 'adam', lr: 0.001 },
        // Halves the learning rate when combined_f1 stalls: always "max" mode on the validation
        // metric (the original used "min" on an F1 score, halving it whatever happened).
        learning_rate_scheduler: { type: 'reduce_lr_on_plateau', factor: 0.5, patience: 5 },
        // hmtl_gradient_norms: each task's gradient norm on every shared level, per batch in
        // TensorBoard and per epoch in the metrics (how hard each task pulls on the levels
        // under it; see the loss scales above).
        callbacks: [
          { type: 'tensorboard' },
          { type: 'hmtl_task_counts' },
          { type: 'hmtl_gradient_norms' },
        ],
      },
    },
}
