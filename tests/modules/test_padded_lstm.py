import pytest
import torch
from allennlp.modules.seq2seq_encoders import GruSeq2SeqEncoder, LstmSeq2SeqEncoder

from hmtl_allennlp.modules.padded_lstm import (
    PaddedLstmSeq2SeqEncoder,
    padded_lstm,
    with_padded_lstm,
)


@pytest.mark.parametrize(
    "settings",
    [
        {"num_layers": 2, "dropout": 0.3, "bidirectional": True},
        {"num_layers": 3, "bidirectional": True},
        {"num_layers": 2, "dropout": 0.5, "bidirectional": False},
        {"num_layers": 1, "bidirectional": True, "bias": False},
    ],
    ids=["dropout", "three-layers", "one-direction", "no-bias"],
)
@pytest.mark.parametrize("training", [True, False])
def test_outputs_and_gradients_are_those_of_the_packed_lstm(settings, training):
    """The wrapper's outputs (zero at padding) and gradients, with the same dropout draws,
    on rows of every length, an empty row included."""
    torch.manual_seed(0)
    encoder = LstmSeq2SeqEncoder(input_size=5, hidden_size=4, **settings)
    encoder.train(training)
    inputs = torch.randn(6, 9, 5, requires_grad=True)
    lengths = torch.tensor([9, 0, 4, 1, 9, 6])
    mask = torch.arange(9).unsqueeze(0) < lengths.unsqueeze(1)
    weights = torch.randn(6, 9, encoder.get_output_dim())

    results = []
    for run in (encoder, lambda text, mask_: padded_lstm(encoder._module, text, mask_)):
        torch.manual_seed(1)
        encoder.zero_grad()
        inputs.grad = None
        output = run(inputs, mask)
        (output * weights).sum().backward()
        gradients = [inputs.grad] + [parameter.grad for parameter in encoder.parameters()]
        results.append((output.detach(), gradients))
    (expected, expected_gradients), (got, got_gradients) = results
    assert torch.allclose(got, expected, atol=1e-6)
    assert got[~mask].abs().sum() == 0
    for got_gradient, expected_gradient in zip(got_gradients, expected_gradients):
        assert torch.allclose(got_gradient, expected_gradient, atol=1e-5)


def test_only_the_lstm_encoder_runs_padded_with_the_same_module_and_parameters():
    lstm = LstmSeq2SeqEncoder(input_size=3, hidden_size=2, num_layers=2, bidirectional=True)
    padded = with_padded_lstm(lstm)
    assert isinstance(padded, PaddedLstmSeq2SeqEncoder) and padded._module is lstm._module
    assert list(padded.state_dict()) == list(lstm.state_dict())
    assert padded.get_output_dim() == lstm.get_output_dim() == 4
    inputs = torch.randn(2, 4, 3)
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    assert torch.allclose(padded(inputs, mask), lstm(inputs, mask), atol=1e-6)
    stateful = LstmSeq2SeqEncoder(input_size=3, hidden_size=2, stateful=True)
    gru = GruSeq2SeqEncoder(input_size=3, hidden_size=2)
    assert with_padded_lstm(stateful) is stateful and with_padded_lstm(gru) is gru
