"""Big networks and long runs: a 2 → 1000 → 1000 → 1 network never blocks a key (its
snapshots cross through shared memory and come less often, its output map is computed
on a coarser grid in the background, its tables and weight maps are summarized), the
panels' keys fit their width, and a diverging loss stays on the chart."""

from __future__ import annotations

import os
import pickle
import threading
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from backprop_tui.core.data.dataset import from_arrays
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.training.history import EpochRecord
from backprop_tui.core.training.trainer import Snapshot, Trainer
from backprop_tui.tui.widgets import LayerTables, LossChart, NetworkView, OutputMap, ViewContext
from backprop_tui.tui.widgets import output_map as output_map_module
from backprop_tui.tui.widgets.output_raster import MAP_COST, forward_cost
from backprop_tui.tui.worker import loop as loop_module
from backprop_tui.tui.worker.commands import (
    LoadPreset,
    Quit,
    Run,
    ScaleLearningRate,
    SetOptions,
    SetPace,
    Update,
)
from backprop_tui.tui.worker.controller import ProcessController
from backprop_tui.tui.worker.events import SnapshotReady
from backprop_tui.tui.worker.loop import TrainingLoop
from backprop_tui.tui.worker.process import SPILL_BYTES, SPILL_PREFIX, Spiller
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.widget import Widget
from toy_presets import ToyPreset, build_toy

WIDE = (2, 1000, 1000, 1)

XOR_INPUTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
XOR_TARGETS = ((0.0,), (1.0,), (1.0,), (0.0,))


class Host(App):
    """One widget in a tiny app."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        with Vertical():
            yield self.widget


def plane_data():
    return from_arrays(
        [[-3.0, -3.0], [-3.0, 3.0], [3.0, -3.0], [3.0, 3.0]], [[0.0], [0.0], [1.0], [1.0]]
    )


def context_of(sizes: tuple[int, ...]) -> ViewContext:
    activations = ("tanh",) * (len(sizes) - 2) + ("sigmoid",)
    return ViewContext(None, sizes, activations, "bce", "classification", plane_data())


def snapshot_of(sizes: tuple[int, ...], history=()) -> Snapshot:
    """Random weights for `sizes`, and one step's gradients and batch of four rows."""
    rng = np.random.default_rng(0)
    W = tuple(rng.normal(scale=0.05, size=(o, i)) for i, o in pairwise(sizes))
    b = tuple(np.zeros(o) for o in sizes[1:])
    z = tuple(rng.normal(size=(4, o)) for o in sizes[1:])
    return Snapshot(
        epoch=len(history),
        step=0,
        global_step=1,
        steps_per_epoch=1,
        lr=0.5,
        W=W,
        b=b,
        dW=tuple(w * 0.01 for w in W),
        db=b,
        x=rng.normal(size=(4, sizes[0])),
        y=np.zeros((4, sizes[-1])),
        z=z,
        a=tuple(np.tanh(v) for v in z),
        delta=z,
        history=tuple(history),
    )


def feed(widget, context: ViewContext, snapshot: Snapshot) -> None:
    widget.set_context(context)
    widget.show(snapshot)


# -- the worker ------------------------------------------------------------------------


