"""
The errors raised on malformed input data and on a diverging training run.
"""

from allennlp.common.checks import ConfigurationError


class DataFormatError(ConfigurationError, ValueError):
    """
    Raised when a data file (or a path pointing at data) cannot be read as the format it should
    be in. The message always names the file, where in it the problem is (the line, and for
    DyGIE JSON the `doc_key`), and what is wrong.

    It is a `ConfigurationError`, so the `allennlp` commands report it as a problem with the
    input rather than a crash, and a `ValueError`, so that callers catching bad values also
    catch it.
    """

    pass


class NonFiniteLossError(ValueError):
    """
    Raised when a task's loss is NaN or infinite: training cannot recover from it (Adam would
    spread the NaN over every parameter), so it stops at once, before the bad update, leaving
    the checkpoints of the epochs before. The message names the task, the loss and the
    instances of the batch.
    """

    pass
