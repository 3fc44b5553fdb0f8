"""The dashboard widgets, each inside a tiny host app, fed hand-built contexts and
snapshots from real trainers (seed-toy and hand-set two-input networks)."""

from __future__ import annotations

import sys
import time
import types
from types import SimpleNamespace

import numpy as np
import pytest
from app_pilot import tables_drawn, wait_until
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.data.dataset import from_arrays
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.training.history import EpochRecord
from backprop_tui.core.training.trainer import Snapshot, Trainer
from backprop_tui.tui.widgets import (
    LayerTables,
    LossChart,
    NetworkView,
    OutputMap,
    TableCell,
    ViewContext,
)
from backprop_tui.tui.widgets.format import (
    CLASS_COLORS,
    READ_BG,
    WRITE_BG,
    format_number,
    signed_rgb,
    signed_style,
)
from backprop_tui.tui.widgets.layer_tables import (
    DASHBOARD_NOTE,
    MAX_BATCH_ROWS,
    MatrixPanel,
    fitting_columns,
    locate,
    locate_all,
)
from backprop_tui.tui.widgets.loss_chart import epoch_ticks
from backprop_tui.tui.widgets.matrix_table import MatrixTable
from backprop_tui.tui.widgets.output_map import (
    TEST_MARK,
    TRAIN_MARK,
    data_bounds,
    equal_aspect,
    value_range,
)
from backprop_tui.tui.widgets.throttle import Throttle
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region, Size
from textual.widget import Widget
from textual.widgets import Static

# -- fixtures --------------------------------------------------------------------------


def plane_trainer() -> Trainer:
    """Two inputs, one sigmoid output ŷ = σ(x1): class 1 right of x1 = 0, class 0 left."""
    network = Network([np.array([[1.0, 0.0]])], [np.array([0.0])], ["sigmoid"])
    train = from_arrays(
        [[-3.0, -3.0], [-3.0, 3.0], [3.0, -3.0], [3.0, 3.0], [-1.5, 0.0], [1.5, 0.0]],
        [[0.0], [0.0], [1.0], [1.0], [0.0], [1.0]],
    )
    test = from_arrays([[-2.0, 1.5], [2.0, -1.5]], [[0.0], [1.0]])
    return Trainer(network, get_loss("bce"), make_optimizer("sgd", lr=0.1), train, test)


class Host(App):
    """A screen holding the given widgets, one under the other."""

    CSS = "#host > * { height: 1fr; }"

    def __init__(self, *widgets: Widget) -> None:
        super().__init__()
        self.widgets = widgets
        self.messages: list[LayerTables.EditRequested] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="host"):
            yield from self.widgets

    def on_layer_tables_edit_requested(self, message: LayerTables.EditRequested) -> None:
        self.messages.append(message)


