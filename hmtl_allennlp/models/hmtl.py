import inspect
import math
from typing import Any, Dict, List, Optional, Tuple, cast

import torch

from allennlp.common import FromParams, Lazy
from allennlp.common.checks import ConfigurationError
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models.heads import Head
from allennlp.models.model import Model
from allennlp.modules import Seq2SeqEncoder, TextFieldEmbedder
from allennlp.modules.token_embedders import Embedding
from allennlp.nn import InitializerApplicator, RegularizerApplicator, util

from hmtl_allennlp.common.errors import NonFiniteLossError
from hmtl_allennlp.modules.heads.level_head import LevelHead
from hmtl_allennlp.modules.padded_lstm import with_padded_lstm

# The task of the prediction instances of sentences: they run every sentence-level head (all
# but those whose head is `document_level`, coreference) at once, each as its own task would.
SENTENCE_LEVELS_TASK = "sentence_levels"
# How the tasks' losses are weighed against each other (see `task_weighting` below).
TASK_WEIGHTINGS = ("fixed", "uncertainty")


class Level(FromParams):
    """
    One level of the hierarchy: a `Seq2SeqEncoder` supervised by one task's head. Its input is
    the base embeddings, concatenated with the output of the `parent` level's encoder when it
    has one (the shortcut connection of HMTL).

    # Parameters

    encoder : `Seq2SeqEncoder`, required
        Its input dimension must be the embedder's output dimension plus the parent encoder's
        output dimension.
    head : `Lazy[Head]`, required
        A `LevelHead`, built by the model with `vocab`, `task` (the level's name), `input_dim`
        (this encoder's output dimension) and `embedding_dim` (the embedder's output
        dimension).
    parent : `str`, optional (default = `None`)
        The name of the level this one sits on; `None` for a level directly on the embeddings.
    loss_weight : `float`, optional (default = `1.0`)
        Multiplies the head's loss.
    input_dropout : `float`, optional (default = `0.0`)
        Dropout on this level's input (embeddings, and parent output), whatever sits below it.
    """

    def __init__(
        self,
        encoder: Seq2SeqEncoder,
        head: Lazy[Head],
        parent: Optional[str] = None,
        loss_weight: float = 1.0,
        input_dropout: float = 0.0,
    ) -> None:
        self.encoder = encoder
        self.head = head
        self.parent = parent
        self.loss_weight = loss_weight
        self.input_dropout = input_dropout


