"""The computation-graph view: the notes' graph node by node, typed expressions, rejected
ones, and the seed-toy network's graph agreeing with the step-through."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from app_pilot import make_app, on_top, wait_until
from backprop_tui.core.autodiff.graph import backward_steps, seed_scalar_graph
from backprop_tui.core.autodiff.parse import parse_expression
from backprop_tui.core.config.presets import build_trainer, load
from backprop_tui.core.nn.losses import get_loss
from backprop_tui.tui.screens.graph_sources import build_expression_graph, network_supported
from backprop_tui.tui.screens.graph_view import GraphScreen, StandaloneGraphApp, open_graph_view
from backprop_tui.tui.screens.step_session import StepSession
from backprop_tui.tui.widgets.graph_diagram import GraphDiagram
from backprop_tui.tui.widgets.graph_layout import formula, layout_graph
from backprop_tui.tui.widgets.graph_render import WalkState, render_graph
from textual.app import App, ComposeResult
from textual.containers import ScrollableContainer
from textual.widgets import Input, Select, Static

SIZE = (120, 40)


def graph_app(preset: str) -> Any:
    """`backprop-tui graph PRESET`: the dashboard with the preset's graph view on top."""
    return make_app(preset, screen="graph", redraw_rate=0)


async def test_the_seed_scalar_walk_ends_with_dl_dw_minus_four() -> None:
    app = graph_app("seed-scalar")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        assert [s.name for s in screen.steps] == ["L", "z2", "t", "z1", "x", "w"]
        # At the root the step is the local derivative alone (∂L/∂L · ∂L/∂z2 restated it).
        assert "∂L/∂z2 = z2 = -2" in screen.step_text
        assert "∂L/∂L ·" not in screen.step_text
        assert "grad ?" in screen.diagram_text
        texts = [screen.step_text]
        for _ in range(len(screen.steps) - 1):
            await pilot.press("right")
            texts.append(screen.step_text)
        assert screen.k == 5
        assert "∂L/∂w = ∂L/∂z1 · ∂z1/∂w = (-2) · x = (-2) · 2 = -4" in texts[3]
        assert "Step 6 of 6: node w" in texts[-1]
        assert "∂L/∂w = -4" in texts[-1]
        assert "Backward pass done. ∂L/∂w = -4, ∂L/∂x = -3, ∂L/∂t = 2" in texts[-1]
        assert "grad -4" in screen.diagram_text and "grad ?" not in screen.diagram_text
        await pilot.press("left", "b")
        assert screen.k == 3
        await pilot.press("home")
        assert screen.step_text == texts[0]
        await pilot.press("end")
        assert screen.step_text == texts[-1]


async def test_the_notes_graph_is_drawn_left_to_right() -> None:
    app = graph_app("seed-scalar")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        lines = screen.diagram_text.splitlines()
        col = {name: next(ln.index(f"╭ {name} ") for ln in lines if f"╭ {name} " in ln)
               for name in ("w", "x", "z1", "t", "z2", "L")}  # fmt: skip
        assert col["w"] == col["x"] < col["z1"] < col["z2"] < col["L"]
        assert col["z1"] <= col["t"] < col["z2"]
        assert "w · x" in screen.diagram_text
        assert "z1 − t" in screen.diagram_text
        assert "½·z2²" in screen.diagram_text


async def test_a_typed_expression_is_drawn_and_walked() -> None:
    app = make_app(None, screen="graph", expression="w * x", variables={"w": 1.5, "x": 2})
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        await pilot.press("e")
        assert isinstance(screen.focused, Input)
        screen.query_one("#expression", Input).value = "tanh(w * x) + w"
        screen.query_one("#variables", Input).value = "w=0.5, x=2"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.error == ""
        assert screen.focused is None
        await pilot.press("end")
        # ∂/∂w (tanh(w·x) + w) = x (1 − tanh²(w·x)) + 1
        dw = 2.0 * (1.0 - np.tanh(1.0) ** 2) + 1.0
        assert f"∂L/∂w = {dw:.4f}" in screen.step_text
        assert "tanh(z1)" in screen.diagram_text


