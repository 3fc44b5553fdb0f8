"""The preset as typed records: one frozen dataclass per table, and the `Preset` that
holds them with its data set.

A preset file's tables become `NetworkConfig`, `LossConfig`, `OptimizerConfig`,
`TrainingConfig`, one of `InlineData` / `GeneratedData` / `CsvData`, and `GraphConfig`,
together a `PresetConfig`. `Preset` adds where it came from (key, name, description,
path), the `Dataset` built from it once when it was loaded, and the document as parsed
(`raw`, which saving starts from). Its flat attributes (`preset.sizes`, `preset.loss`,
`preset.optimizer`, …) read the records. `PresetSummary` is what listing the shipped
presets reads: names and descriptions, no data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from backprop_tui.core.config.limits import parameter_count
from backprop_tui.core.data.dataset import Dataset

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class NetworkConfig:
    """[network]: layer sizes (n0, n1, …, nL), input first; one activation per weight
    layer; explicit W(l) (sizes[l] × sizes[l−1]) and b(l) (sizes[l],), read-only, or
    None to draw them with `init` and `seed`."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    init: str = "xavier"
    seed: int = 0
    weights: tuple[Array, ...] | None = None
    biases: tuple[Array, ...] | None = None
    train_biases: bool = True
    dtype: str = "float64"

    @property
    def n_parameters(self) -> int:
        """Weights and biases: Σₗ sizes[l]·sizes[l−1] + sizes[l]."""
        return parameter_count(self.sizes)


@dataclass(frozen=True)
class LossConfig:
    """[loss]: the loss's name (half_sse, mse, bce, cross_entropy)."""

    kind: str


@dataclass(frozen=True, eq=False)
class OptimizerConfig:
    """[optimizer]: the kind, the learning rate η and the options that kind accepts
    (momentum, nesterov, betas, eps, alpha, weight_decay), as written."""

    kind: str
    learning_rate: float
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingConfig:
    """[training]: epochs, batch size (0 = the whole set), shuffling and its seed, and
    the train loss at which a run stops early (None: run every epoch)."""

    epochs: int = 100
    batch_size: int = 0
    shuffle: bool = True
    seed: int = 0
    stop_loss: float | None = None


@dataclass(frozen=True, kw_only=True)
class DataSource:
    """What every [data] source has: the seed of the generator and of the train/test
    split, and the fraction of rows held out for testing."""

    seed: int = 0
    test_fraction: float = 0.0


@dataclass(frozen=True, eq=False, kw_only=True)
class InlineData(DataSource):
    """[data] inputs + targets: X (n × inputs) and the targets as written (n × columns;
    a flat list is one column), both read-only float64; `task` None decides from the
    targets."""

    inputs: Array
    targets: Array
    task: str | None = None


@dataclass(frozen=True, kw_only=True)
class GeneratedData(DataSource):
    """[data] generator: a `core.data.generators` name, its row count (None: the
    generator's default), noise σ and its own options (classes, factor, …)."""

    generator: str
    n_samples: int | None = None
    noise: float = 0.1
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class CsvData(DataSource):
    """[data] csv: the file as written (`csv`) and as found (`path`, relative to the
    preset's folder), the target column, the feature columns (None: all others),
    whether to standardize them, and the task (None decides from the target)."""

    csv: str
    path: Path
    target: str
    features: tuple[str, ...] | None = None
    standardize: bool = True
    task: str | None = None


DataConfig = InlineData | GeneratedData | CsvData


@dataclass(frozen=True)
class GraphConfig:
    """[graph]: a scalar expression and its variables' values, for the graph view."""

    expression: str
    variables: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class PresetConfig:
    """Every table of a preset, checked."""

    network: NetworkConfig
    loss: LossConfig
    optimizer: OptimizerConfig
    training: TrainingConfig
    data: DataConfig
    graph: GraphConfig | None = None


@dataclass(frozen=True)
class PresetSummary:
    """A preset as a list shows it: its key, name, description and layer sizes, read
    without building its data. `name` and `description` are safe to print."""

    key: str
    name: str
    description: str
    path: Path
    sizes: tuple[int, ...] = ()

    @property
    def summary(self) -> str:
        """The first line of the description."""
        return _first_line(self.description)


@dataclass(frozen=True, eq=False)
class Preset:
    """A loaded, checked preset: the records (`config`), its whole data set (built once,
    targets laid out for the output layer, read-only) and the document as parsed (`raw`).

    `name` and `description` are display-safe (control characters escaped, the name one
    line of at most 80 characters); the text as written stays in `raw`.
    """

    key: str
    name: str
    description: str
    path: Path | None
    config: PresetConfig
    dataset: Dataset
    raw: dict[str, Any]

    @property
    def summary(self) -> str:
        """The first line of the description."""
        return _first_line(self.description)

    # -- [network] --------------------------------------------------------------------

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.config.network.sizes

    @property
    def activations(self) -> tuple[str, ...]:
        return self.config.network.activations

    @property
    def init(self) -> str:
        return self.config.network.init

    @property
    def seed(self) -> int:
        """The seed of the initial weights."""
        return self.config.network.seed

    @property
    def weights(self) -> tuple[Array, ...] | None:
        return self.config.network.weights

    @property
    def biases(self) -> tuple[Array, ...] | None:
        return self.config.network.biases

    @property
    def train_biases(self) -> bool:
        return self.config.network.train_biases

    @property
    def dtype(self) -> str:
        return self.config.network.dtype

    @property
    def n_parameters(self) -> int:
        """Weights and biases in the network: Σₗ sizes[l]·sizes[l−1] + sizes[l]."""
        return self.config.network.n_parameters

    # -- [loss], [optimizer], [training] ----------------------------------------------

    @property
    def loss(self) -> str:
        """The loss's name."""
        return self.config.loss.kind

    @property
    def optimizer(self) -> str:
        """The optimizer's kind."""
        return self.config.optimizer.kind

    @property
    def learning_rate(self) -> float:
        return self.config.optimizer.learning_rate

    @property
    def optimizer_options(self) -> dict[str, Any]:
        return self.config.optimizer.options

    @property
    def epochs(self) -> int:
        return self.config.training.epochs

    @property
    def batch_size(self) -> int:
        return self.config.training.batch_size

    @property
    def shuffle(self) -> bool:
        return self.config.training.shuffle

    @property
    def shuffle_seed(self) -> int:
        return self.config.training.seed

    @property
    def stop_loss(self) -> float | None:
        return self.config.training.stop_loss

    # -- [data], [graph] --------------------------------------------------------------

    @property
    def data(self) -> dict[str, Any]:
        """The [data] table as written."""
        table = self.raw.get("data", {})
        return dict(table) if isinstance(table, dict) else {}

    @property
    def data_seed(self) -> int:
        """The seed of the generator and of the train/test split."""
        return self.config.data.seed

    @property
    def test_fraction(self) -> float:
        return self.config.data.test_fraction

    @property
    def task(self) -> str:
        """classification or regression."""
        return self.dataset.task

    @property
    def graph(self) -> dict[str, Any] | None:
        """{"expression": …, "variables": {name: value}} or None."""
        graph = self.config.graph
        if graph is None:
            return None
        return {"expression": graph.expression, "variables": dict(graph.variables)}


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""
