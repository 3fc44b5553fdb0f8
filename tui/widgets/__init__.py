"""The dashboard's widgets. The four panels are `Panel`s (widgets.panel): each takes
`set_context(ViewContext)` when a preset is loaded and `show(Snapshot)` for every new
snapshot (cheap when nothing it draws has changed), and redraws through its throttle."""

from backprop_tui.tui.widgets.context import ViewContext
from backprop_tui.tui.widgets.layer_tables import LayerTables, TableCell
from backprop_tui.tui.widgets.loss_chart import LossChart
from backprop_tui.tui.widgets.matrix_table import MatrixTable
from backprop_tui.tui.widgets.network_view import NetworkView
from backprop_tui.tui.widgets.output_map import OutputMap

__all__ = [
    "LayerTables",
    "LossChart",
    "MatrixTable",
    "NetworkView",
    "OutputMap",
    "TableCell",
    "ViewContext",
]
