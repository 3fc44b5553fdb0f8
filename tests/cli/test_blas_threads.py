"""`train` and the dashboard's training process run BLAS on the same number of threads
(`tui.worker.threads`), so their numbers agree to the last bit: a matrix product's last
bits depend on how BLAS splits it between threads."""

from __future__ import annotations

import signal
import threading
from multiprocessing import Pipe

import pytest
from backprop_tui.core.training.trainer import Trainer
from backprop_tui.tui.cli.main import main
from backprop_tui.tui.worker.commands import LoadPreset, Quit
from backprop_tui.tui.worker.process import serve
from backprop_tui.tui.worker.threads import TRAINING_BLAS_THREADS
from threadpoolctl import threadpool_info, threadpool_limits
from toy_presets import SEED_TOY, build_toy

MORE = TRAINING_BLAS_THREADS + 1


def blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.fixture
def more_blas_threads():
    """The process's BLAS set to more threads than training uses, as on a machine with
    more cores; `blas_threads()` inside must then show the training count."""
    with threadpool_limits(limits=MORE, user_api="blas"):
        if blas_threads() != {MORE}:
            pytest.fail(f"this BLAS does not take {MORE} threads: {threadpool_info()}")
        yield


def test_train_runs_blas_on_the_training_thread_count(monkeypatch, more_blas_threads, capsys):
    seen: list[set[int]] = []
    real_step = Trainer.step

    def step(self):
        seen.append(blas_threads())
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", step)
    assert main(["train", "seed-toy", "--epochs", "2", "--json"]) == 0
    assert seen == [{TRAINING_BLAS_THREADS}] * 2
    assert blas_threads() == {MORE}  # the limit ends with the command


def test_the_dashboards_training_process_runs_blas_on_the_same_count(more_blas_threads):
    seen: list[set[int]] = []

    def build(preset, seed):
        seen.append(blas_threads())
        return build_toy(preset, seed)

    commands_in, commands_out = Pipe(duplex=False)
    events_in, events_out = Pipe(duplex=False)
    commands_out.send(LoadPreset(SEED_TOY, token=1))
    commands_out.send(Quit())

    def drain() -> None:  # the UI's reader: the worker's events never fill the pipe
        try:
            while True:
                events_in.recv()
        except (EOFError, OSError):
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    handler = signal.getsignal(signal.SIGINT)
    try:
        serve(commands_in, events_out, build)
    finally:
        signal.signal(signal.SIGINT, handler)  # serve leaves ctrl-c to the UI
    reader.join(timeout=10)
    assert seen == [{TRAINING_BLAS_THREADS}]
    assert blas_threads() == {MORE}
