"""Training speed inside the dashboard against the headless loop, and key latency.

For each preset (seed-toy and xor by default):
- headless: `Trainer.step()` in a bare loop, what `backprop-tui train` runs;
- app: the dashboard (headless Textual driver at 200×50, every panel on screen) with
  the worker in a process (and, with --thread, in a thread), training at full speed;
  steps/s from the worker's counter, and how often the UI took a snapshot and the
  chart and tables redrew (goal: ≥ 10 a second while training keeps ≥ 80 %).
With --tmux, the real app runs in a tmux pane and key presses are timed from
send-keys until the screen shows their effect (p50 / p95 over many presses).

Each side runs --repeat times, in turns; the ratio compares the best run of each.

Run: python bench/bench_app.py [--seconds 5] [--repeat 3] [--presets seed-toy xor]
     [--sizes 200x50 80x24] [--thread] [--tmux]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.messages import SnapshotReady
from backprop_tui.tui.worker.commands import Pause, Run, SetOptions, SetPace
from backprop_tui.tui.worker.controller import ProcessController, ThreadController
from textual import on


def headless_rate(preset: str, seconds: float) -> float:
    """Steps per second of a bare `trainer.step()` loop."""
    trainer = build_trainer(load(preset))
    for _ in range(200):  # warm up caches and the allocator
        trainer.step()
    start, steps = time.perf_counter(), trainer.global_step
    while True:
        for _ in range(256):
            trainer.step()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return (trainer.global_step - steps) / elapsed


class CountingApp(BackpropApp):
    """The dashboard, counting the snapshots it renders and the panels' redraws."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.frames = 0

    @on(SnapshotReady)
    def _count(self) -> None:
        self.frames += 1


@dataclass
class AppFigures:
    steps_per_second: float
    frames_per_second: float
    chart_per_second: float
    tables_per_second: float


async def _wait(pilot: object, condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.02)  # type: ignore[attr-defined]


async def app_rate(
    preset: str,
    factory: type,
    seconds: float,
    size: tuple[int, int] = (200, 50),
    redraw_rate: float | None = None,
) -> AppFigures:
    """Train at full speed inside the app for `seconds` after a one-second warm-up."""
    # As run_app: the collector tuned (see tui.compat).
    app = CountingApp(load(preset), factory, redraw_rate=redraw_rate, tune_gc=True)
    async with app.run_test(size=size) as pilot:
        await _wait(pilot, lambda: app.status is not None and not app._pending)
        app.controller.send(SetOptions(replace(app.status.settings, epochs=10**9)))
        app.controller.send(SetPace(None))  # full speed
        app.controller.send(Run())
        await _wait(pilot, lambda: app.status.state == "running")
        chart, tables = app.query_one("#chart"), app.query_one("#tables")
        refreshes = [0]
        original = tables.refresh_tables

        def counted() -> None:
            refreshes[0] += 1
            original()

        tables.refresh_tables = counted
        tables._throttle.callback = counted
        await asyncio.sleep(1.0)
        start = time.perf_counter()
        marks = (app.snapshot.global_step, app.frames, chart.replots, refreshes[0])
        await asyncio.sleep(seconds)
        elapsed = time.perf_counter() - start
        ends = (app.snapshot.global_step, app.frames, chart.replots, refreshes[0])
        app.controller.send(Pause())
        rates = [(end - mark) / elapsed for end, mark in zip(ends, marks, strict=True)]
    return AppFigures(*rates)


# -- key latency in a real terminal ---------------------------------------------------


def _capture(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
    ).stdout


def _until(session: str, condition: object, timeout: float = 10.0) -> float:
    """Poll the pane until `condition(text)`; returns the time it became true."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if condition(_capture(session)):  # type: ignore[operator]
            return time.perf_counter()
        time.sleep(0.005)
    raise TimeoutError("the screen did not change")


WIDE = Path(__file__).resolve().parent / "wide.toml"
"""2 → 1000 → 1000 → 1 on xor: about a million weights in every snapshot."""

PRESETS = {"wide": str(WIDE)}
"""Names the benchmark takes besides the shipped presets'."""


def _start(preset: str, size: tuple[int, int] = (160, 45)) -> str:
    """The real app on `preset` in a new detached tmux session; returns its name."""
    session = f"bench-app-{time.time_ns()}"
    code = f"from backprop_tui.tui.app import run_app; run_app({preset!r})"
    command = f"{sys.executable} -c {code!r}"
    width, height = str(size[0]), str(size[1])
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", width, "-y", height, command],
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return session


def _alive(session: str) -> bool:
    found = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True)
    return found.returncode == 0


def _quit(session: str, timeout: float = 10.0) -> float:
    """Press q; milliseconds until the app's process has ended (its session with it)."""
    start = time.perf_counter()
    subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
    deadline = start + timeout
    while _alive(session):
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not quit")
        time.sleep(0.005)
    return (time.perf_counter() - start) * 1000


