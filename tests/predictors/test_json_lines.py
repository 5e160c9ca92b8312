"""Reading JSON-lines input: one `JsonLine` per non-blank line, an error for each bad one."""

import pytest

from hmtl_allennlp.predictors.json_lines import JsonLine, read_json_line, read_json_lines


def test_lines_are_numbered_as_in_the_input_and_blank_ones_skipped():
    lines = [b'\xef\xbb\xbf{"a": 1}\n', b"\n", b"  \n", b'{"b":\r 2}\n', b'{"c": "\t"}']
    assert list(read_json_lines(lines)) == [
        JsonLine(1, {"a": 1}),
        JsonLine(4, {"b": 2}),
        JsonLine(5, {"c": "\t"}),
    ]
    # Text lines are read the same way.
    assert list(read_json_lines(['\ufeff{"a": 1}', "", '{"b": 2}'])) == [
        JsonLine(1, {"a": 1}),
        JsonLine(3, {"b": 2}),
    ]


def test_a_byte_order_mark_is_skipped_on_the_first_line_only():
    (second,) = read_json_lines([b"", b'\xef\xbb\xbf{"a": 1}'])
    assert second.document is None and second.error.startswith("input line 2: not valid JSON")


@pytest.mark.parametrize(
    "line, error",
    [
        (b'{"text": "Cur\xe9"}', "input line 1: not valid UTF-8 ('utf-8' codec can't decode"),
        (b"{not json", "input line 1: not valid JSON (Expecting property name"),
        (b"[" * 1000 + b"]" * 1000, "input line 1: JSON nested too deeply to read."),
        (b'{"n": ' + b"7" * 5000 + b"}", "input line 1: cannot read its JSON (Exceeds the limit"),
        (b"[1, 2]", "input line 1: expected a JSON object, found array."),
        (b'"text"', "input line 1: expected a JSON object, found string."),
        (b"null", "input line 1: expected a JSON object, found null."),
    ],
)
def test_each_unreadable_line_is_an_error_naming_it(line, error):
    (json_line,) = read_json_lines([line])
    assert json_line.number == 1 and json_line.document is None
    assert json_line.error.startswith(error), json_line.error


def test_reading_is_the_same_every_time():
    lines = [b'{"a": 1}', b"bad", b'{"b": 2}']
    assert list(read_json_lines(lines)) == list(read_json_lines(lines))


def test_a_line_on_its_own_has_no_number():
    assert read_json_line('{"a": 1}') == JsonLine(None, {"a": 1})
    assert read_json_line("[]").error == "input line: expected a JSON object, found array."
