"""Stand-ins for `core.config.presets.Preset` built straight from `core`, so the controller
tests need no preset files: `build_toy` is what `core.config.presets.build_trainer` does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from backprop_tui.core.data.dataset import from_arrays
from backprop_tui.core.nn.init import init_parameters
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.core.nn.network import Network
from backprop_tui.core.nn.optimizers import make_optimizer
from backprop_tui.core.training.trainer import Trainer


@dataclass(frozen=True)
class ToyPreset:
    """The fields of `core.config.presets.Preset` the training loop reads."""

    name: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    inputs: tuple[tuple[float, ...], ...]
    targets: tuple[tuple[float, ...], ...]
    weights: tuple[Any, ...] | None = None
    biases: tuple[Any, ...] | None = None
    init: str = "xavier"
    seed: int = 0
    loss: str = "half_sse"
    optimizer: str = "sgd"
    learning_rate: float = 0.5
    optimizer_options: dict[str, Any] = field(default_factory=dict)
    epochs: int = 1000
    batch_size: int = 0
    stop_loss: float | None = None
    train_biases: bool = True
    broken: bool = False


def build_toy(preset: ToyPreset, seed: int | None = None) -> Trainer:
    """A Trainer for `preset`; `seed` replaces the init and shuffle seeds."""
    if preset.broken:
        raise ValueError(f"{preset.name}: this preset is broken on purpose")
    W, b = init_parameters(preset.sizes, preset.init, preset.seed if seed is None else seed)
    if preset.weights is not None:
        W = [np.array(w, dtype=float) for w in preset.weights]
    if preset.biases is not None:
        b = [np.array(v, dtype=float) for v in preset.biases]
    return Trainer(
        Network(W, b, preset.activations),
        get_loss(preset.loss),
        make_optimizer(preset.optimizer, preset.learning_rate, **preset.optimizer_options),
        from_arrays(preset.inputs, preset.targets),
        batch_size=preset.batch_size,
        seed=preset.seed if seed is None else seed,
        train_biases=preset.train_biases,
    )


# The notes' worked example; every test that needs its numbers builds on this record
# (conftest's seed_toy fixtures too).
SEED_TOY = ToyPreset(
    name="seed-toy",
    sizes=(1, 2, 1),
    activations=("sigmoid", "sigmoid"),
    inputs=((1.0,),),
    targets=((0.0,),),
    weights=(((0.15,), (0.25,)), ((0.4, 0.45),)),
    biases=((0.35, 0.35), (0.6,)),
)

XOR = ToyPreset(
    name="xor",
    sizes=(2, 4, 1),
    activations=("tanh", "sigmoid"),
    inputs=((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)),
    targets=((0.0,), (1.0,), (1.0,), (0.0,)),
    loss="bce",
    learning_rate=0.5,
    batch_size=2,
    epochs=100_000,
)

EXPLODING = ToyPreset(
    name="exploding",
    sizes=(1, 1),
    activations=("linear",),
    inputs=((1.0,), (2.0,), (3.0,)),
    targets=((1.0,), (2.0,), (3.0,)),
    weights=(((0.5,),),),
    biases=((0.0,),),
    learning_rate=10.0,
)

BROKEN = ToyPreset(
    name="broken",
    sizes=(1, 1),
    activations=("linear",),
    inputs=((1.0,),),
    targets=((1.0,),),
    broken=True,
)
