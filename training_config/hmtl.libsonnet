// The one template of every HMTL setup (Sanh, Wolf and Ruder, "A Hierarchical Multi-task
// Approach for Learning Embeddings from Semantic Tasks", AAAI 2019). A setup file names its
// levels (task -> the level it sits on) and, if it wants, overrides any other choice (the
// coreference data, the task sampling, the embeddings, level sizes, batch sizes, loss weights:
// the hidden fields of `HMTL` below); everything else, every dimension included, is computed
// here.
//
// Data comes from environment variables (a run stops at the first one that is not set, naming
// it; `source scripts/sample_env.sh` sets them to the sample bundled in fixtures/sample/):
//   HMTL_ONTONOTES_TRAIN, HMTL_ONTONOTES_DEV   CoNLL-2012 *gold_conll file or directory (NER)
//   HMTL_ACE05_TRAIN, HMTL_ACE05_DEV           DyGIE JSON lines (EMD, relations, coreference)
//   HMTL_GLOVE                                 GloVe text file (.txt or .txt.gz)
//   HMTL_ELMO_OPTIONS, HMTL_ELMO_WEIGHTS, HMTL_ELMO_DIM    ELMo, for the "elmo" embeddings
//   HMTL_TRANSFORMER, HMTL_TRANSFORMER_DIM     a pretrained transformer (a local model folder,
//                                              or an installed Python package that ships one,
//                                              which keeps the archive portable) and its hidden
//                                              size, for the "transformer" embeddings
// Sizes are the paper's by default (its GloVe was 100d; the sample ships GloVe 6B 50d).

local env(name) = std.extVar(name);
local required_env(name, purpose) =
  if env(name) == '' then error 'Set ' + name + ' (' + purpose + ').' else env(name);

