"""
`allennlp predict` for predictors that take the lines of their input as `JsonLine`s.

The stock command decodes its input file as UTF-8 text before a predictor sees a line: one byte
that is not UTF-8 stops the run, without a line number and losing the lines already read ahead,
and Python's universal newlines split a line at a bare carriage return, which JSON allows as
whitespace. A predictor cannot help from `load_line`, which gets lines already decoded and split,
and not numbered. So, for a `JsonLinePredictor` (the "hmtl" predictor), the command reads the
file as bytes and hands the predictor the `JsonLine`s that `json_lines.read_json_lines` makes
of them: each a numbered JSON object, or the error of a line that is not one. Every other
predictor is served exactly as before. (`json_lines` reads lines; this module only hooks that
reading into the command.)

AllenNLP has no extension point for this: `allennlp predict` builds its private
`_PredictManager`, which opens the input file itself, and a plugin's subcommand of the same name
would not be used (the command's function is chosen before `--include-package` imports the
plugin). The one hook is the name the command looks the manager up by when it runs, after it
has built the predictor. So it is not replaced when this package is imported, but when a
`JsonLinePredictor` is built (`install_raw_line_reading`): only a process that builds one gets
the raw-line manager, and it serves other predictors as before.
"""

import json
import sys
from typing import Iterator, List, Sequence, Union

from allennlp.commands import predict
from allennlp.common.file_utils import cached_path, open_compressed
from allennlp.common.util import JsonDict, lazy_groups_of
from allennlp.data import DatasetReader
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor

from hmtl_allennlp.predictors.json_lines import JsonLine, read_json_lines


class JsonLinePredictor(Predictor):
    """
    A predictor whose `predict_batch_json` also takes `JsonLine`s, which `allennlp predict`
    then hands it instead of the decoded lines of its input. Building one installs the
    raw-line manager (`install_raw_line_reading`).
    """

    def __init__(self, model: Model, dataset_reader: DatasetReader, frozen: bool = True) -> None:
        super().__init__(model, dataset_reader, frozen)
        install_raw_line_reading()

    def predict_batch_json(self, inputs: Sequence[Union[JsonDict, JsonLine]]) -> List[JsonDict]:
        """One output per input, in order; an input that cannot be read gets an error output."""
        raise NotImplementedError


class RawLinePredictManager(predict._PredictManager):
    """
    AllenNLP's `_PredictManager` (which runs `allennlp predict`), reading the input as bytes for
    a `JsonLinePredictor`. `install_raw_line_reading` puts it in the place of the stock one.
    """

    def run(self) -> None:
        if self._dataset_reader is not None or not isinstance(self._predictor, JsonLinePredictor):
            super().run()
            return
        # The stock loop, over `JsonLine`s (which `json.dumps` cannot echo as it echoes dicts).
        index = 0
        for batch in lazy_groups_of(self._json_lines(), self._batch_size):
            for json_line, output in zip(batch, self._predictor.predict_batch_json(batch)):
                self._maybe_print_to_console_and_file(
                    index, self._predictor.dump_line(output), _echo(json_line)
                )
                index += 1
        if self._output_file is not None:
            self._output_file.close()

    def _json_lines(self) -> Iterator[JsonLine]:
        if self._input_file == "-":
            yield from read_json_lines(sys.stdin.buffer)
        else:
            input_file = cached_path(self._input_file)
            with open_compressed(input_file, mode="rb", encoding=None) as raw_input:
                yield from read_json_lines(raw_input)


def _echo(json_line: JsonLine) -> str:
    """What the command prints of an input line (without `--silent`)."""
    return (
        json.dumps(json_line.document) if json_line.document is not None else str(json_line.error)
    )


def install_raw_line_reading() -> None:
    """
    Makes `allennlp predict` run with `RawLinePredictManager`: the command looks its manager up
    after it has built its predictor, so a `JsonLinePredictor` calls this when it is built.
    """
    if not issubclass(predict._PredictManager, RawLinePredictManager):
        # Replacing the class the command looks up is the hook; mypy sees a class being rebound.
        predict._PredictManager = RawLinePredictManager  # type: ignore[misc]