def key_latency(preset: str, presses: int = 40) -> dict[str, list[float]]:
    """Milliseconds from `tmux send-keys` to the change on screen: `n` while paused
    (the step counter; the preset must train on the whole set, one step an epoch),
    `+` / `-` while training at the preset's default pace (η in the status line), and
    `q` while training until the process has ended."""
    lr = load(preset).learning_rate
    session = _start(preset)
    out: dict[str, list[float]] = {"n (paused)": [], "+/- (running)": [], "q (running)": []}
    try:
        _until(session, lambda text: "paused" in text and "epoch 0/" in text, timeout=30)
        for i in range(1, presses + 1):
            time.sleep(0.25)  # a person's pace: the previous press's redraws are done
            start = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", session, "n"], check=True)
            seen = _until(session, lambda text, i=i: f"epoch {i}/" in text)
            out["n (paused)"].append((seen - start) * 1000)
        subprocess.run(["tmux", "send-keys", "-t", session, "space"], check=True)
        _until(session, lambda text: "running" in text)
        for i in range(presses):
            time.sleep(0.25)
            key, shown = ("+", f"η {2 * lr:g} ") if i % 2 == 0 else ("-", f"η {lr:g} ")
            start = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", session, key], check=True)
            seen = _until(session, lambda text, shown=shown: shown in text)
            out["+/- (running)"].append((seen - start) * 1000)
        out["q (running)"].append(_quit(session))
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return out


def quit_times(preset: str, runs: int) -> list[float]:
    """Milliseconds from `q` to the app's exit, each in a fresh app that has trained
    for two seconds at full speed (the worker in the middle of its steps)."""
    times = []
    for _ in range(runs):
        session = _start(preset)
        try:
            _until(session, lambda text: "paused" in text and "epoch 0/" in text, timeout=30)
            # Full speed: one past the fastest pace (`>` a dozen times), then run.
            for _ in range(13):
                subprocess.run(["tmux", "send-keys", "-t", session, ">"], check=True)
            subprocess.run(["tmux", "send-keys", "-t", session, "space"], check=True)
            _until(session, lambda text: "running" in text or "finished" in text)
            if "finished" in _capture(session):  # a small preset's epochs took no time:
                subprocess.run(["tmux", "send-keys", "-t", session, "space"], check=True)
                _until(session, lambda text: "running" in text)  # train on past them
            time.sleep(2.0)
            times.append(_quit(session))
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return times


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _row(
    preset: str, worker: str, size: str, bare: float, figures: AppFigures, label: str = ""
) -> str:
    return (
        f"{label or preset:<10} {worker:<8} {size:>7} {bare:>11,.0f} "
        f"{figures.steps_per_second:>10,.0f} "
        f"{figures.steps_per_second / bare:>6.0%} {figures.frames_per_second:>9.1f} "
        f"{figures.chart_per_second:>8.1f} {figures.tables_per_second:>9.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--presets", nargs="+", default=["seed-toy", "xor"])
    parser.add_argument("--thread", action="store_true", help="also time the thread worker")
    parser.add_argument(
        "--redraw-rate", type=float, default=None, help="cap on every panel's redraws/s"
    )
    parser.add_argument(
        "--sizes", nargs="+", default=["200x50"], help="terminal sizes, e.g. 200x50 120x40"
    )
    parser.add_argument("--tmux", action="store_true", help="also time key presses in tmux")
    parser.add_argument(
        "--tmux-presets",
        nargs="+",
        default=["xor", "wide"],
        help="presets whose keys are timed (wide: 2-1000-1000-1, bench/wide.toml)",
    )
    parser.add_argument("--presses", type=int, default=40, help="presses of each key timed")
    parser.add_argument("--quits", type=int, default=3, help="fresh apps whose quit is timed")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each side; the best of each is compared"
    )
    args = parser.parse_args()

    kinds = [("process", ProcessController)]
    if args.thread:
        kinds.append(("thread", ThreadController))
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes]
    header = (
        f"{'preset':<10} {'worker':<8} {'size':>7} {'headless/s':>11} {'app/s':>10} {'ratio':>6} "
        f"{'frames/s':>9} {'chart/s':>8} {'tables/s':>9}"
    )
    print(header)
    print("-" * len(header))
    for preset in args.presets:
        for (name, factory), size in ((kind, size) for kind in kinds for size in sizes):
            # The two sides take turns, and each is its best run: on a shared machine
            # both wander by ±20 % from one run to the next, and the fastest run is the
            # one least disturbed (as for the engine benchmark).
            bare_runs, app_runs = [], []
            for _ in range(max(args.repeat, 1)):
                source = PRESETS.get(preset, preset)
                bare_runs.append(headless_rate(source, args.seconds))
                app_runs.append(
                    asyncio.run(app_rate(source, factory, args.seconds, size, args.redraw_rate))
                )
            bare = max(bare_runs)
            shown = f"{size[0]}x{size[1]}"
            for figures in app_runs:
                print(_row(preset, name, shown, bare, figures))
            best = max(app_runs, key=lambda f: f.steps_per_second)
            print(_row(preset, name, shown, bare, best, label="best"))
            slowest = min(app_runs, key=lambda f: min(f.chart_per_second, f.tables_per_second))
            print(
                f"{'':<10} {'':<8} {'':>7} headless runs "
                + ", ".join(f"{rate:,.0f}" for rate in bare_runs)
                + f"; slowest redraws {slowest.chart_per_second:.1f} chart/s, "
                f"{slowest.tables_per_second:.1f} tables/s"
            )
    if args.tmux:
        if shutil.which("tmux") is None:
            print("tmux not found: no key latency")
            return
        for preset in args.tmux_presets:
            print(f"\n{preset}: key press → screen change in tmux (ms)")
            shown = PRESETS.get(preset, preset)
            runs = key_latency(shown, args.presses)
            runs["q (full speed)"] = quit_times(shown, args.quits)
            for what, values in runs.items():
                print(
                    f"  {what:<15} n={len(values):<3} p50 {statistics.median(values):6.1f}  "
                    f"p95 {_percentile(values, 0.95):6.1f}  max {max(values):6.1f}"
                )


if __name__ == "__main__":
    main()