// ---- Base embeddings -------------------------------------------------------------------
// GloVe, and what training does to it (`glove_mode`). The vocabulary holds the training data's
// words and the `glove_vocabulary_size` most frequent GloVe words (see `vocabulary` below), so a
// word never seen in training still has its pretrained vector; the modes differ in whether those
// vectors stay in the space that training moves the other words to:
//   fine_tuned         every vector is trainable; the words of the training data move, the others
//                      keep their GloVe vectors (they get no gradient);
//   frozen             no vector moves;
//   frozen_projection  no vector moves, and a trained linear map (the same for every word) sits on
//                      top of them, so unseen words move with the seen ones.
local glove_modes = {
  fine_tuned: { trainable: true },
  frozen: { trainable: false },
  frozen_projection: { trainable: false, projection_dim: 50 },
};
local glove(mode) = {
  indexers: { tokens: { type: 'single_id', lowercase_tokens: true } },
  embedders: {
    tokens: {
      type: 'embedding',
      embedding_dim: 50,
      pretrained_file: env('HMTL_GLOVE'),
    } + glove_modes[mode],
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
// The transformer as the paper combines ELMo: beside GloVe and the characters, with a trained
// scalar mix over its layers (the last layer of a sentence-embedding model such as MiniLM is
// tuned for pooled sentence vectors). Frozen, its mix inputs are computed once per text and
// cached (in memory, about 2 GB for GUM + CoNLL04 with MiniLM: GUM's words twice, as NER
// sentences and as coreference documents); `transformer_trainable` fine-tunes it (no cache
// then). The model folder and its size are checked before the data is read. Frozen weights are
// not saved with the model: they are read from HMTL_TRANSFORMER again.
local mixed_transformer(trainable) = {
  local model = required_env('HMTL_TRANSFORMER', 'the folder of a pretrained transformer'),
  local dim = std.parseInt(required_env('HMTL_TRANSFORMER_DIM', "the transformer's hidden size")),
  indexers: {
    transformer: {
      type: 'local_transformer_mismatched',
      model_name: model,
      model_name_source: 'HMTL_TRANSFORMER',
      max_length: 512,  // windows of 512 wordpieces for long documents (coreference)
    },
  },
  embedders: {
    transformer: {
      type: 'cached_transformer_mismatched',
      model_name: model,
      model_name_source: 'HMTL_TRANSFORMER',
      output_dim: dim,
      output_dim_source: 'HMTL_TRANSFORMER_DIM',
      max_length: 512,
      train_parameters: trainable,
    },
  },
  dim: dim,
};
local combine(parts) = {
  indexers: std.foldl(function(all, part) all + part.indexers, parts, {}),
  embedders: std.foldl(function(all, part) all + part.embedders, parts, {}),
  dim: std.foldl(function(total, part) total + part.dim, parts, 0),
};
local embeddings(glove_mode, transformer_trainable) = {
  glove_characters: combine([glove(glove_mode), characters]),  // the default
  characters: combine([characters]),
  glove: combine([glove(glove_mode)]),
  glove_characters_elmo: combine([glove(glove_mode), characters, elmo]),  // the paper's
  glove_characters_transformer:
    combine([glove(glove_mode), characters, mixed_transformer(transformer_trainable)]),
  // the transformer alone, mixed over its layers as above (an ablation row, not the paper's)
  transformer: combine([mixed_transformer(transformer_trainable)]),
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

// ---- Levels ----------------------------------------------------------------------------
// Level sizes and regularisation. `paper`: the paper's (BiLSTMs of 64 units, dropout 0.2 on the
// tagging levels); `wide`: the tagging levels at the size of allennlp-models' crf_tagger
// (BiLSTM 200 x 2, dropout 0.5 on the level's input, between its layers and before its CRF).
// input_dropout: on the level's input (embeddings and parent output); dropout: between the
// encoder's layers; head_dropout: on the encoder's output, in the tagger head.
local paper_sizes = {
  pos: { hidden_size: 64, num_layers: 1, dropout: 0.0, input_dropout: 0.0, head_dropout: 0.2 },
  ner: { hidden_size: 64, num_layers: 2, dropout: 0.2, input_dropout: 0.0, head_dropout: 0.2 },
  emd: { hidden_size: 64, num_layers: 2, dropout: 0.2, input_dropout: 0.0, head_dropout: 0.2 },
  relation: { hidden_size: 64, num_layers: 3, dropout: 0.0, input_dropout: 0.0 },
  coref: { hidden_size: 200, num_layers: 1, dropout: 0.0, input_dropout: 0.0 },
};
local wide_tagger = { hidden_size: 200, dropout: 0.5, input_dropout: 0.5, head_dropout: 0.5 };
local level_sizes = {
  paper: paper_sizes,
  wide: paper_sizes { ner+: wide_tagger, emd+: wide_tagger },
};
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
// Coreference keeps the summed loss of Lee et al. (over a document's kept spans). Measured with
// the "hmtl_gradient_norms" callback in the full model (docs/RESULTS.md), it pulls on the
// shared levels 10 to 50 times as hard as the other tasks, yet averaging it over the kept spans
// (the coref head's loss_reduction: 'mean') made it the weakest pull and learned no better at
// equal updates: gradient clipping (grad_norm below) bounds each coreference update, and Adam
// scales each parameter by its own gradient history.
local relation_loss_weights = { span_pair: 1, multi_head_selection: 100 };

{
  // One HMTL setup, as an object whose hidden fields (`::`) are the choices of the setup and
  // whose visible fields are the AllenNLP config computed from them. A setup file writes
  //   hmtl.HMTL { levels:: { ner: null, emd: 'ner' } }
  // and overrides any choice with `+::`, e.g.
  //   hmtl.HMTL { levels:: { ner: null }, sizes+:: { ner+: { hidden_size: 100 } } }
  // (`hmtl.hmtl(levels, ...)` below is the same with the common choices as arguments).
  HMTL:: {
    local setup = self,
    // {task: the level it sits on, or null for the bottom level}
    levels:: error 'An HMTL setup needs levels:: {task: parent level or null}.',
    // "ace05" (the paper) or "ontonotes" (the released demo models)
    coref_source:: 'ace05',
    // The tagger level whose predicted mentions are the relation arguments (null: the gold
    // mentions of the input); by default "emd" when there is one.
    relation_mention_level:: if std.objectHas(self.levels, 'emd') then 'emd' else null,
    // The task sampling of the "hmtl_sampling" scheduler: 'proportional' (the paper's),
    // 'uniform', 'temperature' (with `temperature`) or 'annealed' (Stickland and Murray 2019:
    // from proportional in the first epoch towards uniform by epoch `anneal_epochs`, by default
    // the trainer's last).
    sampling:: 'proportional',
    temperature:: null,
    anneal_epochs:: setup.trainer.num_epochs,
    // A floor under every task's share of the updates (e.g. 0.1 for at least 10 % each), on top
    // of any sampling; null for none. Proportional sampling gives the task with the least data a
    // few percent of the full model's updates (docs/RESULTS.md).
    min_task_probability:: null,
    // A key of `embeddings` above; for GloVe, a key of `glove_modes` (the paper fine-tunes it),
    // and how many of its most frequent words join the training data's words in the vocabulary
    // (100,000: 98.8 % of the GUM + CoNLL04 dev tokens known, 20 MB of vectors; all 400,000 of
    // GloVe 6B: 99.3 %, 80 MB; measured by scripts/results/vocab_coverage.py, docs/RESULTS.md).
    embedding:: 'glove_characters',
    glove_mode:: 'fine_tuned',
    glove_vocabulary_size:: 100000,
    // The embeddings with a transformer: whether it is fine-tuned, and its learning rate then
    // (the rest of the model keeps `learning_rate`; a transformer fine-tuned at Adam's 1e-3
    // forgets its pretraining).
    transformer_trainable:: false,
    transformer_learning_rate:: 2e-5,
    // Coreference candidates restricted to gold mentions (the paper's GM setups).
    coref_gold_mentions:: false,
    // "span_pair" (the default) or "multi_head_selection" (the paper's).
    relation_head:: 'span_pair',
    // Per level: hidden_size, num_layers, dropout, input_dropout (and head_dropout for the
    // taggers); `level_sizes.paper` is the paper's.
    sizes:: level_sizes.paper,
    // The paper's batches: 32 sentences (NER, EMD), 4 sentences (RE), 1 document (CR); POS
    // (not in the paper) as NER.
    batch_sizes:: { pos: 32, ner: 32, emd: 32, relation: 4, coref: 1 },
    loss_weights:: {
      pos: 1,
      ner: 1,
      emd: 1,
      relation: relation_loss_weights[setup.relation_head],
      coref: 1,
    },
    // 'fixed' (the loss weights above, the paper's) or 'uncertainty' (each task's weight also
    // learned, Kendall et al. 2018; see the "hmtl" model).
    task_weighting:: 'fixed',
    learning_rate:: 0.001,
    // Batches of similar lengths (see data_loader below).
    bucket_by_length:: false,

    // Levels beyond HMTL's four, by name: their kind (which the readers cannot guess from the
    // name), their data source (a key of `sources`), their reader's options beyond `task` and
    // `kind`, and their head. A setup adds its own with `extra_tasks+:: { name: {...} }`, and
    // its sizes, batch size and loss weight with `sizes+::`, `batch_sizes+::` and
    // `loss_weights+::` (README, "Add your own task").
    extra_tasks:: {
      // Part-of-speech tags (column 5 of CoNLL-2012), one plain tag per token.
      pos: {
        kind: 'tagging',
        source: 'ontonotes',
        reader: { tag_layer: 'pos', label_encoding: 'plain' },
        head: {
          type: 'crf_tagger',
          label_encoding: 'plain',
          dropout: setup.sizes.pos.head_dropout,
          loss_reduction: 'mean',
        },
      },
    },

    local tasks = std.objectFields(setup.levels),
    local extra(task) = std.objectHas(setup.extra_tasks, task),
    local source(task) =
      if extra(task) then sources[setup.extra_tasks[task].source]
      else if task == 'ner' then sources.ontonotes
      else if task == 'coref' then sources[setup.coref_source]
      else sources.ace05,
    local base = embeddings(setup.glove_mode, setup.transformer_trainable)[setup.embedding],
    local tunes_transformer =
      setup.transformer_trainable && std.objectHas(base.embedders, 'transformer'),
    local uses_glove = std.objectHas(base.embedders, 'tokens'),
    local output_dim(task) = 2 * setup.sizes[task].hidden_size,
    local head(task) =
      if extra(task) then setup.extra_tasks[task].head
      else if task == 'ner' || task == 'emd' then {
        type: 'crf_tagger',
        dropout: setup.sizes[task].head_dropout,
        loss_reduction: 'mean',
      }
      else if task == 'relation' then relation_heads[setup.relation_head] {
        [if setup.relation_mention_level != null then 'mention_level']:
          setup.relation_mention_level,
      }
      else if task == 'coref' then {
        type: 'coref',
        feature_size: 20,
        max_span_width: coref_max_span_width,
        spans_per_word: 0.4,
        max_antecedents: 70,
        lexical_dropout: 0.5,
        gold_mentions: setup.coref_gold_mentions,
      }
      else error 'Unknown task ' + task + ' (HMTL has ner, emd, relation and coref; add others to '
                 + 'extra_tasks).',

    dataset_reader: {
      type: 'multitask',
      readers: {
        [task]: source(task).reader {
          task: task,
          [if extra(task) then 'kind']: setup.extra_tasks[task].kind,
        } + (if extra(task) then setup.extra_tasks[task].reader else {}) + {
          token_indexers: base.indexers,
          [if task == 'coref' then 'max_span_width']: coref_max_span_width,
          // Only the multi_head_selection head trains on the dense tokens x tokens x labels
          // adjacency target; the readers make it for no other head.
          [if head(task).type == 'multi_head_selection' then 'relation_adjacency']: true,
        }
        for task in tasks
      },
    },
    // The vocabulary comes from the training data alone, so that dev is scored as new text is:
    // a dev word that training never saw is known only if GloVe knows it.
    datasets_for_vocab_creation: ['train'],
    // GloVe is checked first (a line of the wrong size, a repeated word, a byte that is not
    // UTF-8 stop the run there, naming the line).
    vocabulary: { type: 'from_instances_checked' } + (
      if uses_glove then {
        pretrained_files: { tokens: env('HMTL_GLOVE') },
        embedding_dims: { tokens: base.embedders.tokens.embedding_dim },
        min_pretrained_embeddings: { tokens: setup.glove_vocabulary_size },
      } else {}
    ),
    train_data_path: { [task]: source(task).train for task in tasks },
    validation_data_path: { [task]: source(task).dev for task in tasks },
    // After every update, the task of the next batch is drawn at random (proportionally to
    // the number of batches of each task by default); validation passes over all dev data.
    // Batches of sentences of similar lengths (sorted in pools of 8 batches) when
    // `bucket_by_length:: true`: NER and EMD updates 1.4 to 1.5 times cheaper, but the full
    // model learned more slowly with them at equal updates (docs/RESULTS.md), so batches are
    // as drawn by default, as in the paper.
    data_loader: {
      type: 'hmtl_multitask',
      [if setup.bucket_by_length then 'bucket_by_length']: true,
      [if setup.bucket_by_length then 'bucket_pool_batches']: 8,
      scheduler: {
        type: 'hmtl_sampling',
        batch_size: { [task]: setup.batch_sizes[task] for task in tasks },
        sampling: setup.sampling,
        [if setup.temperature != null then 'temperature']: setup.temperature,
        [if setup.sampling == 'annealed' then 'anneal_epochs']: setup.anneal_epochs,
        [if setup.min_task_probability != null then 'min_probability']:
          setup.min_task_probability,
      },
    },
    validation_data_loader: setup.data_loader {
      scheduler+: {
        sampling: 'sequential',
        temperature:: null,
        anneal_epochs:: null,
        min_probability:: null,
      },
    },
    model: {
      type: 'hmtl',
      [if setup.task_weighting != 'fixed' then 'task_weighting']: setup.task_weighting,
      text_field_embedder: { token_embedders: base.embedders },
      levels: {
        [task]: {
          local parent = setup.levels[task],
          local sizes = setup.sizes[task],
          parent: parent,
          loss_weight: setup.loss_weights[task],
          input_dropout: sizes.input_dropout,
          encoder: {
            type: 'lstm',
            input_size: base.dim + (if parent == null then 0 else output_dim(parent)),
            hidden_size: sizes.hidden_size,
            num_layers: sizes.num_layers,
            dropout: sizes.dropout,
            bidirectional: true,
          },
          head: head(task),
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
      optimizer: {
        type: 'adam',
        lr: setup.learning_rate,
        [if tunes_transformer then 'parameter_groups']: [
          [['token_embedder_transformer\\._transformer\\.'], { lr: setup.transformer_learning_rate }],
        ],
      },
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

  // The level sizes, by name (for `sizes=` below or `sizes:: hmtl.level_sizes.paper`).
  level_sizes:: level_sizes,

  // The common choices of `HMTL` as arguments: levels, and optionally coref_source,
  // relation_mention_level, sampling, temperature, min_task_probability, embedding,
  // coref_gold_mentions, relation_head and sizes (a key of `level_sizes`: "paper" or "wide").
  hmtl(levels,
       coref_source='ace05',
       relation_mention_level=if std.objectHas(levels, 'emd') then 'emd' else null,
       sampling='proportional',
       temperature=null,
       min_task_probability=null,
       embedding='glove_characters',
       coref_gold_mentions=false,
       relation_head='span_pair',
       sizes='paper')::
    self.HMTL {
      levels:: levels,
      coref_source:: coref_source,
      relation_mention_level:: relation_mention_level,
      sampling:: sampling,
      temperature:: temperature,
      min_task_probability:: min_task_probability,
      embedding:: embedding,
      coref_gold_mentions:: coref_gold_mentions,
      relation_head:: relation_head,
      sizes:: level_sizes[sizes],
    },
}
