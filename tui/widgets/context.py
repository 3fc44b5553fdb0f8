"""The part of the dashboard's input that stays fixed while one preset is loaded."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from backprop_tui.core.data.dataset import Dataset

if TYPE_CHECKING:
    from backprop_tui.core.config.presets import Preset
    from backprop_tui.core.nn.network import Network
    from backprop_tui.core.training.trainer import Trainer


@dataclass(frozen=True, eq=False)
class ViewContext:
    """What does not change while one preset is loaded: the network's shape, its
    activations and loss, the task, and the train / test data the widgets plot.

    `sizes` is (n0, n1, …, nL), input first; `activations[l]` belongs to weight layer
    l + 1. Compared by identity: a widget told the same context twice keeps its state.
    """

    preset: Preset | None
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    task: str
    train: Dataset
    test: Dataset | None = None
    train_biases: bool = True

    @classmethod
    def from_preset(cls, preset: Preset) -> ViewContext:
        """The context of a loaded preset (its data via `core.config.presets.load_data`)."""
        from backprop_tui.core.config.presets import load_data

        train, test = load_data(preset)
        return cls(
            preset=preset,
            sizes=tuple(preset.sizes),
            activations=tuple(preset.activations),
            loss=str(preset.loss),
            task=train.task,
            train=train,
            test=test,
            train_biases=bool(getattr(preset, "train_biases", True)),
        )

    @classmethod
    def from_trainer(cls, trainer: Trainer, preset: Preset | None = None) -> ViewContext:
        """The context of a trainer built by hand (tests, notebooks, the step-through)."""
        context = cls.from_network(
            trainer.network, trainer.loss.name, trainer.train_data, trainer.test_data, preset
        )
        return replace(context, train_biases=trainer.train_biases)

    @classmethod
    def from_network(
        cls,
        network: Network,
        loss: str,
        train: Dataset,
        test: Dataset | None = None,
        preset: Preset | None = None,
    ) -> ViewContext:
        """The context of a network and its data, with or without a trainer around them."""
        return cls(
            preset=preset,
            sizes=tuple(network.sizes),
            activations=tuple(act.name for act in network.activations),
            loss=loss,
            task=train.task,
            train=train,
            test=test,
        )

    @property
    def n_layers(self) -> int:
        """Number of weight layers L."""
        return len(self.sizes) - 1

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def is_classification(self) -> bool:
        return self.task == "classification"

    @property
    def name(self) -> str:
        """The preset's name, or the data set's when there is no preset."""
        preset: Any = self.preset
        return str(getattr(preset, "name", "") or self.train.name)
