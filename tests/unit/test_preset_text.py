"""Text from a preset or a CSV file reaches a message escaped and cut: one line, no
control characters, a sensible length. The name and description as loaded are safe to
print; the text as written stays in `raw` and is what a save writes back."""

from __future__ import annotations

import textwrap
import unicodedata
from pathlib import Path

import pytest
from backprop_tui.core.config.presets import PresetError, list_presets, load, parse
from backprop_tui.tui import preset_writer
from hypothesis import given, settings
from hypothesis import strategies as st


def printable(message: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in message)


def toml_string(text: str) -> str:
    """`text` as a TOML basic string, every character outside printable ASCII escaped."""
    out = []
    for char in text:
        if char in '"\\' or not (" " <= char <= "~"):
            out.append(f"\\U{ord(char):08x}" if ord(char) > 0xFFFF else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def error_for(text: str) -> PresetError:
    with pytest.raises(PresetError) as info:
        parse(textwrap.dedent(text), key="t", shown="t.toml")
    return info.value


def test_a_newline_in_a_bad_value_cannot_forge_the_verdict_line(tiny_toml):
    error = error_for(
        tiny_toml.replace("learning_rate = 0.5", 'learning_rate = "0.5\\nok: the preset is valid"')
    )
    assert str(error) == (
        't.toml: [optimizer] learning_rate: expected a number, got "0.5\\nok: the preset is valid"'
    )


def test_an_escape_sequence_in_the_name_is_escaped_and_kept_raw_for_saving(tmp_path, tiny_toml):
    text = tiny_toml.replace('name = "Tiny"', 'name = "\\u001b]0;PWNED\\u0007"')
    preset = parse(textwrap.dedent(text), key="t")
    assert preset.name == "\\x1b]0;PWNED\\x07"
    assert preset.raw["name"] == "\x1b]0;PWNED\x07"
    saved = preset_writer.save(tmp_path / "again.toml", preset)
    assert load(saved).raw["name"] == "\x1b]0;PWNED\x07"


def test_a_description_keeps_its_lines_but_not_its_control_characters(tiny_toml):
    text = tiny_toml.replace(
        '"A tiny preset.\\nSecond line."', '"One.\\r\\nTwo \\u001b[31mred\\u202e."'
    )
    preset = parse(textwrap.dedent(text), key="t")
    assert preset.description == "One.\nTwo \\x1b[31mred\\u202e."
    assert preset.summary == "One."


def test_a_long_name_is_cut_to_one_short_line(tiny_toml):
    preset = parse(textwrap.dedent(tiny_toml.replace("Tiny", "n" * 5000)), key="t")
    assert len(preset.name) == 80 and preset.name.endswith("…")


def test_an_unknown_key_with_control_characters_is_escaped(tiny_toml):
    error = error_for(tiny_toml.replace("[loss]", '[loss]\n"kind\\u001b[2J" = 1'))
    assert "kind\\x1b[2J" in str(error) and printable(str(error))


def test_a_megabyte_value_is_not_echoed_whole(tiny_toml):
    error = error_for(tiny_toml.replace('"tanh"', '"' + "s" * 1_000_000 + '"'))
    assert error.key == "[network] activations, item 1"
    assert len(str(error)) < 500


def test_a_file_name_with_an_escape_sequence_is_escaped_in_the_key_and_messages(
    preset_file, tiny_toml
):
    path = preset_file(tiny_toml.replace('name = "Tiny"\n', ""), "\x1b]0;PWNED\x07.toml")
    preset = load(path)
    assert preset.key == preset.name == "\\x1b]0;PWNED\\x07"
    path.write_text("[network")
    with pytest.raises(PresetError) as info:
        load(path)
    assert printable(str(info.value)) and "\\x1b]0;PWNED\\x07.toml" in str(info.value)


def test_csv_headers_and_cells_are_escaped(tmp_path, preset_file, tiny_toml):
    (tmp_path / "d.csv").write_text("a\x1b[31m,y\n1\x07,0\n2,1\n")
    text = tiny_toml.split("[data]")[0] + '[data]\ncsv = "d.csv"\ntarget = "why"\n'
    path = preset_file(text.replace("[2, 3, 1]", "[1, 3, 1]"))
    with pytest.raises(PresetError) as info:
        load(path)
    assert "the header has: a\\x1b[31m, y" in str(info.value) and printable(str(info.value))
    path.write_text(path.read_text().replace('"why"', '"y"'))
    with pytest.raises(PresetError) as info:
        load(path)
    assert "got '1\\x07'" in str(info.value) and printable(str(info.value))


def test_listed_presets_have_printable_names_and_descriptions():
    for summary in list_presets():
        assert printable(summary.name)
        assert all(printable(line) for line in summary.description.splitlines())


KEYS = [
    ('name = "Tiny"', "name = {}"),
    ("learning_rate = 0.5", "learning_rate = {}"),
    ('"sigmoid"', "{}"),
    ('kind = "bce"', "kind = {}"),
    ("[data]", "[data]\ngenerator = {}"),
    ("[loss]", "[loss]\n{} = 1"),
    ("[optimizer]", "[optimizer]\nkind = {}"),
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(KEYS), st.text(min_size=1, max_size=300))
def test_any_text_in_any_key_gives_a_preset_or_a_one_line_printable_error(tiny_toml, where, value):
    old, new = where
    text = textwrap.dedent(tiny_toml).replace(old, new.format(toml_string(value)), 1)
    try:
        preset = parse(text, path=Path("fuzz.toml"), key="t")
    except PresetError as error:
        message = str(error)
        assert printable(message) and len(message) < 1000, message
    else:
        assert printable(preset.name)
