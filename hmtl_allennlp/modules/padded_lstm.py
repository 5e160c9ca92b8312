"""
The levels' LSTMs run on padded batches instead of packed ones, with the same results.

AllenNLP's "lstm" encoder (`PytorchSeq2SeqWrapper`) sorts a batch by length and packs it, and
torch runs a packed LSTM one time step at a time, each step a handful of small autograd
operations; an LSTM on a padded batch runs as one fused kernel (oneDNN on a CPU), forward and
backward, several times faster on the short batches of the taggers and relations (measured in
docs/BENCHMARKS.md). Padding changes nothing in the forward direction, since it comes after
every sentence's last token; the backward direction reads each sentence reversed within its own
length, so that its padding also comes last. Outputs at padding positions are zero, as the
wrapper's are, so no gradient reaches them. Dropout between layers is applied to the layer's
output in the packed order, the tensor that torch's packed LSTM draws it for, so that the same
random draws drop the same units.
"""

from typing import List, Optional

import torch
from allennlp.modules import Seq2SeqEncoder
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder, PytorchSeq2SeqWrapper
from allennlp.nn import util


class PaddedLstmSeq2SeqEncoder(PytorchSeq2SeqWrapper):
    """
    AllenNLP's "lstm" encoder, whose LSTM runs on padded batches (`padded_lstm`): the model
    builds one around the `torch.nn.LSTM` of each "lstm" encoder of its config
    (`with_padded_lstm`), the same module, so that the parameters, their names in a state dict
    and the outputs are those of the config's encoder. Anything else (no mask, an initial
    state, projections, a quantized LSTM) runs as `PytorchSeq2SeqWrapper` runs it.
    """

    def forward(
        self,
        inputs: torch.Tensor,
        mask: torch.BoolTensor,
        hidden_state: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        lstm = self._module
        if (
            mask is None
            or hidden_state is not None
            or self.stateful
            or type(lstm) is not torch.nn.LSTM
            or lstm.proj_size > 0
        ):
            # PytorchSeq2SeqWrapper declares `hidden_state: torch.Tensor = None`.
            return super().forward(inputs, mask, hidden_state)  # type: ignore[arg-type]
        return padded_lstm(lstm, inputs, mask)


def with_padded_lstm(encoder: Seq2SeqEncoder) -> Seq2SeqEncoder:
    """`encoder`'s LSTM in a `PaddedLstmSeq2SeqEncoder` when `encoder` is AllenNLP's "lstm"
    encoder without state kept across batches; any other encoder as it is."""
    if type(encoder) is LstmSeq2SeqEncoder and not encoder.stateful:
        return PaddedLstmSeq2SeqEncoder(encoder._module)
    return encoder


def padded_lstm(lstm: torch.nn.LSTM, inputs: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
    """
    The output of `PytorchSeq2SeqWrapper(lstm)(inputs, mask)` (zero at padding), computed on
    the padded batch. `inputs`: (batch_size, num_tokens, input_size); `mask`: (batch_size,
    num_tokens), each row's tokens first.
    """
    batch_size, num_tokens = mask.shape
    # Shape: (batch_size,)
    lengths = util.get_lengths_from_binary_sequence_mask(mask)
    # Shape: (batch_size * num_tokens,)
    reversed_order = _reversed_within_lengths(lengths, num_tokens) if lstm.bidirectional else None
    packed_order = (
        _packed_order(lengths, num_tokens) if lstm.dropout > 0 and lstm.training else None
    )
    # Shape: (1, batch_size, hidden_size)
    initial = inputs.new_zeros(1, batch_size, lstm.hidden_size)
    # Shape: (batch_size, num_tokens, 1)
    padding = ~mask.unsqueeze(-1)
    layer_input = inputs
    for layer in range(lstm.num_layers):
        directions = [_direction(lstm, layer, "", layer_input, initial)]
        if reversed_order is not None:
            # Shape: (batch_size, num_tokens, input_dim of the layer)
            reversed_input = _reorder(layer_input, reversed_order)
            directions.append(
                _reorder(
                    _direction(lstm, layer, "_reverse", reversed_input, initial), reversed_order
                )
            )
        # Shape: (batch_size, num_tokens, hidden_size * num_directions)
        layer_output = torch.cat(directions, dim=-1) if len(directions) > 1 else directions[0]
        if packed_order is not None and layer < lstm.num_layers - 1:
            layer_output = _packed_dropout(layer_output, packed_order, lstm.dropout)
        layer_input = layer_output
    return layer_input.masked_fill(padding, 0.0)


def _direction(
    lstm: torch.nn.LSTM, layer: int, suffix: str, inputs: torch.Tensor, initial: torch.Tensor
) -> torch.Tensor:
    """One direction of one layer, with that layer's weights, on a padded batch."""
    weights: List[torch.Tensor] = [
        getattr(lstm, f"{name}_l{layer}{suffix}")
        for name in (
            ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            if lstm.bias
            else ("weight_ih", "weight_hh")
        )
    ]
    # Shape: (batch_size, num_tokens, hidden_size)
    output, _, _ = torch._VF.lstm(
        inputs, (initial, initial), weights, lstm.bias, 1, 0.0, lstm.training, False, True
    )
    return output


def _reversed_within_lengths(lengths: torch.Tensor, num_tokens: int) -> torch.Tensor:
    """Per row, the positions of its tokens in reverse order, then its padding positions, as
    indices into the rows of the batch flattened to (batch_size * num_tokens, ...)."""
    # Shape: (1, num_tokens)
    positions = torch.arange(num_tokens, device=lengths.device).unsqueeze(0)
    # Shape: (batch_size, num_tokens)
    within = torch.where(
        positions < lengths.unsqueeze(1), lengths.unsqueeze(1) - 1 - positions, positions
    )
    # Shape: (batch_size * num_tokens,)
    return (
        within + num_tokens * torch.arange(len(lengths), device=lengths.device).unsqueeze(1)
    ).view(-1)


def _reorder(tensor: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    batch_size, num_tokens, dim = tensor.shape
    # Shape: (batch_size, num_tokens, dim)
    return tensor.reshape(-1, dim).index_select(0, order).view(batch_size, num_tokens, dim)


def _packed_order(lengths: torch.Tensor, num_tokens: int) -> torch.Tensor:
    """The rows of the batch flattened to (batch_size * num_tokens, ...) that a packed sequence
    holds, in its order: time step by time step, the rows sorted by decreasing length as
    AllenNLP's wrapper sorts them."""
    sorted_lengths, permutation = lengths.sort(0, descending=True)
    # Shape: (num_tokens, batch_size)
    present = torch.arange(num_tokens, device=lengths.device).unsqueeze(1) < sorted_lengths
    steps, sorted_rows = present.nonzero(as_tuple=True)
    # Shape: (num_valid_tokens,)
    return permutation[sorted_rows] * num_tokens + steps


def _packed_dropout(tensor: torch.Tensor, packed_order: torch.Tensor, p: float) -> torch.Tensor:
    batch_size, num_tokens, dim = tensor.shape
    # Shape: (num_valid_tokens, dim)
    dropped = torch.nn.functional.dropout(tensor.reshape(-1, dim).index_select(0, packed_order), p)
    # Shape: (batch_size, num_tokens, dim), zero at padding
    return (
        tensor.new_zeros(batch_size * num_tokens, dim)
        .index_copy(0, packed_order, dropped)
        .view(batch_size, num_tokens, dim)
    )