class Clock:
    """Time that moves a little at every reading, and by the timeout of every wait."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.0005
        return self.now


class Inbox:
    """Commands queued up front, one more at `at` seconds, Quit at `quit_at`."""

    def __init__(self, clock: Clock, commands: list, later: tuple[float, object], quit_at: float):
        self.clock, self.commands, self.later, self.quit_at = clock, commands, later, quit_at

    def get(self, block: bool, timeout: float | None = None):
        if self.commands:
            return self.commands.pop(0)
        if self.later is not None and self.clock.now >= self.later[0]:
            command, self.later = self.later[1], None
            return command
        if self.clock.now >= self.quit_at:
            return Quit()
        if block and timeout is not None:
            self.clock.now += timeout
        return None


def test_a_big_networks_snapshots_come_less_often_and_a_commands_effect_at_once(
    monkeypatch,
) -> None:
    preset = ToyPreset("wide-ish", (2, 64, 64, 1), ("tanh", "tanh", "sigmoid"), XOR_INPUTS,
                       XOR_TARGETS, loss="bce")  # fmt: skip
    trainer = build_toy(preset)
    trainer.step()  # a snapshot after a step: W and b, ∂W, ∂b and the batch's z, a, δ
    snapshot_bytes = trainer.snapshot().nbytes
    # The budget as if this network were big: one snapshot's arrays a second.
    monkeypatch.setattr(loop_module, "SNAPSHOT_BYTES_PER_SECOND", float(snapshot_bytes))
    clock, events = Clock(), []
    inbox = Inbox(clock, [LoadPreset(preset, 1)], (2.5, ScaleLearningRate(2.0)), quit_at=4.0)
    loop = TrainingLoop(inbox, lambda event: events.append((clock.now, event)), build_toy,
                        clock=clock)  # fmt: skip
    loop._handle(inbox.get(False))
    assert loop.settings is not None
    loop._handle(SetOptions(replace(loop.settings, epochs=10**9)))
    loop._handle(SetPace(None))
    events.clear()
    inbox.commands.append(Run())
    loop.run()
    running = [
        (at, event)
        for at, event in events
        if isinstance(event, Update) and event.status.state == "running"
    ]
    # Four seconds at full speed: about a snapshot a second (not 15 a second)…
    assert 4 <= len(running) <= 7, [at for at, _ in running]
    # …and the doubled η is published by the command itself, not up to a second later.
    doubled = next(at for at, event in running if event.snapshot.lr == 1.0)
    assert 2.5 <= doubled < 2.52
    assert loop.publish_every == pytest.approx(1.0, rel=0.05)


def test_xor_still_gets_fifteen_snapshots_a_second() -> None:
    preset = ToyPreset("xor", (2, 4, 1), ("tanh", "sigmoid"), XOR_INPUTS, XOR_TARGETS, loss="bce")
    clock, events = Clock(), []
    loop = TrainingLoop(Inbox(clock, [LoadPreset(preset, 1)], None, 1.0), events.append,
                        build_toy, clock=clock)  # fmt: skip
    loop._handle(loop.inbox.get(False))
    assert loop.publish_every == pytest.approx(1 / 15)


def test_big_arrays_cross_through_a_file_the_ui_maps_and_removes(tmp_path: Path) -> None:
    spiller = Spiller(str(tmp_path))
    big = np.arange(SPILL_BYTES // 8 + 10, dtype=float).reshape(-1, 2)
    small = np.arange(6.0)
    data = bytes(spiller.dumps({"big": big, "small": small, "again": (big, big * 2)}))
    spilled = sorted(os.listdir(tmp_path))
    # The same array twice is written once; the small one stays in the pickle.
    assert len(spilled) == 2 and all(name.startswith(SPILL_PREFIX) for name in spilled)
    received = pickle.loads(data)
    assert np.array_equal(received["big"], big) and received["again"][0] is received["big"]
    assert np.array_equal(received["again"][1], big * 2)
    assert np.array_equal(received["small"], small)
    assert not received["big"].flags.writeable
    assert os.listdir(tmp_path) == []  # taken: the UI unlinked them
    # Files the UI never took are removed when the worker ends.
    spiller.dumps(big)
    assert len(os.listdir(tmp_path)) == 1
    spiller.clean()
    assert os.listdir(tmp_path) == []


def test_a_big_networks_snapshot_arrives_whole_through_the_process_and_leaves_no_file() -> None:
    preset = ToyPreset("wide", (2, 600, 600, 1), ("tanh", "tanh", "sigmoid"), XOR_INPUTS,
                       XOR_TARGETS, loss="bce")  # fmt: skip
    expected = build_toy(preset).snapshot()
    assert expected.W[1].nbytes >= SPILL_BYTES
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    before = set(os.listdir(shm)) if shm else set()
    arrived = threading.Event()
    received: list[SnapshotReady] = []

    def post(event: object) -> None:
        if isinstance(event, SnapshotReady):
            received.append(event)
            arrived.set()

    controller = ProcessController(post, build=build_toy)
    try:
        controller.start(preset)
        assert arrived.wait(60), "no snapshot from the worker"
    finally:
        controller.close()
    snapshot = received[0].snapshot
    for got, want in zip((*snapshot.W, *snapshot.b), (*expected.W, *expected.b), strict=True):
        assert np.array_equal(got, want) and not got.flags.writeable
    if shm:
        left = {name for name in set(os.listdir(shm)) - before if name.startswith(SPILL_PREFIX)}
        assert not left


# -- the panels ------------------------------------------------------------------------


async def test_a_big_networks_output_map_is_computed_coarser_and_off_the_ui_thread(
    monkeypatch,
) -> None:
    threads: list[str] = []
    predict = output_map_module.predict

    def recording(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return predict(*args, **kwargs)

    monkeypatch.setattr(output_map_module, "predict", recording)
    omap = OutputMap(max_rate=0)
    async with Host(omap).run_test(size=(80, 30)) as pilot:
        feed(omap, context_of(WIDE), snapshot_of(WIDE))
        await pilot.pause()
        for _ in range(500):
            if omap.grid is not None:
                break
            await pilot.pause(0.02)
        assert omap.grid is not None, "the background pass never arrived"
        rows, cols = omap.grid.classes.shape
        assert rows * cols * forward_cost(WIDE) <= MAP_COST
        assert omap.coarse == (cols, rows)
        assert f"{cols}×{rows} points" in str(omap.border_subtitle)
        assert threads and threading.main_thread().name not in threads
        drawn = " ".join(omap.render_line(y).text for y in range(omap.size.height))
        assert "▀" in drawn and "computing" not in drawn


async def test_a_big_layers_tables_show_their_first_rows_and_columns_and_say_so() -> None:
    tables = LayerTables(max_rate=0)
    async with Host(tables).run_test(size=(160, 50)) as pilot:
        feed(tables, context_of(WIDE), snapshot_of(WIDE))
        await pilot.pause()
        tables.active_layer = 2
        await pilot.pause()
        W2 = tables.tables[(2, "W")]
        assert W2.row_count == 32 and W2.values is not None and W2.values.shape == (32, 32)
        assert "1000 × 1000, first 32 × 32" in tables._panels[(2, "W")]._caption
        z2 = tables.tables[(2, "z")]
        assert z2.values is not None and z2.values.shape == (4, 32)
        assert "columns 1–32 of 1000" in tables._panels[(2, "z")]._caption


async def test_a_layer_no_panel_could_show_whole_is_drawn_as_block_means() -> None:
    view = NetworkView(max_rate=0)
    async with Host(view).run_test() as pilot:
        feed(view, context_of(WIDE), snapshot_of(WIDE))
        await pilot.pause()
        lines = view.build(Size(92, 24)).plain.split("\n")
        title = next(line for line in lines if "W(2)≈" in line)
        assert "W(1)ᵀ≈" in title and "W(3)≈" in title
        assert any("≈ block means: W(1)ᵀ 2 × 1000 → 2 × " in line for line in lines)
        assert any("W(2) 1000 × 1000 → " in line for line in lines)
        assert "▀▀ w > 0" in lines[-1]


@pytest.mark.parametrize("width", [20, 30, 44, 60, 68, 80, 120])
async def test_the_network_views_colour_keys_fit_their_width(width: int) -> None:
    view = NetworkView(max_rate=0)
    # Four inputs, sixteen and thirty-two units: the summary with its weight maps.
    async with Host(view).run_test(size=(200, 50)) as pilot:
        feed(view, context_of((4, 16, 32, 1)), snapshot_of((4, 16, 32, 1)))
        await pilot.pause()
        legend = view.build(Size(width, 40)).plain.split("\n")[-1]
        assert legend.startswith("▀▀ w > 0  ▀▀ w < 0") and len(legend) <= width
        small = NetworkView(max_rate=0)
        await pilot.app.query_one(Vertical).mount(small)
        feed(small, context_of((2, 3, 1)), snapshot_of((2, 3, 1)))
        await pilot.pause()
        key = small._legend(width).plain
        assert key.startswith("━━ w > 0  ━━ w < 0") and len(key) <= width


@pytest.mark.parametrize("last", [1e120, 1e300, float("inf")])
async def test_a_diverging_loss_stays_drawn_on_a_log_axis_that_says_so(last: float) -> None:
    losses = [0.7, 0.6, 2.0, 1e30, 1e100, last]
    history = [EpochRecord(n + 1, loss, None, None) for n, loss in enumerate(losses)]
    chart = LossChart(max_rate=0)
    async with Host(chart).run_test(size=(80, 20)) as pilot:
        feed(chart, context_of((2, 4, 1)), snapshot_of((2, 4, 1), history))
        await pilot.pause()
        lines = chart.render().plain.splitlines()
        assert "log scale: the loss passed 1e+06" in lines[0]
        curve = [line for line in lines if any(0x2800 < ord(ch) <= 0x28FF for ch in line)]
        assert len(curve) >= 8, "\n".join(lines)
        # The axis labels are short: the plot keeps most of the width.
        labels = [line.split("┤")[0].strip() for line in lines if "┤" in line]
        assert labels and all(len(label) <= 7 for label in labels), labels
        chart.toggle_log_scale()  # asked for, the log axis says only that
        await pilot.pause()
        assert "loss per epoch (log scale)" in chart.render().plain


async def test_a_loss_below_the_linear_limit_keeps_the_linear_axis() -> None:
    history = [EpochRecord(n + 1, loss, None, None) for n, loss in enumerate([0.7, 0.5, 0.3])]
    chart = LossChart(max_rate=0)
    async with Host(chart).run_test(size=(80, 20)) as pilot:
        feed(chart, context_of((2, 4, 1)), snapshot_of((2, 4, 1), history))
        await pilot.pause()
        assert "log scale" not in chart.render().plain


def test_the_benchmarks_wide_preset_is_the_two_thousand_unit_network() -> None:
    from backprop_tui.core.config.presets import load

    preset = load(Path(__file__).resolve().parents[2] / "bench" / "wide.toml")
    assert tuple(preset.sizes) == WIDE


def test_a_trainer_of_the_wide_network_publishes_two_snapshots_a_second() -> None:
    network = Network(
        [np.zeros((o, i)) for i, o in pairwise(WIDE)],
        [np.zeros(o) for o in WIDE[1:]],
        ["tanh", "tanh", "sigmoid"],
    )
    data = from_arrays(XOR_INPUTS, XOR_TARGETS)
    trainer = Trainer(network, get_loss("bce"), make_optimizer("sgd", lr=0.5), data)
    trainer.step()
    seconds = trainer.snapshot().nbytes / loop_module.SNAPSHOT_BYTES_PER_SECOND
    assert 0.4 <= seconds <= 0.6
