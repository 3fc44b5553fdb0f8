"""The dashboard's keys, in one place: the app binds them, the help screen lists them
and the command palette offers them. Every binding has an id and a tooltip."""

from __future__ import annotations

from textual.binding import Binding

DASHBOARD_BINDINGS: list[Binding] = [
    Binding(
        "question_mark", "help", "Help", key_display="?", id="help", tooltip="Every key, explained"
    ),
    # Quit early: a narrow footer shows only the first few keys.
    Binding("q", "quit", "Quit", id="quit", tooltip="Stop training and leave"),
    Binding("space", "toggle_run", "Run/pause", id="run", tooltip="Train at the pace, or pause"),
    Binding("n", "step", "Step", id="step", tooltip="Train exactly one batch, then pause"),
    Binding("e", "epoch", "Epoch", id="epoch", tooltip="Finish the current epoch, then pause"),
    Binding("r", "reset", "Reset", id="reset", tooltip="Back to the same initial weights, step 0"),
    # The step-through next: it is what the app is for, and a narrow footer shows it.
    Binding(
        "d",
        "step_through",
        "Step-through",
        id="step-through",
        tooltip="Pause and walk the next update equation by equation; enter applies it",
    ),
    Binding(
        "D",
        "step_at_divergence",
        "Open step-through at the divergence",
        show=False,
        id="step-at-divergence",
        tooltip="After a run diverged: the failing step, at the phase that went out of range",
    ),
    Binding(
        "less_than_sign",
        "slower",
        "Slower",
        key_display="<",
        id="slower",
        tooltip="Fewer steps a second (down to 1), to watch each one",
    ),
    Binding(
        "greater_than_sign",
        "faster",
        "Faster",
        key_display=">",
        id="faster",
        tooltip="More steps a second; past 5000, full speed",
    ),
    Binding(
        "plus,equals_sign",
        "lr_up",
        "η×2",
        key_display="+",
        id="lr-up",
        tooltip="Double the learning rate",
    ),
    Binding(
        "minus,underscore",
        "lr_down",
        "η÷2",
        key_display="−",
        id="lr-down",
        tooltip="Halve the learning rate",
    ),
    Binding(
        "f,s",
        "settings",
        "Settings",
        key_display="f",
        id="settings",
        tooltip="Learning rate, batch size, epochs, optimizer, stop-at loss",
    ),
    Binding("p", "presets", "Presets", id="presets", tooltip="Pick a shipped preset"),
    Binding("R", "reinit", "Re-init", id="reinit", tooltip="New random weights from the next seed"),
    Binding("o", "open", "Open", id="open", tooltip="Open a preset TOML file by path"),
    Binding(
        "ctrl+s",
        "save",
        "Save",
        id="save",
        tooltip="Save the network with its current weights as a preset TOML",
    ),
    Binding("x", "export", "Export CSV", id="export", tooltip="Write the loss history as CSV"),
    Binding("l", "log_scale", "Log scale", id="log-scale", tooltip="Loss axis: linear ↔ log"),
    Binding(
        "w",
        "colour_by_gradient",
        "W ↔ ∂W",
        id="colour-by-gradient",
        tooltip="Network view: colour the connections by ∂W (the last step's gradient) or by W",
    ),
    Binding(
        "u",
        "nudge",
        "Nudge a weight",
        show=False,
        id="nudge",
        tooltip="On a W or b cell of the layer tables: nudge it by ε on a copy and set the "
        "gradient's prediction beside the actual change of L on the next batch",
    ),
    Binding(
        "h",
        "toggle_health",
        "Gradient health",
        show=False,
        id="health",
        tooltip="Gradient health per layer and its warnings, in the layer tables' place",
    ),
    Binding(
        "g",
        "graph",
        "Graph",
        show=False,
        id="graph",
        tooltip="The loss as a scalar computation graph, node by node",
    ),
    Binding(
        "right_square_bracket",
        "next_layer",
        "Next layer",
        key_display="]",
        show=False,
        id="next-layer",
        tooltip="The layer tables of the next layer (l + 1)",
    ),
    Binding(
        "left_square_bracket",
        "previous_layer",
        "Previous layer",
        key_display="[",
        show=False,
        id="previous-layer",
        tooltip="The layer tables of the previous layer (l − 1)",
    ),
    Binding(
        "full_stop",
        "precision",
        "Precision",
        key_display=".",
        show=False,
        id="precision",
        tooltip="More or fewer digits in the layer tables",
    ),
]

PANEL_BINDINGS: list[Binding] = [
    Binding(
        str(n),
        f"show_panel('{panel}')",
        title,
        show=False,
        id=f"panel-{panel}",
        tooltip=f"Show the {title.lower()} (small terminals)",
    )
    for n, (panel, title) in enumerate(
        (
            ("chart", "Loss chart"),
            ("network", "Network"),
            ("map", "Output map"),
            ("tables", "Layer tables"),
            ("health", "Health tab"),
        ),
        start=1,
    )
]

TABLE_BINDINGS: list[Binding] = [
    Binding(
        "enter",
        "edit_cell",
        "Edit a weight",
        show=False,
        id="edit-cell",
        tooltip=(
            "On a W or b cell of the layer tables: type its new value, applied between "
            "two steps (from the palette: the cursor goes to the W table)"
        ),
    ),
]
"""Keys of the layer tables' cells: the tables bind them (a `CellGrid`'s enter), the help
screen and the palette list them with the dashboard's."""
