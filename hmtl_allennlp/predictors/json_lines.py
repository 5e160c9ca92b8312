"""
Reading a JSON-lines input robustly: each line becomes a `JsonLine`, its JSON object with its
line number, or the reason why it has none, so that one bad line costs one error output and
never the run.

The "hmtl" predictor takes `JsonLine`s as inputs (next to plain dicts), and names their line in
its outputs and errors. `allennlp predict` hands it the lines of its input file through
`raw_line_input`, which reads the file as bytes and calls `read_json_lines`; from Python,
`read_json_lines(open(path, "rb"))` does the same.
"""

import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional, Union

from allennlp.common.util import JsonDict

# What some editors write at the start of a UTF-8 file (the readers skip it too).
_BYTE_ORDER_MARK = "\ufeff"


@dataclass(frozen=True)
class JsonLine:
    """
    One line of a JSON-lines input.

    # Parameters

    number : `int`, optional (default = `None`)
        The line's number in its input, from 1 (blank lines counted); `None` for a line read
        on its own.
    document : `JsonDict`, optional (default = `None`)
        The JSON object of the line; `None` when it could not be read.
    error : `str`, optional (default = `None`)
        Why the line could not be read, naming the line ("input line 3: not valid JSON (...).").
    """

    number: Optional[int] = None
    document: Optional[JsonDict] = None
    error: Optional[str] = None


def read_json_line(line: str, number: Optional[int] = None) -> JsonLine:
    """
    Line `number` (or a line on its own) as a JSON object, or the error that says why it is
    not one: not JSON, nested too deeply for Python, holding an integer of more than 4,300
    digits, or a JSON value that is not an object.
    """
    try:
        # strict=False: control characters (a tab, a carriage return) inside strings are read
        # as written rather than rejected.
        content = json.loads(line, strict=False)
    except RecursionError:
        return _unreadable(number, "JSON nested too deeply to read")
    except json.JSONDecodeError as error:
        return _unreadable(number, f"not valid JSON ({error})")
    except ValueError as error:
        # Python refuses integers of more than 4,300 digits.
        return _unreadable(number, f"cannot read its JSON ({error})")
    if not isinstance(content, dict):
        return _unreadable(number, f"expected a JSON object, found {json_type(content)}")
    return JsonLine(number, content)


def read_json_lines(lines: Iterable[Union[bytes, str]]) -> Iterator[JsonLine]:
    """
    The `JsonLine` of each non-blank line of a JSON-lines input, numbered as in the input
    (blank lines have none, but are counted). Lines may be bytes, as a file opened in binary
    mode gives them: a line that is not UTF-8 is then an error of its own, and only line feeds
    end a line (a carriage return alone is whitespace of a JSON object). A UTF-8 byte order
    mark at the start of the input is skipped.
    """
    for number, raw_line in enumerate(lines, start=1):
        if isinstance(raw_line, bytes):
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError as error:
                yield _unreadable(number, f"not valid UTF-8 ({error})")
                continue
        else:
            line = raw_line
        if number == 1:
            line = line.removeprefix(_BYTE_ORDER_MARK)
        if line.strip():
            yield read_json_line(line, number)


def where(number: Optional[int]) -> str:
    """How messages name a line: "input line 3", or "input line" for a line on its own."""
    return "input line" if number is None else f"input line {number}"


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    if type(value) in names:
        return names[type(value)]
    return "number" if isinstance(value, (int, float)) else type(value).__name__


def _unreadable(number: Optional[int], problem: str) -> JsonLine:
    return JsonLine(number, error=f"{where(number)}: {problem}.")
