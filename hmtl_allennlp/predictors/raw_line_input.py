"""
`allennlp predict` for predictors that read raw input lines.

The stock command decodes its input file as UTF-8 text before a predictor sees a line: one byte
that is not UTF-8 stops the run, without a line number and losing the lines already read ahead,
and Python's universal newlines split a line at a bare carriage return, which JSON allows as
whitespace. A predictor cannot help from `load_line`, which gets lines already decoded and split.
So, for a predictor with a `load_raw_lines` method (the "hmtl" predictor), the command reads the
file as bytes, split at line feeds only, and hands the predictor the lines as they are; it turns
each into a document or an error. Every other predictor is served exactly as before.

AllenNLP has no extension point for this: `allennlp predict` builds its private
`_PredictManager`, which opens the input file itself, and a plugin's subcommand of the same name
would not be used (the command's function is chosen before `--include-package` imports the
plugin). The one hook is the name the command looks the manager up by when it runs, after it
has built the predictor. So it is not replaced when this package is imported, but when an
"hmtl" predictor is built (`install_raw_line_reading`, called by `HmtlPredictor`): only a
process that builds one gets the raw-line manager, and it serves other predictors as before.
"""

import sys
from typing import Iterator

from allennlp.commands import predict
from allennlp.common.file_utils import cached_path, open_compressed
from allennlp.common.util import JsonDict


class RawLinePredictManager(predict._PredictManager):
    """
    AllenNLP's `_PredictManager` (which runs `allennlp predict`), reading the input as bytes for
    a predictor that has `load_raw_lines(lines: Iterable[bytes]) -> Iterator[JsonDict]`.
    `install_raw_line_reading` puts it in the place of the stock one.
    """

    def _get_json_data(self) -> Iterator[JsonDict]:
        load_raw_lines = getattr(self._predictor, "load_raw_lines", None)
        if load_raw_lines is None:
            yield from super()._get_json_data()
        elif self._input_file == "-":
            yield from load_raw_lines(sys.stdin.buffer)
        else:
            input_file = cached_path(self._input_file)
            with open_compressed(input_file, mode="rb", encoding=None) as raw_input:
                yield from load_raw_lines(raw_input)


def install_raw_line_reading() -> None:
    """
    Makes `allennlp predict` run with `RawLinePredictManager`: the command looks its manager up
    after it has built its predictor, so a predictor that reads raw lines calls this when it is
    built.
    """
    if not issubclass(predict._PredictManager, RawLinePredictManager):
        # Replacing the class the command looks up is the hook; mypy sees a class being rebound.
        predict._PredictManager = RawLinePredictManager  # type: ignore[misc]