@Model.register("hmtl")
class HierarchicalMultiTaskModel(Model):
    """
    The hierarchical multi-task model of Sanh, Wolf and Ruder (2019), "A Hierarchical Multi-task
    Approach for Learning Embeddings from Semantic Tasks" (AAAI). One text field embedder is
    shared by a tree of task levels; each level encodes [base embeddings ; its parent level's
    encoding] and feeds one task head. Which tasks exist, in which order, and which level sits on
    which is configuration: the paper's model is NER -> EMD -> {RE, CR}. What a level is (its
    kind, main metric, whether it is document-level, which level's mentions it takes) is what
    its head, a `LevelHead`, declares; its name is only a name, and prefixes its outputs and
    metrics, so that a model may have several levels of one kind.

    Batches are homogeneous in task. A batch of task t runs the embedder and the levels from the
    root down to t only, so the loss of t trains t's level and every level below it. A batch of
    task "sentence_levels" (the predictor's sentences) runs the heads of every level that is not
    document-level (coreference is) and the levels under them, each head as a batch of its own
    task would, without loss.

    A level of the configuration (the key is the task; its encoder's input is the embeddings,
    here 114-d, plus the parent's 128-d output):

        "relation": {
            "parent": "emd",
            "loss_weight": 1.0,
            "input_dropout": 0.0,
            "encoder": {"type": "lstm", "input_size": 242, "hidden_size": 64,
                        "num_layers": 3, "bidirectional": true},
            "head": {"type": "span_pair", "mention_level": "emd"}
        }

    The original release had implicit loss scalings, reproducible here by configuration: the RE
    loss was a mean binary cross-entropy times 100 (`multi_head_selection` with
    `loss_reduction = "mean"` and the level's `loss_weight = 100`), the CRF losses were summed
    over the sentences of a batch (`crf_tagger` with `loss_reduction = "sum"`, the default), and
    coreference batches held one document (the data loader's batch size).

    Outputs are each head's, whose keys start with the level's name (`ner_spans`,
    `relation_relations`, `coref_clusters`). Metrics are each head's, prefixed by its task, for
    the tasks that had batches since the last reset, with `<task>_loss` and `<task>_batches`,
    and `combined_f1`, the mean of those tasks' main metric (see `get_metrics`). In distributed
    training a batch leaves the levels above and beside its task unused, so the config's
    `distributed` block needs `"ddp_accelerator": {"type": "torch", "find_unused_parameters":
    true}`.

    # Parameters

    vocab : `Vocabulary`, required
        Holds the labels of every task (tag, relation label namespaces) and the tokens.
    text_field_embedder : `TextFieldEmbedder`, required
        The base embeddings, shared by all levels (e.g. GloVe + character CNN + ELMo).
    levels : `Dict[str, Level]`, required
        The levels, keyed by task name (any name). Any number, in any order; a level's `parent`
        must be another level, without cycles. Two levels may share a parent.
    initializer : `InitializerApplicator`, optional (default = `InitializerApplicator()`)
        Initialises the parameters after construction.
    regularizer : `RegularizerApplicator`, optional (default = `None`)
        A penalty on the parameters, added to the loss by the trainer.
    task_weighting : `str`, optional (default = `"fixed"`)
        "fixed": the loss of a batch of task t is its head's loss times the level's
        `loss_weight` (the paper's). "uncertainty" (Kendall, Gal and Cipolla 2018, "Multi-Task
        Learning Using Uncertainty to Weigh Losses for Scene Geometry and Semantics", CVPR,
        their form for classification losses): each task also has a learned log-variance
        `s_t` (0 at first), and the loss is `exp(-s_t) * loss_weight * L_t + s_t / 2`. Its
        optimum is `exp(-s_t) = 1 / (2 * loss_weight * L_t)`: the weights follow the tasks'
        losses down as they train, so that no task's gradients dominate the shared levels
        because its loss is on a larger scale. The learned factor `exp(-s_t)` is reported as
        `<task>_loss_scale` with each epoch's metrics.

    Registered as a `Model` with name "hmtl".
    """

    default_predictor = "hmtl"

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        levels: Dict[str, Level],
        initializer: InitializerApplicator = InitializerApplicator(),
        regularizer: Optional[RegularizerApplicator] = None,
        task_weighting: str = "fixed",
        **kwargs: Any,
    ) -> None:
        # Model declares `regularizer: RegularizerApplicator = None`, an implicit Optional.
        super().__init__(vocab, regularizer=regularizer, **kwargs)  # type: ignore[arg-type]
        if not levels:
            raise ConfigurationError("The hmtl model needs at least one level.")
        if task_weighting not in TASK_WEIGHTINGS:
            raise ConfigurationError(
                f"Unknown task_weighting {task_weighting!r}; choose one of "
                f"{', '.join(TASK_WEIGHTINGS)}."
            )
        self._text_field_embedder = text_field_embedder
        # The namespaces that the shared word embeddings index may grow (`allennlp evaluate
        # --extend-vocab`); every other one (tags, relation labels, entity types) keeps the size
        # its heads were built with.
        embedded_namespaces = {
            module._vocab_namespace
            for module in text_field_embedder.modules()
            if isinstance(module, Embedding) and module._vocab_namespace
        }
        self._head_vocab_sizes = {
            namespace: vocab.get_vocab_size(namespace)
            for namespace in vocab.get_namespaces() - embedded_namespaces
        }
        self._parents = {name: level.parent for name, level in levels.items()}
        self._chains = {name: self._chain_to(name) for name in levels}
        # Parents before children, so that one pass over this order can run every level.
        self._level_order = sorted(levels, key=lambda name: len(self._chains[name]))
        self._loss_weights = {name: level.loss_weight for name, level in levels.items()}
        # s_t of "uncertainty" weighting, per task (absent with "fixed" weights, so that the
        # models trained with those load as before).
        self._task_log_variances = (
            torch.nn.ParameterDict({name: torch.nn.Parameter(torch.zeros(())) for name in levels})
            if task_weighting == "uncertainty"
            else None
        )

        embedding_dim = text_field_embedder.get_output_dim()
        for name, level in levels.items():
            parent = level.parent
            parent_dim = 0 if parent is None else levels[parent].encoder.get_output_dim()
            if level.encoder.get_input_dim() != embedding_dim + parent_dim:
                source = (
                    "the embeddings"
                    if parent is None
                    else f"the embeddings ({embedding_dim}) + level '{parent}' ({parent_dim})"
                )
                raise ConfigurationError(
                    f"Level '{name}': its encoder's input dim is {level.encoder.get_input_dim()}, "
                    f"but its input is {source}, {embedding_dim + parent_dim} dims."
                )
        # AllenNLP's "lstm" encoders run their LSTM on padded batches (the same module and
        # outputs, several times faster than on packed ones on a CPU; see padded_lstm).
        self._encoders = torch.nn.ModuleDict(
            {name: with_padded_lstm(level.encoder) for name, level in levels.items()}
        )
        self._input_dropouts = torch.nn.ModuleDict(
            {name: torch.nn.Dropout(level.input_dropout) for name, level in levels.items()}
        )
        self._heads = torch.nn.ModuleDict(
            {
                name: level.head.construct(
                    vocab=vocab,
                    task=name,
                    input_dim=level.encoder.get_output_dim(),
                    embedding_dim=embedding_dim,
                )
                for name, level in levels.items()
            }
        )
        for name, head in self._heads.items():
            if not isinstance(head, LevelHead):
                raise ConfigurationError(
                    f"Level '{name}': its head is a {type(head).__name__}, not a LevelHead (a "
                    "head of this package, or a subclass that says what its level is)."
                )
        self._mention_levels = {name: self._head(name).mention_level for name in self._heads}
        for name, mention_level in self._mention_levels.items():
            if mention_level is not None:
                self._check_mention_level(name, mention_level)
        self._head_arguments = {
            name: set(inspect.signature(head.forward).parameters)
            for name, head in self._heads.items()
        }
        # Per level: [sum of the head's losses, number of batches] since the last metric reset,
        # summed across workers when the metrics are read.
        self._task_statistics = {name: [0.0, 0] for name in levels}
        initializer(self)

    def extend_embedder_vocab(
        self, embedding_sources_mapping: Optional[Dict[str, str]] = None
    ) -> None:
        # `--extend-vocab` has just added the evaluation data's entries to every namespace, its
        # labels included; a head has outputs for its training labels only, and a label index
        # past them fails inside the head (a CRF transition out of range). Those namespaces are
        # cut back to their trained entries, so that a new label is read as an unseen one
        # (counted as missed), as it is without the flag. Vocabulary has no public way to drop
        # entries.
        for namespace, size in self._head_vocab_sizes.items():
            index_to_token = self.vocab._index_to_token[namespace]
            for index in range(len(index_to_token) - 1, size - 1, -1):
                del self.vocab._token_to_index[namespace][index_to_token.pop(index)]
        # Model declares `embedding_sources_mapping: Dict[str, str] = None`, an implicit Optional.
        super().extend_embedder_vocab(embedding_sources_mapping)  # type: ignore[arg-type]

    @property
    def tasks(self) -> List[str]:
        """The tasks (level names) of this model, lower levels first."""
        return list(self._level_order)

    def sentence_level_tasks(self) -> List[str]:
        """The tasks whose instances are sentences (those whose head is not `document_level`)."""
        return [name for name in self._level_order if not self._head(name).document_level]

    def level_kinds(self) -> Dict[str, str]:
        """{level: the kind its head declares}, lower levels first."""
        return {name: self._head(name).kind for name in self._level_order}

    def main_metrics(self) -> Dict[str, str]:
        """{level: its main metric as `get_metrics` names it}, e.g. `{"ner": "ner_f1"}`."""
        return {name: f"{name}_{self._head(name).main_metric}" for name in self._level_order}

    def levels_under(self, task: str) -> List[str]:
        """The levels that a batch of `task` runs and trains: from the root down to its own."""
        return list(self._chains[task])

    def shared_modules(self) -> Dict[str, torch.nn.Module]:
        """
        The modules that the losses of more than one task train: the embedder ("embeddings")
        and every level whose encoder is under two or more tasks (e.g. "ner" and "emd" in the
        paper's model), keyed by name.
        """
        shared: Dict[str, torch.nn.Module] = {}
        if len(self._chains) > 1:
            shared["embeddings"] = self._text_field_embedder
        for name in self._level_order:
            if sum(name in chain for chain in self._chains.values()) > 1:
                shared[name] = self._encoders[name]
        return shared

    def _chain_to(self, name: str) -> List[str]:
        """The levels from the root down to `name`, inclusive."""
        chain = [name]
        while self._parents[chain[-1]] is not None:
            parent = self._parents[chain[-1]]
            if parent not in self._parents:
                raise ConfigurationError(
                    f"Level '{chain[-1]}' has parent '{parent}', which is not a level of this "
                    f"model (levels: {', '.join(self._parents)})."
                )
            if parent in chain:
                cycle = " -> ".join(chain[chain.index(parent) :] + [parent])
                raise ConfigurationError(
                    f"Levels form a cycle through their parents (each followed by its parent): "
                    f"{cycle}."
                )
            chain.append(parent)
        return chain[::-1]

    def _head(self, name: str) -> LevelHead:
        # A ModuleDict types its values as plain Modules; the constructor checked that every
        # value of `_heads` is a LevelHead.
        return cast(LevelHead, self._heads[name])

    def _check_mention_level(self, name: str, mention_level: str) -> None:
        if mention_level not in self._heads:
            raise ConfigurationError(
                f"Level '{name}': its head's mention_level '{mention_level}' is not a level of "
                f"this model (levels: {', '.join(self._heads)})."
            )
        if mention_level not in self._chains[name][:-1]:
            raise ConfigurationError(
                f"Level '{name}': its head's mention_level '{mention_level}' must be a level "
                f"below it (its levels from the root: {' -> '.join(self._chains[name])}), so "
                "that it runs on every batch of this task."
            )
        if not self._head(mention_level).decodes_mentions:
            raise ConfigurationError(
                f"Level '{name}': its head's mention_level '{mention_level}' has a "
                f"{type(self._heads[mention_level]).__name__}, which cannot decode mentions "
                "(a tagger level of BIOUL tags such as 'crf_tagger' can)."
            )

    def forward(  # type: ignore[override]
        self,
        tokens: TextFieldTensors,
        task: List[str],
        metadata: List[Dict[str, Any]],
        **task_fields: Any,
    ) -> Dict[str, Any]:
        """
        # Parameters

        tokens : `TextFieldTensors`
            The instances' tokens (sentences, or documents for coreference and prediction).
        task : `List[str]`
            The task of each instance; all the same within a batch. "sentence_levels" runs the
            heads of every sentence-level task.
        metadata : `List[Dict[str, Any]]`
            Per instance, as the readers make it (offsets and document-level gold annotations).
        **task_fields : `Any`
            The task's other fields (`tags`, `relations`, `spans`, `span_labels`, ...), passed
            to the heads whose `forward` takes them.

        # Returns

        The outputs of the task's head (of every sentence-level head for "sentence_levels"), and
        `loss` when gold fields were given (the head's loss times the level's `loss_weight`,
        and with "uncertainty" weighting, times the task's learned factor, plus its penalty).
        """
        batch_task = task[0]
        if any(instance_task != batch_task for instance_task in task):
            raise ValueError(
                f"A batch mixes tasks {sorted(set(task))}; the hmtl model needs batches of one "
                "task (use a homogeneous scheduler in the multi-task data loader)."
            )
        if batch_task == SENTENCE_LEVELS_TASK:
            heads_to_run = self.sentence_level_tasks()
            levels_to_run = [
                name
                for name in self._level_order
                if any(name in self._chains[head] for head in heads_to_run)
            ]
        elif batch_task in self._chains:
            levels_to_run = self._chains[batch_task]
            heads_to_run = [batch_task]
        else:
            raise ValueError(
                f"A batch of task '{batch_task}', but this model has levels for "
                f"{', '.join(self._level_order)} (and '{SENTENCE_LEVELS_TASK}' for prediction)."
            )

        embedded_text, mask, encoded = self.encode_levels(tokens, levels_to_run)

        output: Dict[str, Any] = {}
        for name in heads_to_run:
            try:
                head_outputs = self._run_head(
                    name, encoded, embedded_text, mask, metadata, task_fields, output
                )
            except Exception as error:
                # Non-finite weights often crash a head's decoding before its loss can be
                # checked (a CRF decodes an invalid tag sequence): checked only on failure, so
                # that a normal batch costs nothing.
                non_finite = self._non_finite_parts(encoded)
                if non_finite:
                    raise self._divergence(
                        name, f"{', '.join(non_finite)} hold NaN or infinite values", metadata
                    ) from error
                raise
            for key, value in head_outputs.items():
                if key == "loss":
                    weighted_loss = self._loss_weights[name] * value
                    loss = weighted_loss
                    if self._task_log_variances is not None:
                        log_variance = self._task_log_variances[name]
                        loss = torch.exp(-log_variance) * weighted_loss + log_variance / 2
                    loss_value = loss.item()
                    if not math.isfinite(loss_value):
                        raise self._divergence(name, f"its loss is {loss_value}", metadata)
                    output["loss"] = loss
                    statistics = self._task_statistics[name]
                    # One synchronization per batch when the weights are fixed.
                    statistics[0] += loss_value if loss is weighted_loss else weighted_loss.item()
                    statistics[1] += 1
                elif key in output:
                    raise ValueError(
                        f"Heads of two levels both output '{key}' (the second is '{name}')."
                    )
                else:
                    output[key] = value
        return output

    def encode_levels(
        self, tokens: TextFieldTensors, levels: Optional[List[str]] = None
    ) -> Tuple[torch.Tensor, torch.BoolTensor, Dict[str, torch.Tensor]]:
        """
        The shared embeddings of `tokens`, their mask, and the output of each level's encoder
        (`levels`, default all, with the levels under them, run parents first): what the heads
        read, and what `hmtl-embed` writes out.
        """
        wanted = self._level_order if levels is None else levels
        unknown = sorted(set(wanted) - set(self._level_order))
        if unknown:
            raise ConfigurationError(
                f"No level {', '.join(unknown)} in this model (its levels: "
                f"{', '.join(self._level_order)})."
            )
        needed = {level for name in wanted for level in self._chains[name]}
        # Shape: (batch_size, num_tokens, embedding_dim)
        embedded_text = self._text_field_embedder(tokens)
        # Shape: (batch_size, num_tokens)
        mask = util.get_text_field_mask(tokens)
        encoded: Dict[str, torch.Tensor] = {}
        for name in (level for level in self._level_order if level in needed):
            parent = self._parents[name]
            # Shape: (batch_size, num_tokens, embedding_dim + parent_dim)
            level_input = (
                embedded_text
                if parent is None
                else torch.cat([embedded_text, encoded[parent]], dim=-1)
            )
            # Shape: (batch_size, num_tokens, level_dim)
            encoded[name] = self._encoders[name](self._input_dropouts[name](level_input), mask)
        return embedded_text, mask, encoded

    def _non_finite_parts(self, encoded: Dict[str, torch.Tensor]) -> List[str]:
        """The level outputs and modules that hold NaN or infinite values."""
        parts = [
            f"the output of level '{name}'"
            for name, tensor in encoded.items()
            if not torch.isfinite(tensor).all()
        ]
        for module_name, module in self.named_children():
            for parameter_name, parameter in module.named_parameters():
                if not torch.isfinite(parameter).all():
                    parts.append(f"the parameter {module_name}.{parameter_name}")
        return parts

    @staticmethod
    def _divergence(task: str, what: str, metadata: List[Dict[str, Any]]) -> NonFiniteLossError:
        return NonFiniteLossError(
            f"Training diverged on a batch of task '{task}': {what} (the batch's "
            f"{len(metadata)} instances: {_describe_instances(metadata)}). Stopped before this "
            "update; the checkpoints of the epochs before are kept. Lower the learning rate or "
            "the task's loss_weight, or check this data."
        )

    def _run_head(
        self,
        name: str,
        encoded: Dict[str, torch.Tensor],
        embedded_text: torch.Tensor,
        mask: torch.BoolTensor,
        metadata: List[Dict[str, Any]],
        task_fields: Dict[str, Any],
        outputs_so_far: Dict[str, Any],
    ) -> Dict[str, Any]:
        available = {
            "encoded_text": encoded[name],
            "embedded_text": embedded_text,
            "mask": mask,
            "metadata": metadata,
            **task_fields,
        }
        mention_level = self._mention_levels[name]
        if mention_level is not None:
            # When the mention level's head already ran (task "sentence_levels"), reuse its
            # decoding.
            spans_key = self._head(mention_level).output_key("spans")
            available["predicted_mentions"] = (
                outputs_so_far[spans_key]
                if spans_key in outputs_so_far
                else self._head(mention_level).decode_spans(encoded[mention_level], mask)
            )
        accepted = self._head_arguments[name]
        return self._heads[name](
            **{key: value for key, value in available.items() if key in accepted}
        )

    def make_output_human_readable(self, output_dict: Dict[str, Any]) -> Dict[str, Any]:
        for name in self._heads:
            output_dict = self._head(name).make_output_human_readable(output_dict)
        return output_dict

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        """
        Each head's metrics prefixed by its task (`ner_f1`, `relation_strict_f1`, ...), for the
        tasks that had batches since the last reset (before a reset, i.e. in the progress bar,
        only each head's main metric), with `<task>_loss` (the average weighted
        loss per batch, before "uncertainty" weighting), `<task>_batches` and, with
        "uncertainty" weighting and `reset`, `<task>_loss_scale` (the learned factor
        `exp(-s_t)`); and `combined_f1`, the mean of those tasks' main metric (the head's
        `main_metric`). Counts are summed across distributed workers first,
        so that every worker reads the same heads' metrics.
        """
        # Shape: (num_levels, 2)
        statistics = util.dist_reduce_sum(
            torch.tensor(
                [self._task_statistics[name] for name in self._level_order], dtype=torch.float64
            )
        )
        metrics: Dict[str, float] = {}
        main_scores = []
        for name, (loss_sum, batches) in zip(self._level_order, statistics.tolist()):
            if batches == 0:
                continue
            head = self._head(name)
            head_metrics = head.get_metrics(reset)
            main_metric = head.main_metric
            if not reset:
                # During an epoch (the progress bar) only the main score: per-type scores and
                # precision/recall of four tasks would not fit on a line.
                head_metrics = {main_metric: head_metrics[main_metric]}
            metrics.update({f"{name}_{key}": value for key, value in head_metrics.items()})
            metrics[f"{name}_loss"] = loss_sum / batches
            metrics[f"{name}_batches"] = int(batches)
            if reset and self._task_log_variances is not None:
                metrics[f"{name}_loss_scale"] = math.exp(-self._task_log_variances[name].item())
            main_scores.append(head_metrics[main_metric])
        metrics["combined_f1"] = sum(main_scores) / len(main_scores) if main_scores else 0.0
        if reset:
            self._task_statistics = {name: [0.0, 0] for name in self._level_order}
        return metrics


def _describe_instances(metadata: List[Dict[str, Any]], limit: int = 3) -> str:
    """The first instances of a batch, as `doc_key` and sentence index, for error messages."""
    described = []
    for instance_metadata in metadata[:limit]:
        doc_key = instance_metadata.get("doc_key")
        sentence = instance_metadata.get("sentence_index")
        described.append(f"{doc_key}" + (f" sentence {sentence}" if sentence is not None else ""))
    more = f" and {len(metadata) - limit} more" if len(metadata) > limit else ""
    return ", ".join(described) + more
