"""Per-step training time of the engine, beside PyTorch (CPU) when it is installed.

Run by hand:  python bench/bench_engine.py [--quick] [--markdown]

One step is what `Trainer.step()` does: forward, backward, SGD update (and the trainer's
divergence bookkeeping). PyTorch does the same with nn.Linear layers, the same loss,
`zero_grad`, `backward` and `optimizer.step()`. Times are the fastest of repeated blocks.
The machine's matrix-multiply FLOP rate (a large square matmul) gives a bound for the
largest case: the step's matmul FLOPs divided by that rate.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backprop_tui.core.data.dataset import Dataset
from backprop_tui.core.nn.init import init_parameters
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.training.trainer import Trainer
from tables import print_markdown

try:
    import torch
except ImportError:  # torch is optional: the table then shows the engine alone
    torch = None


@dataclass(frozen=True)
class Case:
    sizes: tuple[int, ...]
    batch: int
    hidden: str
    dtype: str

    @property
    def label(self) -> str:
        return f"{'-'.join(map(str, self.sizes))} batch {self.batch} {self.dtype}"

    def matmul_flops(self) -> float:
        """2·B·in·out per layer forward, the same again for ∂W, and again for δ except
        the first layer (no δ is propagated into the input)."""
        pairs = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        fwd = sum(2 * self.batch * i * o for i, o in pairs)
        back = 2 * fwd - 2 * self.batch * pairs[0][0] * pairs[0][1]
        return float(fwd + back)


CASES = [
    Case((1, 2, 1), 1, "sigmoid", "float64"),
    Case((2, 8, 8, 1), 32, "tanh", "float64"),
    Case((2, 16, 16, 2), 200, "relu", "float64"),
    Case((784, 128, 10), 64, "relu", "float64"),
    Case((784, 128, 10), 64, "relu", "float32"),
    Case((784, 512, 512, 10), 256, "relu", "float64"),
    Case((784, 512, 512, 10), 256, "relu", "float32"),
]


def _data(case: Case, n_batches: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    n = case.batch * n_batches
    X = rng.normal(size=(n, case.sizes[0]))
    Y = rng.normal(size=(n, case.sizes[-1]))
    return X.astype(case.dtype), Y.astype(case.dtype)


def _time_per_step(step, budget: float) -> float:
    """Seconds per call: the fastest of repeated blocks, after a warm-up, within about
    `budget` s. The fastest block is the one least disturbed by the rest of the machine
    (as `timeit` advises); every figure in the table, PyTorch's and the FLOP rate
    included, is measured the same way."""
    for _ in range(3):
        step()
    start = time.perf_counter()
    calls = 0
    while time.perf_counter() - start < budget / 10 or calls < 3:
        step()
        calls += 1
    per_block = max(1, calls)
    blocks = []
    deadline = time.perf_counter() + budget
    while time.perf_counter() < deadline or len(blocks) < 3:
        t0 = time.perf_counter()
        for _ in range(per_block):
            step()
        blocks.append((time.perf_counter() - t0) / per_block)
    return min(blocks)


def engine_step(case: Case):
    dtype = np.dtype(case.dtype).type
    W, b = init_parameters(case.sizes, "he", seed=0, dtype=dtype)
    acts = [case.hidden] * (len(case.sizes) - 2) + ["linear"]
    net = Network(W, b, acts)
    X, Y = _data(case)
    trainer = Trainer(
        net,
        get_loss("mse"),
        make_optimizer("sgd", 1e-3),
        Dataset(X, Y),
        batch_size=case.batch,
    )
    return trainer.step


def torch_step(case: Case):
    torch.manual_seed(0)
    dtype = getattr(torch, case.dtype)
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[case.hidden]
    layers: list = []
    for i, (n_in, n_out) in enumerate(zip(case.sizes[:-1], case.sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(case.sizes) - 2:
            layers.append(act())
    model = torch.nn.Sequential(*layers).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    X, Y = _data(case)
    x_all, y_all = torch.from_numpy(X), torch.from_numpy(Y)
    state = {"i": 0}
    n_batches = X.shape[0] // case.batch

    def step() -> None:
        i = state["i"] = (state["i"] + 1) % n_batches
        xb = x_all[i * case.batch : (i + 1) * case.batch]
        yb = y_all[i * case.batch : (i + 1) * case.batch]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    return step


def matmul_rate(dtype: str, n: int = 1024, budget: float = 1.0) -> float:
    """FLOP/s of an n×n by n×n matrix product in numpy (2n³ FLOPs)."""
    rng = np.random.default_rng(0)
    left = rng.normal(size=(n, n)).astype(dtype)
    right = rng.normal(size=(n, n)).astype(dtype)
    seconds = _time_per_step(lambda: left @ right, budget)
    return 2.0 * n**3 / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing budgets")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    budget = 0.5 if args.quick else 2.0

    rates = {dt: matmul_rate(dt, budget=budget) for dt in ("float32", "float64")}
    print(
        f"matmul rate: float32 {rates['float32'] / 1e9:.1f} GFLOP/s, "
        f"float64 {rates['float64'] / 1e9:.1f} GFLOP/s"
        + (f"; torch {torch.__version__}, {torch.get_num_threads()} threads" if torch else "")
    )
    header = ["case", "engine µs/step", "torch µs/step", "torch/engine", "engine/bound"]
    rows = []
    # Every engine case first: torch's intra-op threads keep spinning for a while after
    # its own work and would steal the second core from an engine case timed after it.
    ours_all = [_time_per_step(engine_step(case), budget) for case in CASES]
    theirs_all = [_time_per_step(torch_step(case), budget) if torch else None for case in CASES]
    for case, ours, theirs in zip(CASES, ours_all, theirs_all, strict=True):
        bound = case.matmul_flops() / rates[case.dtype]
        rows.append(
            [
                case.label,
                f"{ours * 1e6:,.1f}",
                f"{theirs * 1e6:,.1f}" if theirs else "—",
                f"{theirs / ours:.2f}×" if theirs else "—",
                f"{ours / bound:.2f}×",
            ]
        )
        print("  ".join(rows[-1]), flush=True)
    if args.markdown:
        print_markdown(header, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