class Dashboard(App):
    """The four widgets side by side, roughly as the dashboard places them."""

    CSS = """
    #left, #right { width: 1fr; }
    LossChart { height: 12; }
    NetworkView { height: 1fr; border: round $primary; }
    OutputMap { height: 18; border: round $primary; }
    LayerTables { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="left"):
                yield LossChart(max_rate=0)
                yield NetworkView(max_rate=0)
            with Vertical(id="right"):
                yield OutputMap(max_rate=0)
                yield LayerTables(max_rate=0)


def feed(widget, context: ViewContext, *snapshots: Snapshot) -> None:
    widget.set_context(context)
    for snapshot in snapshots:
        widget.show(snapshot)


def hand_snapshot(W, b, history=()) -> Snapshot:
    return Snapshot(
        epoch=len(history),
        step=0,
        global_step=0,
        steps_per_epoch=1,
        lr=0.1,
        W=tuple(np.asarray(w, dtype=float) for w in W),
        b=tuple(np.asarray(v, dtype=float) for v in b),
        history=tuple(history),
    )


def records(losses, test=None, accuracy=None) -> list[EpochRecord]:
    return [
        EpochRecord(
            i + 1,
            float(loss),
            None if test is None else float(test[i]),
            None if accuracy is None else float(accuracy[i]),
        )
        for i, loss in enumerate(losses)
    ]


def span_styles(text: Text):
    """(line number, plain substring, style) for every styled span of a Text."""
    plain = text.plain
    for span in text.spans:
        yield plain.count("\n", 0, span.start), plain[span.start : span.end], span.style


def strips_text(widget: OutputMap) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


# -- context and formatting ------------------------------------------------------------


def test_view_context_from_a_trainer_reads_sizes_activations_loss_and_task(
    seed_toy_trainer,
) -> None:
    ctx = ViewContext.from_trainer(seed_toy_trainer())
    assert ctx.sizes == (1, 2, 1)
    assert ctx.activations == ("sigmoid", "sigmoid")
    assert ctx.loss == "half_sse"
    assert ctx.task == "classification"
    assert ctx.n_layers == 2 and ctx.n_inputs == 1 and ctx.test is None


def test_view_context_from_a_preset_loads_its_data_through_core_presets(monkeypatch) -> None:
    train = from_arrays([[0.0, 1.0]], [[2.0]])
    fake = types.ModuleType("backprop_tui.core.config.presets")
    fake.load_data = lambda preset: (train, None)
    monkeypatch.setitem(sys.modules, "backprop_tui.core.config.presets", fake)
    preset = SimpleNamespace(name="p", sizes=[2, 3, 1], activations=["tanh", "linear"], loss="mse")
    ctx = ViewContext.from_preset(preset)
    assert ctx.sizes == (2, 3, 1) and ctx.activations == ("tanh", "linear")
    assert ctx.task == "regression" and ctx.train is train and ctx.name == "p"


def test_view_context_of_a_shipped_preset_matches_its_trainer() -> None:
    from backprop_tui.core.config.presets import build_trainer, load

    preset = load("xor")
    ctx = ViewContext.from_preset(preset)
    trainer = build_trainer(preset)
    assert ctx.sizes == tuple(trainer.network.sizes)
    assert ctx.activations == tuple(act.name for act in trainer.network.activations)
    assert ctx.task == trainer.train_data.task == "classification"
    assert ctx.name == preset.name
    assert len(ctx.train) == len(trainer.train_data)


def test_numbers_use_fixed_decimals_and_scientific_notation_when_tiny() -> None:
    assert format_number(0.15) == "0.1500"
    assert format_number(-0.0131, 4) == "-0.0131"
    assert format_number(0.15, 8) == "0.15000000"
    assert format_number(1.2345e-5) == "1.234e-05"
    assert format_number(-0.00001) == "-1.000e-05"
    assert format_number(0.0) == "0.0000"
    assert format_number(-1e-20, 8) == "-1.0000000e-20"


def test_positive_numbers_are_blue_and_negative_orange() -> None:
    blue = signed_style(1.0, 1.0).color.get_truecolor()
    orange = signed_style(-1.0, 1.0).color.get_truecolor()
    assert blue.blue > blue.red and orange.red > orange.blue
    faint = signed_style(0.01, 1.0).color.get_truecolor()
    assert faint.blue - faint.red < blue.blue - blue.red


# -- every widget ----------------------------------------------------------------------


async def test_every_widget_accepts_a_context_and_a_stream_of_snapshots(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    ctx = ViewContext.from_trainer(trainer)
    app = Dashboard()
    async with app.run_test(size=(120, 40)) as pilot:
        widgets = app.query("LossChart, NetworkView, OutputMap, LayerTables").results()
        widgets = list(widgets)
        for widget in widgets:
            widget.set_context(ctx)
        for _ in range(3):
            trainer.step()
            snapshot = trainer.snapshot()
            for widget in widgets:
                widget.show(snapshot)
            await pilot.pause()
        chart = app.query_one(LossChart)
        assert chart.n_epochs == 3
        tables = app.query_one(LayerTables)
        assert tables.snapshot is snapshot
        assert tables.tables[(1, "W")].values.tolist() == snapshot.W[0].tolist()


async def test_every_shipped_preset_draws_in_every_widget() -> None:
    from backprop_tui.core.config.presets import build_trainer, list_presets, load

    app = Dashboard()
    async with app.run_test(size=(120, 40)) as pilot:
        widgets = list(app.query("LossChart, NetworkView, OutputMap, LayerTables").results())
        presets = [load(summary.key) for summary in list_presets()]
        assert len(presets) >= 9
        for preset in presets:
            trainer = build_trainer(preset)
            ctx = ViewContext.from_preset(preset)
            for widget in widgets:
                widget.set_context(ctx)
                widget.show(trainer.snapshot())
            trainer.step()
            trainer.step()
            for widget in widgets:
                widget.show(trainer.snapshot())
            await pilot.pause()
            for widget in widgets:
                lines = widget.render_lines(Region(0, 0, *widget.size))
                assert len(lines) == widget.size.height, (preset.name, widget)
            tables = app.query_one(LayerTables)
            W1 = tables.tables[(1, "W")]
            assert W1.row_count == ctx.sizes[1], preset.name


# -- loss chart ------------------------------------------------------------------------


async def test_loss_chart_draws_a_long_history_from_at_most_max_points() -> None:
    chart = LossChart(max_points=120, max_rate=0)
    ctx = ViewContext.from_trainer(plane_trainer())
    losses = 1.0 / np.arange(1, 5001)
    snapshot = hand_snapshot([[[1.0, 0.0]]], [[0.0]], records(losses, losses * 1.1, losses))
    async with Host(chart).run_test() as pilot:
        feed(chart, ctx, snapshot)
        await pilot.pause()
        assert chart.n_epochs == 5000
        assert len(chart.drawn_epochs) <= 120
        assert chart.drawn_epochs[0] == 1 and chart.drawn_epochs[-1] == 5000


async def test_loss_chart_log_toggle_flips_the_scale_and_the_title() -> None:
    chart = LossChart(max_rate=0)
    ctx = ViewContext.from_trainer(plane_trainer())
    snapshot = hand_snapshot([[[1.0, 0.0]]], [[0.0]], records([1.0, 0.1, 0.01]))
    async with Host(chart).run_test(size=(80, 20)) as pilot:
        feed(chart, ctx, snapshot)
        await pilot.pause()
        assert not chart.log_scale
        assert "log scale" not in chart.render().plain
        chart.toggle_log_scale()
        await pilot.pause()
        assert chart.log_scale
        assert "loss per epoch (log scale)" in chart.render().plain
        chart.toggle_log_scale()
        assert not chart.log_scale


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (1, 10_000, [2000, 4000, 6000, 8000, 10_000]),
        (1, 500, [100, 200, 300, 400, 500]),
        (1, 2, [1, 2]),
        (37, 41, [37, 38, 39, 40, 41]),
        (3, 3, [3]),
    ],
)
def test_epoch_ticks_are_round_whole_numbers(first, last, expected) -> None:
    assert epoch_ticks(first, last) == expected


async def test_loss_chart_labels_a_single_epoch_as_a_whole_number() -> None:
    chart = LossChart(max_rate=0)
    ctx = ViewContext.from_trainer(plane_trainer())
    async with Host(chart).run_test(size=(60, 16)) as pilot:
        feed(chart, ctx, hand_snapshot([[[1.0, 0.0]]], [[0.0]], records([0.7])))
        await pilot.pause()
        text = chart.render().plain
        axis = text.splitlines()[-2]  # the x tick labels, above "epoch"
        assert "1" in axis and "." not in axis, axis
        # The one loss sits inside the y axis, not at its bottom edge.
        ticks = [float(line.split("┤")[0]) for line in text.splitlines() if "┤" in line]
        assert min(ticks) < 0.7 < max(ticks) < 1.4, ticks


async def test_full_accuracy_is_drawn_below_the_legend_not_through_it() -> None:
    chart = LossChart(max_rate=0)
    ctx = ViewContext.from_trainer(plane_trainer())
    losses = np.linspace(0.9, 0.01, 50)
    history = records(losses, losses * 1.1, np.ones(50))
    async with Host(chart).run_test(size=(80, 24)) as pilot:
        feed(chart, ctx, hand_snapshot([[[1.0, 0.0]]], [[0.0]], history))
        await pilot.pause()
        lines = chart.render().plain.splitlines()
        legend = max(n for n, line in enumerate(lines) if "accuracy" in line)
        full = next(n for n, line in enumerate(lines) if "100%" in line)
        assert full > legend, "\n".join(lines)
        # The right-hand axis is labelled in percent, never above 100%.
        assert any("0%" in line for line in lines[full + 1 :])
        assert not any("%" in line for line in lines[:full])


async def test_loss_chart_does_not_redraw_when_the_history_did_not_grow() -> None:
    chart = LossChart(max_rate=0)
    ctx = ViewContext.from_trainer(plane_trainer())
    history = records([1.0, 0.5])
    async with Host(chart).run_test() as pilot:
        feed(chart, ctx, hand_snapshot([[[1.0, 0.0]]], [[0.0]], history))
        drawn = chart.replots
        chart.show(hand_snapshot([[[2.0, 0.0]]], [[0.0]], history))
        assert chart.replots == drawn
        chart.show(hand_snapshot([[[2.0, 0.0]]], [[0.0]], records([1.0, 0.5, 0.25])))
        assert chart.replots == drawn + 1 and chart.n_epochs == 3
        await pilot.pause()


async def test_loss_chart_starts_again_when_the_history_gets_shorter() -> None:
    chart = LossChart(max_rate=0)
    ctx = ViewContext.from_trainer(plane_trainer())
    async with Host(chart).run_test() as pilot:
        feed(chart, ctx, hand_snapshot([[[1.0, 0.0]]], [[0.0]], records([1.0, 0.5, 0.2])))
        chart.show(hand_snapshot([[[1.0, 0.0]]], [[0.0]], records([0.9])))
        await pilot.pause()
        assert chart.n_epochs == 1 and chart.drawn_epochs.tolist() == [1]


async def test_loss_chart_throttles_a_burst_of_snapshots_into_one_pending_redraw() -> None:
    # One redraw per 1000 s: everything after set_context's redraw waits for the timer.
    chart = LossChart(max_rate=0.001)
    ctx = ViewContext.from_trainer(plane_trainer())
    async with Host(chart).run_test() as pilot:
        chart.set_context(ctx)
        drawn = chart.replots
        for n in range(1, 20):
            chart.show(hand_snapshot([[[1.0, 0.0]]], [[0.0]], records(np.ones(n))))
        assert chart.replots == drawn and chart._throttle.pending
        assert chart.n_epochs == 19
        chart._throttle.run()
        assert chart.replots == drawn + 1 and not chart._throttle.pending
        assert chart.drawn_epochs.tolist() == list(range(1, 20))
        await pilot.pause()


# -- network view ----------------------------------------------------------------------


async def test_network_view_colours_connections_by_the_sign_of_their_weight() -> None:
    view = NetworkView(max_rate=0)
    ctx = ViewContext(
        preset=None,
        sizes=(1, 2),
        activations=("sigmoid",),
        loss="half_sse",
        task="regression",
        train=from_arrays([[0.0]], [[0.5, 0.5]]),
    )
    async with Host(view).run_test() as pilot:
        # Unit 1 (drawn on top) gets a positive weight, unit 2 (below) a negative one.
        feed(view, ctx, hand_snapshot([[[2.0], [-2.0]]], [[0.0, 0.0]]))
        await pilot.pause()
        text = view.build(Size(40, 14))
        lines = text.plain.split("\n")
        input_row = next(n for n, line in enumerate(lines) if line.lstrip().startswith("●"))
        positive = signed_rgb(1, 6)
        negative = signed_rgb(-1, 6)
        upper, lower = set(), set()
        for line, chunk, style in span_styles(text):
            if line != input_row and any(0x2800 < ord(ch) <= 0x28FF for ch in chunk):
                (upper if line < input_row else lower).add(style.color.get_truecolor()[:3])
        assert upper == {positive}
        assert lower == {negative}


async def test_network_view_draws_small_networks_with_their_activations(seed_toy_trainer) -> None:
    view = NetworkView(max_rate=0)
    trainer = seed_toy_trainer()
    async with Host(view).run_test() as pilot:
        feed(view, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        text = view.build(Size(40, 12))
        header = text.plain.split("\n")[0]
        assert "in 1" in header and "σ 2" in header and "σ 1" in header
        diagram = text.plain.split("\n")[:-1]
        assert sum(line.count("●") for line in diagram) == 4


async def test_network_view_summarises_a_network_with_big_layers() -> None:
    view = NetworkView(max_rate=0)
    rng = np.random.default_rng(0)
    W = [rng.normal(size=(16, 2)), rng.normal(size=(1, 16))]
    ctx = ViewContext(
        None, (2, 16, 1), ("relu", "sigmoid"), "bce", "classification", plane_trainer().train_data
    )
    async with Host(view).run_test() as pilot:
        feed(view, ctx, hand_snapshot(W, [np.zeros(16), np.zeros(1)]))
        await pilot.pause()
        plain = view.build(Size(60, 12)).plain
        assert not view.is_drawn
        assert "layer 1  2 → 16  relu" in plain and "layer 2  16 → 1  sigmoid" in plain
        assert f"max |W| {format_number(np.abs(W[0]).max(), 3)}" in plain


async def test_network_summary_draws_each_weight_matrix_as_a_heatmap_when_there_is_room() -> None:
    view = NetworkView(max_rate=0)
    W = [np.full((16, 2), 0.5), np.full((1, 16), -0.5)]
    W[0][0, 0] = -1.0
    ctx = ViewContext(
        None, (2, 16, 1), ("relu", "sigmoid"), "bce", "classification", plane_trainer().train_data
    )
    async with Host(view).run_test() as pilot:
        feed(view, ctx, hand_snapshot(W, [np.zeros(16), np.zeros(1)]))
        await pilot.pause()
        text = view.build(Size(60, 20))
        lines = text.plain.split("\n")
        title = next(n for n, line in enumerate(lines) if line.startswith("W(1)"))
        assert "W(2)" in lines[title]
        # W(2) is 1 × 16: one line of sixteen top halves beside W(1)'s first line.
        assert lines[title + 1].count("▀") == 2 * (2 + 16)
        # W(1) is 16 × 2: eight lines of two half blocks, the first cell's top half
        # (W[0, 0] < 0) orange and its bottom half (W[1, 0] > 0) blue.
        assert lines[title + 1].startswith("▀▀▀▀")
        first = next(style for line, chunk, style in span_styles(text) if line == title + 1)
        assert first.color.get_truecolor().red > first.color.get_truecolor().blue
        assert first.bgcolor.get_truecolor().blue > first.bgcolor.get_truecolor().red
        # Less room: W(1)ᵀ (2 × 16) fits on one line where W(1) would need eight.
        assert "W(1)ᵀ" in view.build(Size(60, 8)).plain
        assert "W(1)" not in view.build(Size(60, 6)).plain


def spiral_like_snapshot() -> tuple[ViewContext, Snapshot]:
    rng = np.random.default_rng(1)
    W = [rng.normal(size=(32, 2)), rng.normal(size=(32, 32)), rng.normal(size=(1, 32))]
    b = [np.zeros(32), np.zeros(32), np.zeros(1)]
    ctx = ViewContext(
        None,
        (2, 32, 32, 1),
        ("relu", "relu", "sigmoid"),
        "bce",
        "classification",
        plane_trainer().train_data,
    )
    return ctx, hand_snapshot(W, b)


async def test_a_wide_network_panel_gives_a_line_a_layer_and_draws_every_matrix() -> None:
    view = NetworkView(max_rate=0)
    ctx, snapshot = spiral_like_snapshot()
    async with Host(view).run_test() as pilot:
        feed(view, ctx, snapshot)
        await pilot.pause()
        lines = view.build(Size(116, 21)).plain.split("\n")
        assert [line.split("  ")[0] for line in lines[:3]] == ["layer 1", "layer 2", "layer 3"]
        assert "max |W|" in lines[0]
        title = lines[4]
        assert "W(1)" in title and "W(2)" in title and "W(3)" in title
        # W(2) is 32 × 32: sixteen lines of half blocks under its title.
        assert len(lines) == 5 + 16
        # With a line to spare, the maps' colour key.
        taller = view.build(Size(116, 23)).plain.split("\n")
        assert "▀▀ w > 0  ▀▀ w < 0" in taller[-1]
        # Narrow: two lines a layer; W(2) fits neither way and is named, W(3) still drawn.
        narrow = view.build(Size(78, 18)).plain
        assert "  max |W|" in narrow.split("\n")[1]
        assert "W(2) 32 × 32 needs 17 lines" in narrow
        assert "W(1)ᵀ" in narrow and "W(3)" in narrow
        # A layer too wide (not too tall) says so.
        wide = NetworkView(max_rate=0)
        wide_ctx = ViewContext(
            None, (100, 4, 1), ("relu", "sigmoid"), "bce", "classification", ctx.train
        )
        await pilot.app.query_one("#host").mount(wide)
        feed(
            wide, wide_ctx, hand_snapshot([np.ones((4, 100)), np.ones((1, 4))], [[0.0] * 4, [0.0]])
        )
        await pilot.pause()
        assert "W(1) 4 × 100 needs 100 columns" in wide.build(Size(80, 20)).plain


# -- layer tables ----------------------------------------------------------------------


async def test_layer_tables_show_W_with_four_decimals_by_default(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        W1 = tables.tables[(1, "W")]
        assert W1.row_count == 2 and W1.column_count == 1
        assert W1.cell_text(0, 0).plain.strip() == "0.1500"
        assert W1.cell_text(1, 0).plain.strip() == "0.2500"
        assert tables.tables[(1, "b")].cell_text(1, 0).plain.strip() == "0.3500"


async def test_layer_tables_mark_exactly_the_cells_that_changed(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        trainer.set_parameter(1, "W", (1, 0), 0.3)
        tables.show(trainer.snapshot())
        await pilot.pause()
        W1 = tables.tables[(1, "W")]
        assert W1.cell_text(1, 0).plain == "0.3000▲"
        assert W1.cell_text(1, 0).style.bold
        assert W1.cell_text(0, 0).plain == "0.1500 "
        assert tables.tables[(1, "b")].cell_text(0, 0).plain == "0.3500 "


async def test_a_training_step_marks_the_weights_that_went_down(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer(train_biases=False)
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        trainer.step()
        tables.show(trainer.snapshot())
        await pilot.pause()
        # δ(1) > 0 and x = 1, so both first-layer weights decrease; b is not trained.
        assert tables.tables[(1, "W")].cell_text(0, 0).plain.endswith("▼")
        assert tables.tables[(1, "b")].cell_text(0, 0).plain.endswith(" ")
        assert tables.tables[(1, "delta")].row_count == 1


async def test_columns_grow_when_a_wider_number_arrives_after_narrower_ones(
    seed_toy_trainer,
) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        W1 = tables.tables[(1, "W")]
        # Wider, then narrower (the column keeps its width), then wider still.
        for value, settle in ((-123.4567, False), (0.5, True), (-234.5678, True)):
            trainer.set_parameter(1, "W", (0, 0), value)
            tables.show(trainer.snapshot())
            if settle:
                await pilot.pause()
        shown = W1.cell_text(0, 0).plain
        assert shown == "-234.5678▼"
        assert W1.columns.widths[0] >= len(shown)
        line = W1.render_lines(Region(0, 1, W1.size.width, 1))[0].text
        assert shown in line


async def test_precision_toggle_shows_eight_decimals_and_back(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        tables.toggle_precision()
        await pilot.pause()
        assert tables.tables[(1, "W")].cell_text(0, 0).plain.strip() == "0.15000000"
        W1 = tables.tables[(1, "W")]
        wide = W1.columns.widths[0]
        tables.toggle_precision()
        await pilot.pause()
        assert W1.cell_text(0, 0).plain.strip() == "0.1500"
        # Back to four decimals, the column narrows again (columns otherwise only grow).
        assert W1.columns.widths[0] < wide


async def test_a_tab_coming_into_view_marks_how_the_last_step_moved_its_weights(
    seed_toy_trainer,
) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        trainer.step()  # W(2) falls from [0.4, 0.45] while tab 1 is on view
        tables.show(trainer.snapshot())
        await pilot.pause()
        tables.active_layer = 2
        await wait_until(pilot, lambda: tables.active_layer == 2, "tab 2")
        await tables_drawn(pilot, tables)
        W2 = tables.tables[(2, "W")]
        assert [W2.cell_text(0, c).plain for c in range(2)] == ["0.3567▼", "0.4051▼"]
        assert tables.tables[(2, "b")].cell_text(0, 0).plain == "0.5304▼"


async def test_highlight_marks_exactly_the_cells_read_and_written(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    trainer.step()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        reads = [SimpleNamespace(quantity="W", layer=1, index=(0, 0)), TableCell("z", 1, (0, 1))]
        writes = [TableCell("b", 1, (1,))]
        tables.highlight(reads, writes)
        await pilot.pause()

        def background(quantity: str, row: int, col: int):
            bg = tables.tables[(1, quantity)].cell_text(row, col).style.bgcolor
            return None if bg is None else tuple(bg.get_truecolor())

        assert background("W", 0, 0) == READ_BG
        assert background("W", 1, 0) is None
        assert background("z", 0, 1) == READ_BG
        assert background("z", 0, 0) is None
        assert background("b", 1, 0) == WRITE_BG
        assert background("b", 0, 0) is None
        assert background("dW", 0, 0) is None
        tables.clear_highlight()
        await pilot.pause()
        assert background("W", 0, 0) is None and background("b", 1, 0) is None


async def test_highlight_switches_to_the_tab_of_the_written_layer(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    trainer.step()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        assert tables.active_layer == 1
        tables.highlight([TableCell("a", 1, None)], [TableCell("delta", 2, (0, 0))])
        await pilot.pause()
        assert tables.active_layer == 2
        delta = tables.tables[(2, "delta")].cell_text(0, 0)
        assert tuple(delta.style.bgcolor.get_truecolor()) == WRITE_BG


def test_trace_cells_are_located_in_the_tables_that_show_them() -> None:
    whole = (None, None)
    assert locate_all(TableCell("W", 2, (0, 1)), 2) == [(2, "W", (0, 1))]
    assert locate_all(TableCell("db", 1, (1,)), 2) == [(1, "db", (1, 0))]
    assert locate_all(TableCell("a", 0, (0, 0)), 2) == [(1, "a_prev", (0, 0))]
    x = SimpleNamespace(quantity="x", layer=None, index=None)
    assert locate_all(x, 2) == [(1, "a_prev", whole)]
    assert locate_all(TableCell("a", 1, None), 2) == [(1, "a", whole), (2, "a_prev", whole)]
    assert locate_all(TableCell("δ", 1, (1,)), 2) == [(1, "delta", (None, 1))]
    y_hat = SimpleNamespace(quantity="y_hat", layer=None, index=None)
    assert locate_all(y_hat, 2) == [(2, "a", whole)]
    assert locate_all(TableCell("W", 3, (0, 0)), 2) == []
    assert locate_all(SimpleNamespace(quantity="loss", layer=None, index=None), 2) == []


def test_locate_gives_the_main_place_of_a_cell_or_none() -> None:
    assert locate(TableCell("a", 1, None), 2) == (1, "a", (None, None))
    assert locate(TableCell("W", 2, (1, 0)), 2) == (2, "W", (1, 0))
    assert locate(SimpleNamespace(quantity="loss", layer=None, index=None), 2) is None


async def test_every_phase_of_a_real_trace_lights_its_tables(seed_toy_trainer) -> None:
    from backprop_tui.core.trace.record import trace_trainer

    trainer = seed_toy_trainer()
    trace = trace_trainer(trainer)
    trainer.step()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        lit = {}
        for phase in trace.phases:
            tables.highlight(phase.reads, phase.writes)
            await pilot.pause()
            lit[(phase.kind, phase.layer)] = tables.active_layer

            def background(layer: int, quantity: str):
                bg = tables.tables[(layer, quantity)].cell_text(0, 0).style.bgcolor
                return None if bg is None else tuple(bg.get_truecolor())

            if phase.kind == "delta_output":
                assert background(2, "delta") == WRITE_BG
                assert background(2, "z") == READ_BG and background(2, "a") == READ_BG
                assert background(2, "y") == READ_BG
                assert background(2, "W") is None
            if phase.kind == "grad_W" and phase.layer == 2:
                assert background(2, "dW") == WRITE_BG
                assert background(2, "a_prev") == READ_BG
        assert lit[("forward_z", 1)] == 1 and lit[("delta_output", 2)] == 2
        assert lit[("update_W", 1)] == 1


async def test_enter_on_a_weight_cell_requests_an_edit_of_that_weight(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    app = Host(tables)
    async with app.run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        W1 = tables.tables[(1, "W")]
        W1.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert len(app.messages) == 1
        message = app.messages[0]
        assert (message.layer, message.quantity, message.index) == (1, "W", (1, 0))
        assert message.current == pytest.approx(0.25)


async def test_clicking_a_weight_twice_requests_an_edit_of_that_weight(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    app = Host(tables)
    async with app.run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        W1 = tables.tables[(1, "W")]
        lines = [strip.text for strip in W1.render_lines(Region(0, 0, *W1.size))]
        y = next(n for n, line in enumerate(lines) if "0.2500" in line)
        x = lines[y].index("0.2500") + 2
        # The first click lands once the table is on screen and moves the cursor there
        # (on a loaded machine the first paint can come after the first click: again).
        for _ in range(50):
            await pilot.click(W1, offset=(x, y))
            await pilot.pause()
            if W1.cursor_coordinate == (1, 0):
                break
        assert W1.cursor_coordinate == (1, 0)
        app.messages.clear()  # a click that landed on the highlighted cell already asked
        await pilot.click(W1, offset=(x, y))
        await pilot.pause()
        assert [(m.layer, m.quantity, m.index) for m in app.messages] == [(1, "W", (1, 0))]


@pytest.mark.parametrize(("preset", "fixed"), [("two-two-two", True), ("xor", False)])
async def test_fixed_biases_say_so_in_their_tables_title(preset, fixed) -> None:
    trainer = build_trainer(load(preset))
    trainer.step()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(160, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        caption = str(tables._panels[(1, "b")].caption.render())
        assert caption.startswith("b(1)") and ("fixed" in caption) == fixed, caption
        assert "fixed" not in str(tables._panels[(1, "W")].caption.render())


async def test_enter_on_a_bias_cell_requests_an_edit_and_a_gradient_cell_does_not(
    seed_toy_trainer,
) -> None:
    trainer = seed_toy_trainer()
    trainer.step()
    tables = LayerTables(max_rate=0)
    app = Host(tables)
    async with app.run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        tables.tables[(1, "dW")].focus()
        await pilot.press("enter")
        tables.tables[(1, "b")].focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [(m.layer, m.quantity, m.index) for m in app.messages] == [(1, "b", (1,))]
        assert app.messages[0].current == pytest.approx(trainer.network.b[0][1])


async def test_batch_tables_show_at_most_the_row_cap() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    data = from_arrays(X, (X[:, :1] > 0).astype(float))
    network = Network([np.array([[1.0, 0.0]])], [np.array([0.0])], ["sigmoid"])
    trainer = Trainer(network, get_loss("bce"), make_optimizer("sgd", lr=0.1), data)
    trainer.step()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        assert tables.tables[(1, "z")].row_count == MAX_BATCH_ROWS
        assert tables.tables[(1, "a_prev")].row_count == MAX_BATCH_ROWS


async def test_hidden_tables_do_no_work_until_they_are_shown(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        tables.set_context(ViewContext.from_trainer(trainer))
        await pilot.pause()
        tables.display = False
        await pilot.pause()
        tables.show(trainer.snapshot())
        await pilot.pause()
        assert tables.tables[(1, "W")].values is None
        tables.display = True
        await pilot.pause()
        await pilot.pause()
        assert tables.tables[(1, "W")].cell_text(0, 0).plain.strip() == "0.1500"


async def test_gradient_tables_wait_for_the_first_step(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        assert tables.tables[(1, "dW")].row_count == 0
        trainer.step()
        tables.show(trainer.snapshot())
        await pilot.pause()
        assert tables.tables[(1, "dW")].row_count == 2


@pytest.mark.parametrize(
    ("widths", "available", "expected"),
    [
        ([10, 10, 10, 10], 46, 4),  # 40 + 3 gaps of 2
        ([10, 10, 10, 10], 45, 3),  # one short: the fourth wraps under the first
        ([45, 14, 32, 32], 79, 2),  # iris at 80 columns: 45 + 32 + 2
        ([45, 14, 32, 32], 60, 1),
        ([200], 80, 1),
    ],
)
def test_tables_wrap_into_the_most_columns_that_fit(widths, available, expected) -> None:
    assert fitting_columns(widths, available, 2) == expected


def four_eight_three_trainer() -> Trainer:
    rng = np.random.default_rng(0)
    network = Network(
        [rng.normal(size=(8, 4)), rng.normal(size=(3, 8))],
        [np.zeros(8), np.zeros(3)],
        ["tanh", "softmax"],
    )
    data = from_arrays(rng.normal(size=(16, 4)), np.eye(3)[rng.integers(0, 3, 16)])
    return Trainer(network, get_loss("cross_entropy"), make_optimizer("sgd", lr=0.1), data)


@pytest.mark.parametrize(
    ("width", "height"), [(60, 60), (80, 60), (120, 60), (200, 60), (110, 20), (127, 20)]
)
async def test_no_table_is_cut_off_at_the_right_while_there_is_room_below(width, height) -> None:
    trainer = four_eight_three_trainer()
    trainer.step()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(width, height)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        await pilot.pause(0.2)
        # Short: the scroll area shows its vertical scrollbar, which must cover no table.
        scroll = next(s for s in tables.query(VerticalScroll) if s.region.width)
        assert scroll.show_vertical_scrollbar or height == 60
        right = scroll.scrollable_content_region.right
        panels = [p for p in tables.query(MatrixPanel) if p.region.width]
        assert len(panels) == 8  # tab 1: W b ∂W ∂b, x z a δ (y is in the last tab)
        for panel in panels:
            assert panel.region.width >= panel.natural_width()
            # Every row laid out (an auto-height table in a grid cell was cut short).
            assert panel.table.region.height == panel.table.row_count + 1
            if panel.natural_width() < width - 1:  # wider than the screen: it scrolls
                assert panel.region.right <= right, (panel.table.quantity, panel.region, right)
        rows = {p.table.quantity: p.region.y for p in panels}
        if width == 200:  # the four parameters side by side
            assert rows["W"] == rows["b"] == rows["dW"] == rows["db"]
        if width == 60:  # one under the other
            assert rows["W"] < rows["b"] < rows["dW"] < rows["db"]


async def test_batch_tables_carry_no_rise_or_fall_marks_but_parameters_do() -> None:
    trainer = four_eight_three_trainer()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(200, 60)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        trainer.step()
        tables.show(trainer.snapshot())
        await pilot.pause()
        trainer.step()
        tables.show(trainer.snapshot())
        await pilot.pause()

        def marks(quantity: str) -> set[str]:
            table = tables.tables[(1, quantity)]
            return {
                table.cell_text(r, c).plain[-1]
                for r in range(table.row_count)
                for c in range(table.column_count)
            }

        assert marks("W") & {"▲", "▼"}
        for quantity in ("a_prev", "z", "a", "delta"):
            assert not marks(quantity) & {"▲", "▼"}, quantity


async def test_the_dashboard_note_says_the_batch_tables_predate_the_update(
    seed_toy_trainer,
) -> None:
    trainer = seed_toy_trainer()
    plain, noted = LayerTables(max_rate=0), LayerTables(max_rate=0, note=DASHBOARD_NOTE)
    async with Host(plain, noted).run_test(size=(120, 60)) as pilot:
        for tables in (plain, noted):
            feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        assert not plain.query(".tables-note")
        note = noted.query_one(".tables-note")
        assert "before its update" in str(note.render())
        assert note.region.y < noted.tables[(1, "W")].region.y


async def test_empty_tables_say_when_they_fill_in_a_line_under_their_title(
    seed_toy_trainer,
) -> None:
    trainer = seed_toy_trainer()
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(120, 40)) as pilot:
        feed(tables, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        panel = next(p for p in tables.query(MatrixPanel) if p.table.quantity == "db")
        assert str(panel.caption.render()).split("\n") == ["∂L/∂b(1)", "(after a step)"]
        assert not panel.table.headers  # no "∂b" header over nothing
        trainer.step()
        tables.show(trainer.snapshot())
        await pilot.pause()
        assert str(panel.caption.render()) == "∂L/∂b(1)  2 × 1"
        assert panel.table.headers == ["∂b"]


# -- the grid under the tables ---------------------------------------------------------


class OneTable(App):
    """A MatrixTable alone, `width` cells wide (0: as wide as its columns)."""

    def __init__(self, quantity: str = "W", width: int = 0) -> None:
        super().__init__()
        self.table = MatrixTable(1, quantity)
        if width:
            self.table.styles.width = width
        self.selected: list[tuple[int, int]] = []

    def compose(self) -> ComposeResult:
        yield self.table

    def on_cell_grid_cell_selected(self, message: MatrixTable.CellSelected) -> None:
        self.selected.append(tuple(message.coordinate))


async def test_a_row_whose_numbers_did_not_change_is_not_drawn_again() -> None:
    app = OneTable()
    values = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    async with app.run_test(size=(60, 10)) as pilot:
        app.table.set_matrix(values, 4, {})
        await pilot.pause()
        app.table.render_lines(Region(0, 0, *app.table.size))
        before = [app.table.render_line(y) for y in range(4)]
        changed = values.copy()
        changed[1, 0] = 0.35
        app.table.set_matrix(changed, 4, {})
        app.table.render_lines(Region(0, 0, *app.table.size))
        after = [app.table.render_line(y) for y in range(4)]
        assert [a is b for a, b in zip(before, after, strict=True)] == [True, True, False, True]
        assert "0.3500▲" in after[2].text


async def test_a_live_table_leaves_no_garbage_for_the_cyclic_collector() -> None:
    import gc

    from backprop_tui.tui import compat

    compat.apply()
    app = OneTable("z")
    rng = np.random.default_rng(0)
    async with app.run_test(size=(200, 40)) as pilot:
        app.table.set_matrix(rng.normal(size=(32, 16)), 4, {})
        await pilot.pause()
        frames = [rng.normal(size=(32, 16)) for _ in range(5)]
        gc.collect()
        gc.disable()
        try:
            for values in frames:
                app.table.set_matrix(values, 4, {(0, None): "read"})
                app.table.render_lines(Region(0, 0, *app.table.size))
            assert gc.collect() == 0
        finally:
            gc.enable()


async def test_clicks_land_on_cells_and_not_on_the_header_or_the_row_labels() -> None:
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        app.table.set_matrix(np.array([[0.1, 0.2], [0.3, 0.4]]), 4, {})
        await pilot.pause()
        # "j=1" takes columns 0-4 with its padding; each number column 9 (7 + padding).
        assert app.table.cell_at((6, 0)) is None  # the header
        assert app.table.cell_at((2, 1)) is None  # a row label
        assert app.table.cell_at((5, 1)) == (0, 0)
        assert app.table.cell_at((13, 2)) == (1, 0)
        assert app.table.cell_at((14, 2)) == (1, 1)
        assert app.table.cell_at((23, 2)) is None  # right of the last column
        assert app.table.cell_at((6, 3)) is None  # under the last row
        await pilot.click(app.table, offset=(2, 1))
        await pilot.click(app.table, offset=(6, 0))
        await pilot.pause()
        assert app.table.cursor_coordinate == (0, 0) and app.selected == []
        await pilot.click(app.table, offset=(15, 2))
        await pilot.click(app.table, offset=(15, 2))
        await pilot.pause()
        assert app.selected == [(1, 1)]


async def test_home_end_and_ctrl_end_move_the_cursor_to_the_edges() -> None:
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        app.table.set_matrix(np.arange(12.0).reshape(3, 4), 4, {})
        await pilot.pause()
        app.table.focus()
        await pilot.press("end")
        assert app.table.cursor_coordinate == (0, 3)
        await pilot.press("ctrl+end", "right", "down")
        assert app.table.cursor_coordinate == (2, 3)
        await pilot.press("home", "ctrl+home", "up", "left")
        assert app.table.cursor_coordinate == (0, 0)


async def test_the_gradient_checks_cursor_lights_its_whole_row_and_keeps_the_header() -> None:
    from backprop_tui.tui.widgets.gradcheck_table import GradCheckTable

    table = GradCheckTable()
    cells = ("0.1", "0.1", "1e-9", "1e-8", "0.1", "1e-16")
    async with Host(table).run_test(size=(60, 8)) as pilot:
        rows = [[(f"∂L/∂W(1)₁,{r}", None), *[(v, None) for v in cells]] for r in range(10)]
        table.reset(table.HEADERS, rows, justify=table.JUSTIFY)
        await pilot.pause()
        table.focus()
        await pilot.press("down", "down")
        await pilot.pause()

        def backgrounds(y: int) -> set:
            return {segment.style.bgcolor for segment in table.render_line(y) if segment.text}

        lines = table.render_lines(Region(0, 0, *table.size))
        assert "entry" in lines[0].text and "rel. error" in lines[0].text
        assert lines[1].text.startswith(" ∂L/∂W(1)₁")
        assert len(backgrounds(3)) == 1 and backgrounds(3) != backgrounds(2)
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_coordinate.row == 9 and table.scroll_y > 0
        assert "entry" in table.render_lines(Region(0, 0, *table.size))[0].text


async def test_a_table_wider_than_its_widget_scrolls_under_its_row_labels() -> None:
    app = OneTable(width=30)
    async with app.run_test(size=(60, 10)) as pilot:
        app.table.set_matrix(np.arange(1.0, 11.0).reshape(1, 10), 4, {})
        await pilot.pause()
        lines = [strip.text for strip in app.table.render_lines(Region(0, 0, 30, 2))]
        assert lines[1].startswith(" j=1  1.0000   2.0000 ")
        assert all(len(line) == 30 for line in lines)
        app.table.focus()
        await pilot.press("end")  # the last column comes into view
        await pilot.pause()
        assert app.table.scroll_x > 0
        lines = [strip.text for strip in app.table.render_lines(Region(0, 0, 30, 2))]
        assert lines[0].startswith("     ") and lines[0].rstrip().endswith("k=10")
        assert lines[1].startswith(" j=1 ") and "10.0000" in lines[1]
        assert all(len(line) == 30 for line in lines)


# -- output map ------------------------------------------------------------------------


async def test_output_map_predicts_each_class_far_inside_its_region() -> None:
    trainer = plane_trainer()
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(60, 20)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        grid = omap.compute(cols=40, rows=20)
        assert grid is not None and grid.y_hat.shape == (20, 40, 1)
        # ŷ = σ(x1): class 0 on the far left of the plane, class 1 on the far right.
        assert (grid.classes[:, :3] == 0).all() and (grid.classes[:, -3:] == 1).all()
        assert grid.y_hat[10, -1, 0] == pytest.approx(1 / (1 + np.exp(-grid.xs[-1])))
        assert grid.ys[0] > grid.ys[-1]


async def test_output_map_colours_the_plane_by_the_predicted_class() -> None:
    trainer = plane_trainer()
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(60, 20)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        row = omap.render_line(2)
        left, right = row._segments[0].style, row._segments[-1].style
        left_rgb = left.color.get_truecolor()
        right_rgb = right.color.get_truecolor()
        assert left_rgb.red > left_rgb.blue
        assert right_rgb.blue > right_rgb.red


async def test_output_map_draws_train_and_test_points_with_different_marks() -> None:
    trainer = plane_trainer()
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(60, 20)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        text = "\n".join(strips_text(omap))
        # Six training points and two test points, none sharing a cell; the legend adds one each.
        assert text.count(TRAIN_MARK) == 6 + 1
        assert text.count(TEST_MARK) == 2 + 1
        for y in range(omap.size.height - 1):
            for segment in omap.render_line(y)._segments:
                if segment.text == TEST_MARK:
                    colour = segment.style.color.get_truecolor()
                    assert tuple(colour) in (CLASS_COLORS[0], CLASS_COLORS[1])


async def test_output_map_of_a_two_input_regression_says_what_the_colour_means() -> None:
    network = Network([np.array([[1.0, 0.0]])], [np.array([0.0])], ["linear"])
    data = from_arrays([[-1.0, 0.0], [1.0, 0.0]], [[-2.0], [2.0]], task="regression")
    trainer = Trainer(network, get_loss("mse"), make_optimizer("sgd", lr=0.1), data)
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(100, 12)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        legend = strips_text(omap)[-1]
        assert "ŷ1 ■ -2…2 ■" in legend
        # ŷ = x1: low (orange) on the left, high (blue) on the right.
        row = omap.render_line(3)._segments
        left, right = row[0].style.color.get_truecolor(), row[-1].style.color.get_truecolor()
        assert left.red > left.blue and right.blue > right.red


async def test_a_classification_map_says_which_colour_is_which_class() -> None:
    trainer = plane_trainer()
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(100, 12)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        legend = omap.render_line(omap.size.height - 1)
        assert "class ■0 ■1" in legend.text
        swatches = [seg.style.color.get_truecolor()[:3] for seg in legend if seg.text == "■"]
        assert swatches == [CLASS_COLORS[0], CLASS_COLORS[1]]


async def test_a_sigmoid_regression_map_spans_what_a_sigmoid_can_output() -> None:
    # two-two-two's case: one sample, sigmoid outputs; the colours run over 0…1, not
    # over ±1 around the single target.
    network = Network([np.array([[1.0, 0.0]])], [np.array([0.0])], ["sigmoid"])
    data = from_arrays([[0.05, 0.1]], [[0.01]], task="regression")
    trainer = Trainer(network, get_loss("half_sse"), make_optimizer("sgd", lr=0.5), data)
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(100, 12)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        assert "ŷ1 ■ 0…1 ■" in strips_text(omap)[-1]


async def test_a_point_on_the_fitted_line_stays_visible_in_the_lines_colour() -> None:
    # seed-scalar's case: ŷ = w·x through its single point (x = 2, t = 5 with w = 2.5).
    network = Network([np.array([[2.5]])], [np.array([0.0])], ["linear"])
    data = from_arrays([[2.0]], [[5.0]], task="regression")
    trainer = Trainer(network, get_loss("half_sse"), make_optimizer("sgd", lr=0.1), data)
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(60, 16)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        rows = strips_text(omap)[:-1]
        assert sum(row.count(TRAIN_MARK) for row in rows) == 1
        assert any(0x2800 < ord(ch) <= 0x28FF for row in rows for ch in row)  # the line


async def test_the_prediction_plots_axis_only_widens_during_a_run() -> None:
    def fresh() -> Trainer:
        network = Network([np.array([[1.5]])], [np.array([0.0])], ["linear"])
        data = from_arrays([[2.0]], [[5.0]], task="regression")
        return Trainer(network, get_loss("half_sse"), make_optimizer("sgd", lr=0.1), data)

    trainer = fresh()
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(60, 16)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        first = omap.value_range
        for _ in range(5):
            trainer.step()
            omap.show(trainer.snapshot())
            await pilot.pause()
            low, high = omap.value_range
            assert low <= first[0] and high >= first[1]
        widened = omap.value_range
        assert widened != first  # ŷ grew past the first axis: it widened
        omap.show(fresh().snapshot())  # a reset: step 0 again, the axis fits afresh
        await pilot.pause()
        assert omap.value_range == first


async def test_output_map_explains_itself_when_the_network_has_one_input(seed_toy_trainer) -> None:
    trainer = seed_toy_trainer()
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(60, 10)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        assert omap.mode == "explain"
        assert "needs exactly two inputs" in " ".join(strips_text(omap))
        assert omap.compute(10, 10) is None


async def test_output_map_plots_the_prediction_over_one_input_regression_data() -> None:
    x = np.linspace(-3, 3, 12)[:, None]
    data = from_arrays(x, np.sin(x) + 0.3, task="regression")
    network = Network([np.array([[0.5]])], [np.array([0.1])], ["linear"])
    trainer = Trainer(network, get_loss("mse"), make_optimizer("sgd", lr=0.1), data)
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(60, 16)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        assert omap.mode == "curve"
        text = "\n".join(strips_text(omap))
        assert TRAIN_MARK in text
        assert any(0x2800 < ord(ch) <= 0x28FF for ch in text)


def test_the_plane_gets_equal_scales_so_circles_stay_round() -> None:
    square = np.array([[-1.0, -1.0], [1.0, 1.0]])
    # 80 × 40 pixels: x1 widened to −2…2 around its centre, x2 kept.
    assert np.allclose(equal_aspect(square, 80, 40), [[-2.0, -1.0], [2.0, 1.0]])
    # Taller than wide: x2 widened instead.
    assert np.allclose(equal_aspect(square, 20, 40), [[-1.0, -2.0], [1.0, 2.0]])
    # Features in different units (spans 1000 : 1) keep the data's own bounds.
    mixed = np.array([[0.0, 0.0], [1000.0, 1.0]])
    assert np.array_equal(equal_aspect(mixed, 80, 40), mixed)


def test_a_single_value_gets_a_readable_range() -> None:
    bounds = data_bounds([np.array([[1.0, 5.0], [1.0, 7.0]])])
    assert bounds[0][0] < 0.0 and bounds[1][0] > 2.0
    assert bounds[0][1] < 5.0 < 7.0 < bounds[1][1]
    low, high = value_range(np.array([0.0]), np.array([0.007, 0.008]), "sigmoid")
    assert low < 0.0 and high > 1.0
    low, high = value_range(np.array([10.0]), np.array([10.001]), "linear")
    assert high - low >= 1.0 and low < 10.0 < high


async def test_output_map_skips_work_when_the_weights_did_not_move() -> None:
    trainer = plane_trainer()
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(60, 20)) as pilot:
        feed(omap, ViewContext.from_trainer(trainer), trainer.snapshot())
        await pilot.pause()
        omap.render_line(0)
        first = omap.grid
        omap.show(trainer.snapshot())
        omap.render_line(0)
        assert omap.grid is first
        trainer.step()
        omap.show(trainer.snapshot())
        omap.render_line(0)
        assert omap.grid is not first


# -- all four together -----------------------------------------------------------------


async def test_the_four_widgets_render_together_at_120_by_40(tmp_path) -> None:
    trainer = plane_trainer()
    trainer.train(5)
    ctx = ViewContext.from_trainer(trainer)
    app = Dashboard()
    async with app.run_test(size=(120, 40)) as pilot:
        for widget in app.query("LossChart, NetworkView, OutputMap, LayerTables"):
            feed(widget, ctx, trainer.snapshot())
        await pilot.pause()
        path = app.save_screenshot(str(tmp_path / "widgets.svg"))
    with open(path, encoding="utf-8") as file:
        svg = file.read()
    for expected in ("loss", "epoch", "W(1)", "b(1)", "layer", "train", "test"):
        assert expected in svg


async def test_a_live_rate_applies_only_while_training_runs() -> None:
    """Paused, a step shows at once; running, the panel may wait for its slower rate."""
    calls: list[float] = []
    host = Host(Static("x"))
    async with host.run_test() as pilot:
        widget = host.query_one(Static)
        throttle = Throttle(widget, 1000.0, lambda: calls.append(1), live_rate=0.5)
        throttle.request()
        throttle.request()  # paused: 1000 a second, so due within a millisecond
        await wait_until(pilot, lambda: len(calls) == 2, "the deferred run")
        assert not throttle.pending
        throttle.set_live(True)
        throttle.request()  # running: 0.5 a second, so deferred
        assert len(calls) == 2 and throttle.pending
        throttle.set_live(False)  # paused again: the deferred run comes at once
        since = time.monotonic()
        await wait_until(pilot, lambda: len(calls) == 3, "the deferred run")
        assert time.monotonic() - since < 1.0, "waited for the live rate's 2 s"
        assert not throttle.pending
