"""
Dynamic int8 quantization of a trained model for prediction on CPU.

The weights of the LSTMs and linear layers are stored as 8-bit integers, and their inputs are
quantized on the fly, batch by batch (`torch.ao.quantization.quantize_dynamic`): no calibration
data, no retraining, a smaller model and cheaper matrix products on CPU. Everything else (the
embeddings, the character CNN, the CRF transitions) stays in float32.
"""

import warnings
from typing import List, Optional, Set

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.models import Model

# The quantizations a predictor accepts (`None`: the model as trained).
QUANTIZATIONS = ("int8",)
# The module types whose weights are quantized.
QUANTIZED_TYPES = (torch.nn.Linear, torch.nn.LSTM)


def check_quantization(quantize: Optional[str]) -> None:
    """Raises `ConfigurationError` unless `quantize` is `None` or one of `QUANTIZATIONS`."""
    if quantize is not None and quantize not in QUANTIZATIONS:
        choices = ", ".join(repr(name) for name in QUANTIZATIONS)
        raise ConfigurationError(
            f"quantize must be one of {choices} or null (no quantization), got {quantize!r}."
        )


def quantized_module_names(model: torch.nn.Module) -> List[str]:
    """
    The names of the modules of `model` that `quantize_model` quantizes: every `Linear` and
    `LSTM`, except those whose weights a module reads itself instead of calling the layer (a
    module lists them in its `float_weight_modules()`, see `LevelHead`): a quantized layer keeps
    its weights packed, so such a read would fail.
    """
    kept_float: Set[int] = set()
    for module in model.modules():
        float_weight_modules = getattr(module, "float_weight_modules", None)
        if callable(float_weight_modules):
            kept_float.update(id(kept) for kept in float_weight_modules())
    return [
        name
        for name, module in model.named_modules()
        if type(module) in QUANTIZED_TYPES and id(module) not in kept_float
    ]


def quantize_model(model: Model, quantize: str = "int8") -> Model:
    """
    A copy of `model` (on CPU, in eval mode) with its LSTMs and linear layers quantized
    dynamically to int8 (see `quantized_module_names` for the few that stay in float32); the
    model given is left as it was.

    # Parameters

    model : `Model`, required
        A trained model on CPU.
    quantize : `str`, optional (default = `"int8"`)
        The quantization, one of `QUANTIZATIONS`.
    """
    check_quantization(quantize)
    devices = {parameter.device.type for parameter in model.parameters()}
    if devices - {"cpu"}:
        raise ConfigurationError(
            f"{quantize} quantization is for prediction on CPU; the model is on "
            f"{', '.join(sorted(devices))} (use cuda_device -1)."
        )
    qconfig = torch.ao.quantization.default_dynamic_qconfig
    names = quantized_module_names(model)
    with warnings.catch_warnings():
        # torch announces that torch.ao.quantization will move to the torchao package; the
        # eager-mode dynamic quantization used here still works in this torch.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        quantized = torch.ao.quantization.quantize_dynamic(
            model, {name: qconfig for name in names}, dtype=torch.qint8, inplace=False
        )
    quantized.eval()
    return quantized
