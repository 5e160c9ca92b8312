"""
Start-up compatibility layer for running AllenNLP 2.10 on Python 3.11 with a CPU-only torch.

It is imported by the ``hmtl_allennlp_compat.pth`` file that installing this project puts into
site-packages, so it runs at interpreter start-up, *before* the stock ``allennlp`` command
imports ``allennlp.data`` (which imports ``torchvision`` unconditionally, long before
``--include-package`` gets to load any plugin). It therefore must stay tiny: importing it
reads this one file and registers one import hook; nothing else is imported until needed.

What it does:

1. ``torchvision``: the registry's torchvision wheel that matches torch 2.13 fails next to the
   CPU build of torch (``operator torchvision::nms does not exist``). The hook lets the real
   torchvision import first; only if that import *fails* (or if no torchvision is installed)
   does it put a stand-in module in its place. The stand-in imports cleanly, so ``allennlp``
   starts, and raises a clear ``ImportError`` as soon as anything actually *uses* it (which only
   AllenNLP's vision models do). A working torchvision is used untouched.
2. ``blank_english_pipeline()``: an offline spaCy pipeline (blank English tokenizer plus the
   rule-based sentencizer) for raw-text tokenization, because AllenNLP's ``get_spacy_model``
   tries to download ``en_core_web_sm`` when it is missing.
"""

import importlib.abc
import importlib.machinery
import sys
import types
from typing import NoReturn, Optional

_TORCHVISION = "torchvision"

# Why the real torchvision could not be used; None while it has not been tried or when it works.
torchvision_failure: Optional[str] = None


class _UnavailableModule(types.ModuleType):
    """A stand-in for torchvision (or one of its submodules) that fails on first use."""

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise ImportError(
            f"{self.__name__}.{name} is unavailable: torchvision could not be imported "
            f"({torchvision_failure}). Only AllenNLP's vision models need it; install a "
            f"torchvision build that matches your torch to use them."
        )


class _StandInLoader(importlib.abc.Loader):
    def create_module(self, spec):
        module = _UnavailableModule(spec.name)
        module.__path__ = []  # a package, so that `import torchvision.x` also finds a stand-in
        return module

    def exec_module(self, module):
        pass


class _FallbackLoader(importlib.abc.Loader):
    """Runs the real torchvision loader; if that raises, turns the module into a stand-in."""

    def __init__(self, real_loader: importlib.abc.Loader):
        self.real_loader = real_loader

    def create_module(self, spec):
        return self.real_loader.create_module(spec)

    def exec_module(self, module):
        global torchvision_failure
        try:
            self.real_loader.exec_module(module)
        except Exception as error:  # noqa: BLE001 - any failure means "not usable here"
            torchvision_failure = f"{type(error).__name__}: {error}"
            for name in [name for name in sys.modules if name.startswith(_TORCHVISION + ".")]:
                del sys.modules[name]
            stand_in = _StandInLoader().create_module(module.__spec__)
            sys.modules[_TORCHVISION] = stand_in


class TorchvisionFallbackFinder(importlib.abc.MetaPathFinder):
    """
    A `sys.meta_path` finder that only ever answers for ``torchvision`` and its submodules.
    For any other module it returns ``None`` after one string comparison.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _TORCHVISION and not fullname.startswith(_TORCHVISION + "."):
            return None
        global torchvision_failure
        if fullname != _TORCHVISION:
            # Submodules: the real ones are found normally when the real package loaded.
            if isinstance(sys.modules.get(_TORCHVISION), _UnavailableModule):
                return importlib.machinery.ModuleSpec(fullname, _StandInLoader(), is_package=True)
            return None
        real_spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        # A spec without a loader is a bare namespace directory, not an installed torchvision.
        if real_spec is None or real_spec.loader is None:
            torchvision_failure = "it is not installed"
            return importlib.machinery.ModuleSpec(fullname, _StandInLoader(), is_package=True)
        real_spec.loader = _FallbackLoader(real_spec.loader)
        return real_spec


def install() -> None:
    """Registers the torchvision hook once (called from the ``.pth`` file)."""
    if not any(isinstance(finder, TorchvisionFallbackFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, TorchvisionFallbackFinder())


def torchvision_is_stand_in() -> bool:
    """True when ``torchvision`` was imported and is the stand-in, not the real package."""
    return isinstance(sys.modules.get(_TORCHVISION), _UnavailableModule)


def blank_english_pipeline():
    """
    An offline spaCy pipeline for English raw text: the rule-based tokenizer of
    ``spacy.blank("en")`` plus the ``sentencizer`` for sentence boundaries. It needs no model
    download (the official model packages are not on the package registry).
    """
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp
