"""Pilot tests of the dashboard's dialogs: preset picker, open, settings form, save,
export and editing a cell — and that every failure is a notice, never a crash."""

from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest
from app_pilot import SIZE, make_app, notices, ready, round_trip, wait_until
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.tui.screens.dialogs import ConfirmDialog, NumberDialog, PathDialog
from backprop_tui.tui.screens.preset_picker import PresetPicker, reflow
from backprop_tui.tui.screens.settings_form import SettingsForm, parse_settings
from backprop_tui.tui.worker.commands import Settings
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, TabbedContent

XOR_TEXT = load("xor").path.read_text()


async def type_into(pilot: Pilot, selector: str, text: str) -> None:
    """Clear the Input, then type `text` key by key as a person would (long texts such
    as paths are pasted, as a person would too)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.press("home", "ctrl+k")
    if len(text) <= 12:
        await pilot.press(*text)
    else:
        field.post_message(events.Paste(text))
        await wait_until(pilot, lambda: field.value == text, "the pasted text")


async def open_dialog(pilot: Pilot, key: str, kind: type) -> None:
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__)


async def back_on_dashboard(pilot: Pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.screen is pilot.app.screen_stack[0], "dashboard")


# -- preset picker -----------------------------------------------------------------------


async def test_p_lists_the_shipped_presets_and_a_filter_narrows_them() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "p", PresetPicker)
        options = app.screen.query_one(OptionList)
        assert options.option_count >= 9
        await pilot.press(*"moon")
        await wait_until(pilot, lambda: options.option_count == 1, "the filtered list")
        assert options.get_option_at_index(0).id == "moons"
        await pilot.press("enter")
        await back_on_dashboard(pilot)
        await wait_until(pilot, lambda: app.preset.key == "moons" and not app._pending, "moons")
        assert app.title == load("moons").name
        assert app.status.preset_name == load("moons").name
        assert app.context.sizes == load("moons").sizes


async def test_the_picker_moves_with_arrows_and_escape_keeps_the_preset() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "p", PresetPicker)
        options = app.screen.query_one(OptionList)
        start = options.highlighted
        await pilot.press("down")
        assert options.highlighted == (start + 1) % options.option_count
        await pilot.press("escape")
        await back_on_dashboard(pilot)
        await round_trip(pilot)
        assert app.preset.key == "seed-toy"
        assert not app._pending


async def test_the_highlighted_presets_description_shows_under_the_list() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "p", PresetPicker)
        await pilot.press(*"spiral")
        shown = app.screen.query_one("#preset-description")
        await wait_until(pilot, lambda: "spiral" in str(shown.content).lower(), "the text")
        assert str(shown.content) == reflow(load("spiral").description)


def test_reflow_joins_hard_wrapped_lines_but_keeps_paragraphs_and_items() -> None:
    text = "One two\nthree.\n\nItems:\n- first\n  goes on\n- second"
    assert reflow(text) == "One two three.\n\nItems:\n- first goes on\n- second"


async def test_a_filter_that_matches_nothing_says_so() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "p", PresetPicker)
        await pilot.press(*"zzzz", "enter")
        assert "no preset matches" in str(app.screen.query_one("#picker-empty").content)
        assert isinstance(app.screen, PresetPicker)


# -- open a file ------------------------------------------------------------------------


async def test_o_opens_a_preset_file_by_path(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        load("xor").path.read_text().replace("learning_rate = 0.5", "learning_rate = 0.25")
    )
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "o", PathDialog)
        await type_into(pilot, "#dialog-input", str(path))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.lr == 0.25, "the opened preset")
        assert app.context.sizes == (2, 4, 1)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad-syntax.toml", "name = \n", "bad-syntax.toml"),
        ("bad-key.toml", XOR_TEXT.replace("activations =", "activation ="), "activation"),
        ("bad-name.toml", XOR_TEXT.replace('"tanh"', '"tanhh"'), "did you mean"),
    ],
    ids=["syntax", "unknown-key", "unknown-name"],
)
async def test_a_broken_preset_is_a_notice_and_the_app_goes_on(
    tmp_path, name, text, expected
) -> None:
    path = tmp_path / name
    path.write_text(text)
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "o", PathDialog)
        await type_into(pilot, "#dialog-input", str(path))
        await pilot.press("enter")
        await wait_until(pilot, lambda: notices(app, "error"), "the error notice")
        assert expected in notices(app, "error")[-1]
        await back_on_dashboard(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        assert app.preset.key == "seed-toy"


async def test_a_notice_shows_toml_tables_in_brackets_as_written() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        app.notify("broken.toml: [loss]: missing table", severity="error")
        await wait_until(pilot, lambda: app.screen.query("Toast"), "the toast")
        shown = " ".join(str(toast.render()) for toast in app.screen.query("Toast"))
        assert "[loss]: missing table" in shown, shown


async def test_a_missing_file_is_a_notice(tmp_path) -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "o", PathDialog)
        await type_into(pilot, "#dialog-input", str(tmp_path / "nowhere.toml"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: notices(app, "error"), "the error notice")
        assert app.is_running


async def test_an_empty_path_keeps_the_dialog_open_with_a_hint() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "o", PathDialog)
        await pilot.press("enter")
        assert isinstance(app.screen, PathDialog)
        assert "type something" in str(app.screen.query_one("#dialog-error").content)
        await pilot.press("escape")
        await back_on_dashboard(pilot)


# -- settings form ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "setting"),
    [
        ("#lr", "0.125", {"lr": 0.125}),
        ("#batch-size", "2", {"batch_size": 2}),
        ("#epochs", "42", {"epochs": 42}),
        ("#stop-loss", "0.01", {"stop_loss": 0.01}),
    ],
)
async def test_each_settings_field_is_applied(field, text, setting) -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        before = app.status.settings
        await open_dialog(pilot, "f", SettingsForm)
        await type_into(pilot, field, text)
        await pilot.press("enter")
        await back_on_dashboard(pilot)
        await wait_until(pilot, lambda: app.status.settings != before, f"{field} = {text}")
        assert app.status.settings == replace(before, **setting)


async def test_the_optimizer_select_switches_the_optimizer() -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "s", SettingsForm)
        app.screen.query_one("#optimizer", Select).value = "adam"
        await pilot.click("#apply")
        await back_on_dashboard(pilot)
        await wait_until(pilot, lambda: app.status.settings.optimizer == "adam", "adam")
        await pilot.press("n")
        await ready(pilot, 1)
        assert app.snapshot.optimizer_state[0].keys() == {"m", "s"}


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("#lr", "fast", "learning rate"),
        ("#lr", "-1", "learning rate"),
        ("#batch-size", "2.5", "batch size"),
        ("#epochs", "0", "epochs"),
        ("#stop-loss", "low", "stop-at loss"),
    ],
)
async def test_a_bad_value_is_named_inline_and_nothing_is_applied(field, text, message) -> None:
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        before = app.status.settings
        await open_dialog(pilot, "f", SettingsForm)
        await type_into(pilot, field, text)
        await pilot.press("enter")
        assert isinstance(app.screen, SettingsForm)
        assert message in str(app.screen.query_one("#settings-error").content)
        await pilot.press("escape")
        await back_on_dashboard(pilot)
        await pilot.press("n")
        await ready(pilot, 1)
        assert app.status.settings == before


def test_parse_settings_reads_an_empty_stop_loss_as_none() -> None:
    assert parse_settings("0.5", "0", "10", "sgd", " ") == Settings(0.5, 0, 10, "sgd", None)


# -- save and export --------------------------------------------------------------------


async def test_ctrl_s_saves_a_preset_that_reloads_to_identical_weights(tmp_path) -> None:
    path = tmp_path / "trained.toml"
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n", "n", "n")
        await ready(pilot, 3)
        await open_dialog(pilot, "ctrl+s", PathDialog)
        await type_into(pilot, "#dialog-input", str(path))
        await pilot.press("enter")
        await wait_until(pilot, path.exists, "the saved file")
        reloaded = build_trainer(load(path))
        for got, want in zip(
            reloaded.network.W + reloaded.network.b, app.snapshot.W + app.snapshot.b, strict=True
        ):
            np.testing.assert_array_equal(got, want)
        assert any("saved" in note for note in notices(app))


async def test_saving_over_a_file_asks_first_and_no_keeps_it(tmp_path) -> None:
    path = tmp_path / "keep.toml"
    path.write_text("mine\n")
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "ctrl+s", PathDialog)
        await type_into(pilot, "#dialog-input", str(path))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("n")
        await back_on_dashboard(pilot)
        assert path.read_text() == "mine\n"


async def test_an_unwritable_save_path_is_a_notice(tmp_path) -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_dialog(pilot, "ctrl+s", PathDialog)
        await type_into(pilot, "#dialog-input", str(tmp_path / "no-such-folder" / "x.toml"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: notices(app, "error"), "the error notice")
        await back_on_dashboard(pilot)
        assert app.is_running


async def test_x_exports_the_loss_history_as_csv(tmp_path) -> None:
    path = tmp_path / "history.csv"
    app = make_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("n", "n", "n", "n")
        await ready(pilot, 4)
        await open_dialog(pilot, "x", PathDialog)
        await type_into(pilot, "#dialog-input", str(path))
        await pilot.press("enter")
        await wait_until(pilot, path.exists, "the CSV")
        rows = list(csv.DictReader(path.open()))
        assert [int(row["epoch"]) for row in rows] == [1, 2, 3, 4]
        assert float(rows[-1]["train_loss"]) == app.snapshot.history[-1].train_loss


# -- editing a cell ---------------------------------------------------------------------


async def test_enter_on_a_weight_cell_lets_a_person_type_a_new_value() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        tables = app.query_one("#tables")
        tabs = tables.query_one(TabbedContent)
        await wait_until(pilot, lambda: tabs.is_mounted and tabs.tab_count == 2, "the tabs")
        tables.active_layer = 2
        await wait_until(pilot, lambda: tables.active_layer == 2, "layer 2's tab")
        table = tables.tables[(2, "W")]
        await wait_until(pilot, lambda: table.row_count == 1, "the W(2) table")
        table.focus()
        table.move_cursor(row=0, column=1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NumberDialog), "the dialog")
        assert app.screen.query_one(Input).value == repr(0.45)
        await type_into(pilot, "#dialog-input", "-3.5")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.W[1][0, 1] == -3.5, "the edit")
        assert app.snapshot.W[1][0, 0] == 0.4


async def test_a_cell_value_that_is_not_a_number_is_refused_inline() -> None:
    app = make_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        tables = app.query_one("#tables")
        app.post_message(tables.EditRequested(1, "b", (0,), 0.35))
        await wait_until(pilot, lambda: isinstance(app.screen, NumberDialog), "the dialog")
        await type_into(pilot, "#dialog-input", "nan")
        await pilot.press("enter")
        assert "not a finite number" in str(app.screen.query_one("#dialog-error").content)
        await type_into(pilot, "#dialog-input", "1.5")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.b[0][0] == 1.5, "the edit")
        assert app.snapshot.b[0].tolist() == [1.5, 0.35]