async def test_a_bad_expression_shows_its_error_in_place_and_the_view_stays() -> None:
    app = graph_app("seed-scalar")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        before = screen.diagram_text
        await pilot.press("e")
        screen.query_one("#expression", Input).value = "0.5 * (w * q - t) ** 2"
        await pilot.press("enter")
        await pilot.pause()
        error = screen.query_one("#graph-error", Static)
        assert error.display
        assert "unknown variable 'q'" in str(error.content)
        assert "column 12" in screen.error
        assert screen.diagram_text == before
        screen.query_one("#expression", Input).value = "w ^ 2"
        await pilot.press("enter")
        assert "use ** for powers" in screen.error
        screen.query_one("#expression", Input).value = "w * x"
        screen.query_one("#variables", Input).value = "w=abc"
        await pilot.press("enter")
        assert "not a number" in screen.error
        screen.query_one("#variables", Input).value = "w=3, x=4"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.error == "" and not error.display
        assert app.screen is screen
        await pilot.press("end")
        assert "∂L/∂w = 4" in screen.step_text


async def test_escape_leaves_a_field_first_then_the_view() -> None:
    app = graph_app("seed-scalar")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        await pilot.press("e", "escape")
        assert screen.focused is None and app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and app.is_running


async def test_the_graph_of_an_expression_alone_quits_on_escape() -> None:
    app = make_app(None, screen="graph", expression="w * x", variables={"w": 2, "x": 3})
    assert isinstance(app, StandaloneGraphApp)
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        await pilot.press("end")
        assert "∂L/∂w = 3" in screen.step_text
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 0


async def test_the_seed_toy_network_graph_agrees_with_the_step_through() -> None:
    app = graph_app("seed-toy")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        graph = screen.mlp_graph
        assert graph is not None and graph.root.name == "L"
        trace = StepSession.from_trainer(build_trainer(load("seed-toy"))).trace(0)
        for l, layer in enumerate(trace.layers):
            assert np.allclose(graph.dW()[l], layer.dW, rtol=0, atol=1e-12)
            assert np.allclose(graph.db()[l], layer.db, rtol=0, atol=1e-12)
        assert graph.root.value == trace.loss
        await pilot.press("end")
        text = screen.diagram_text
        for needle in ("W(2)₁,₁", "grad 0.0866", "grad 0.0898", "grad 0.1391", "σ(z(2))"):
            assert needle in text
        assert "∂L/∂W(1)₁,₁ = 0.0131" in screen.step_text


async def test_two_two_two_draws_one_chosen_output() -> None:
    app = graph_app("two-two-two")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        full = screen.mlp_graph
        assert full is not None and full.output_index is None
        screen.query_one("#graph-output", Select).value = 0
        await pilot.pause()
        first = screen.mlp_graph
        assert first is not None and first.output_index == 0 and first.root.name == "L₁"
        screen.query_one("#graph-output", Select).value = 1
        await pilot.pause()
        second = screen.mlp_graph
        assert second is not None and second.root.name == "L₂"
        total = np.asarray(first.dW()[1]) + np.asarray(second.dW()[1])
        assert np.allclose(total, full.dW()[1], atol=1e-15)


async def test_xor_draws_its_bce_loss_read_from_the_logit() -> None:
    app = graph_app("xor")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        graph = screen.mlp_graph
        assert graph is not None and graph.root.name == "L"
        network, data = screen.network, screen.data
        _, want = network.gradients(data.X[:1], data.Y[:1], get_loss("bce"))
        for got, expected in zip(graph.dW(), want.dW, strict=True):
            assert np.allclose(got, expected, rtol=1e-12, atol=1e-15)
        await pilot.press("end")
        assert "softplus(z(2))" in screen.diagram_text
        assert "∂L/∂W(1)₁,₁ = " in screen.step_text


async def test_a_network_the_graph_cannot_draw_falls_back_to_the_notes_example() -> None:
    app = graph_app("iris")
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_top(pilot, GraphScreen)
        assert screen.network_problem is not None
        assert screen.mlp_graph is None
        await pilot.press("m")
        await pilot.pause()
        assert "67 weights and biases" in screen.error
        await pilot.press("end")
        assert "∂L/∂w = -4" in screen.step_text


