"""
Loading a model archive with a one-line explanation of what is wrong when it cannot be loaded.
"""

import os
from typing import Any

from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import Archive, load_archive


class ArchiveLoadError(ConfigurationError):
    """A model archive that is missing or cannot be read; the message is one line."""


def load_model_archive(archive_file: str, **kwargs: Any) -> Archive:
    """
    `allennlp.models.archival.load_archive`, raising `ArchiveLoadError` with a one-line message
    (instead of the error of whichever step failed) when `archive_file` does not exist or is
    not a model archive that loads: not a tar.gz, truncated, without `config.json`, or with
    weights that do not fit its configuration.

    # Parameters

    archive_file : `str`
        The path (or URL) of a `model.tar.gz` written by `allennlp train`.
    **kwargs : `Any`
        Passed to `load_archive` (`cuda_device`, `overrides`, `weights_file`).
    """
    if "://" not in archive_file and not os.path.exists(archive_file):
        raise ArchiveLoadError(f"{archive_file}: no such model archive (file not found).")
    try:
        return load_archive(archive_file, **kwargs)
    except Exception as error:  # noqa: BLE001 - every failure is explained the same way
        reason = " ".join(str(error).split()) or type(error).__name__
        raise ArchiveLoadError(
            f"{archive_file}: cannot load it as a model archive (a model.tar.gz written by "
            f"`allennlp train`): {type(error).__name__}: {reason}"
        ) from error