def test_the_notes_expression_becomes_the_notes_graph() -> None:
    root = build_expression_graph("0.5 * (w * x - t) ** 2", {"w": 1.5, "x": 2, "t": 5})
    names = [s.name for s in backward_steps(root)]
    assert names == [s.name for s in backward_steps(seed_scalar_graph())]
    other = build_expression_graph("0.5 * (w * x - t) ** 2", {"w": 1.5, "x": 2, "t": 5, "u": 1})
    assert "z3" in [s.name for s in backward_steps(other)]


def test_the_layout_puts_every_edge_between_neighbouring_columns_without_overlaps() -> None:
    root = parse_expression("x * exp(x) + sigmoid(x * y) / y", {"x": 1.0, "y": 2.0})
    layout = layout_graph(root)
    for a, b in layout.edges:
        assert b.col == a.col + 1
    for column in layout.columns:
        spans = sorted((s.y, s.y + s.height) for s in column)
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end
    text = render_graph(layout, WalkState.at(backward_steps(root), 0)).plain
    assert len(text.splitlines()) == layout.height
    assert "exp(x)" in text and "σ(z3)" in text


def test_formulas_name_the_parents() -> None:
    root = seed_scalar_graph()
    z2 = root.parents[0]
    assert formula(root) == "½·z2²"
    assert formula(z2) == "z1 − t"
    assert formula(z2.parents[0]) == "w · x"


def test_network_support_is_explained() -> None:
    from backprop_tui.core.config.presets import build_network

    assert network_supported(build_network(load("seed-toy")), "half_sse") is None
    assert network_supported(build_network(load("xor")), "bce") is None
    assert "not hinge" in str(network_supported(build_network(load("xor")), "hinge"))


def test_every_binding_says_what_it_does() -> None:
    for binding in GraphScreen.BINDINGS:
        assert binding.description and binding.tooltip, binding


async def test_open_graph_view_draws_the_dashboard_weights() -> None:
    preset = load("seed-toy")
    trainer = build_trainer(preset)
    for _ in range(5):
        trainer.step()
    snapshot = trainer.snapshot()

    class Dashboard(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("dashboard")

    app = Dashboard()
    async with app.run_test(size=SIZE) as pilot:
        screen = open_graph_view(app, preset, snapshot=snapshot)
        await pilot.pause()
        assert app.screen is screen
        graph = screen.mlp_graph
        assert graph is not None
        assert graph.W[1][0][0].value == snapshot.W[1][0, 0]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_a_narrow_graph_view_never_cuts_a_box_at_its_left_edge() -> None:
    # 80 columns show all but 9 of seed-scalar's graph: scrolled to the root L, the w
    # and x boxes were cut, and "val  1.5" showed as ".5".
    app = graph_app("seed-scalar")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, GraphScreen)
        scroll = screen.query_one("#graph-scroll", ScrollableContainer)
        diagram = screen.query_one(GraphDiagram)

        def step_in_view() -> bool:
            """The current step's boxes start inside the scrolled window (the drawing's
            left padding is 1): the screen has scrolled to this step."""
            step = screen.steps[screen.k]
            region = diagram.current_region([step.node, *(t.parent for t in step.terms)])
            x = scroll.scroll_x
            return region is not None and x <= region.x + 1 < x + scroll.size.width

        columns = diagram.layout_.col_x
        for k in range(len(screen.steps)):
            await wait_until(pilot, step_in_view, f"step {k} scrolled into view")
            assert round(scroll.scroll_x) in columns, (scroll.scroll_x, columns)
            await pilot.press("right")


async def test_over_the_dashboard_the_step_panel_moves_beside_the_drawing_only_where_it_fits() -> (
    None
):
    # The dashboard's own width classes (-wide from 110 columns) once reached this screen
    # too, and squeezed the drawing beside the step panel at 110 to 129 columns; from 130
    # the notes' graph (86 columns) still lost its w and x boxes beside it until 142.
    for width, beside in ((120, False), (130, False), (141, False), (142, True)):
        app = graph_app("seed-scalar")
        async with app.run_test(size=(width, 30)) as pilot:
            screen = await on_top(pilot, GraphScreen)
            await pilot.pause()
            step = screen.query_one("#graph-step").region
            drawing = screen.query_one("#graph-scroll").region
            assert (step.x > drawing.x, step.y > drawing.y) == (beside, not beside), width
