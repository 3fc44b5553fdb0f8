"""Generate the PyTorch reference fixtures that tests/unit/test_against_torch.py compares with.

Run by hand, once, from the repository root:

    pip install torch==2.13.0      # only for this script; never a dependency of the package
    python tests/make_torch_fixtures.py

It rewrites the files in tests/fixtures/ (float64 throughout, every float stored as its
exact repr so the JSON round-trips bit for bit); name some of them to rewrite only those
(`python tests/make_torch_fixtures.py torch_saturation.json`):

- torch_forward_backward.json: a 3-4-2 network (3-4-3 for cross_entropy), batch 5, for
  every output activation × loss pair the engine supports, with varied hidden
  activations: x, y, W (out × in, like nn.Linear.weight), b, z and a per layer, the
  batch loss, the per-sample losses ℓᵢ, W.grad and b.grad of the batch loss, and the
  per-sample δ(l)ᵢ = ∂ℓᵢ/∂z(l)ᵢ of every layer (autograd on Σᵢ ℓᵢ, which separates by row).
  bce is nn.BCEWithLogitsLoss on z(L); elu and softplus are nn.ELU and nn.Softplus with
  their defaults (α = 1; β = 1, threshold 20).
- torch_saturation.json: activations and bce far out on their tails (|z| up to 1000):
  each activation's value and autograd slope on a grid of z, and nn.BCEWithLogitsLoss's
  value and z.grad (mean reduction) for z from −1000 to 1000 against targets 0 and 1.
- torch_optimizers.json: a 2-3-1 tanh/sigmoid network on a fixed batch of 8 with
  nn.MSELoss, trained 20 full-batch steps by each torch.optim configuration: the loss
  before each step, the parameters after each step, and the optimizer state after the
  last step under the engine's names (momentum_buffer → v, exp_avg → m, exp_avg_sq → s,
  square_avg → s); plus torch's constructor defaults.
- torch_seed_toy.json: the notes' PyTorch loop (nn.MSELoss, SGD lr = 0.5, 500 epochs) on
  the seed-toy weights instead of a random init: the loss of every epoch, the final
  parameters and the final prediction.

Nothing under tests/ imports this script, so the test suite never needs torch.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812 (torch's own convention)
from torch import nn

torch.set_default_dtype(torch.float64)

FIXTURES = Path(__file__).resolve().parent / "fixtures"

ACT = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=0.01),
    "linear": lambda z: z,
    "softmax": lambda z: torch.softmax(z, dim=1),
    "elu": F.elu,  # α = 1
    "softplus": F.softplus,  # β = 1, threshold = 20
}
HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
ADDED = ("elu", "softplus")  # after the first cases, so that those keep their seeds


def as_list(t: torch.Tensor) -> list:
    return t.detach().tolist()


def write(name: str, payload: dict) -> None:
    path = FIXTURES / name
    path.write_text(json.dumps(payload, indent=None, separators=(",", ":")) + "\n")
    print(f"{path.relative_to(FIXTURES.parent.parent)}: {path.stat().st_size} bytes")


def header() -> dict:
    return {
        "generator": "tests/make_torch_fixtures.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
    }


# -- a) forward and backward per activation × loss ------------------------------------------


def per_sample_loss(loss: str, y_hat, z_out, y, targets):
    """ℓᵢ for each row, so that the mean is the torch.nn criterion below."""
    if loss == "half_sse":
        return 0.5 * ((y_hat - y) ** 2).sum(1)
    if loss == "mse":
        return ((y_hat - y) ** 2).mean(1)
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(z_out, y, reduction="none").mean(1)
    return F.cross_entropy(z_out, targets, reduction="none")


def batch_loss(loss: str, y_hat, z_out, y, targets):
    """The batch loss exactly as the notes' PyTorch code would write it."""
    if loss == "half_sse":
        return 0.5 * ((y_hat - y) ** 2).sum(1).mean()
    if loss == "mse":
        return nn.MSELoss()(y_hat, y)
    if loss == "bce":
        return nn.BCEWithLogitsLoss()(z_out, y)
    return nn.CrossEntropyLoss()(z_out, targets)


def forward_backward_case(seed: int, loss: str, hidden: str, output: str) -> dict:
    gen = torch.Generator().manual_seed(seed)
    n_out = 3 if loss == "cross_entropy" else 2
    sizes = [3, 4, n_out]
    W = [
        (0.9 * torch.randn(sizes[i + 1], sizes[i], generator=gen)).requires_grad_()
        for i in range(2)
    ]
    b = [(0.5 * torch.randn(sizes[i + 1], generator=gen)).requires_grad_() for i in range(2)]
    x = torch.randn(5, 3, generator=gen)
    targets = None
    if loss == "cross_entropy":
        targets = torch.tensor([0, 2, 1, 2, 0])
        y = F.one_hot(targets, n_out).to(torch.float64)
    elif loss == "bce":
        y = torch.randint(0, 2, (5, n_out), generator=gen).to(torch.float64)
    elif output in ("sigmoid", "softmax"):
        y = torch.rand(5, n_out, generator=gen)
    else:
        y = torch.randn(5, n_out, generator=gen)

    acts = [hidden, output]
    zs, a_s = [], []
    a = x
    for W_l, b_l, act in zip(W, b, acts, strict=True):
        z = F.linear(a, W_l, b_l)
        a = ACT[act](z)
        zs.append(z)
        a_s.append(a)
    y_hat = a_s[-1]

    ell = per_sample_loss(loss, y_hat, zs[-1], y, targets)
    delta = torch.autograd.grad(ell.sum(), zs, retain_graph=True)
    L = batch_loss(loss, y_hat, zs[-1], y, targets)
    torch.testing.assert_close(L, ell.mean(), rtol=1e-14, atol=0)
    L.backward()

    case = {
        "id": f"{loss}-{hidden}-{output}",
        "loss": loss,
        "activations": acts,
        "x": as_list(x),
        "y": as_list(y),
        "W": [as_list(w) for w in W],
        "b": [as_list(v) for v in b],
        "z": [as_list(z) for z in zs],
        "a": [as_list(v) for v in a_s],
        "loss_value": L.item(),
        "per_sample_loss": as_list(ell),
        "dW": [as_list(w.grad) for w in W],
        "db": [as_list(v.grad) for v in b],
        "delta": [as_list(d) for d in delta],
    }
    if targets is not None:
        case["targets"] = targets.tolist()
    return case


def forward_backward_cases() -> list[dict]:
    combos: list[tuple[str, str, str]] = []
    first = [act for act in ACT if act not in ADDED]
    for loss_i, loss in enumerate(("half_sse", "mse")):
        for out_i, output in enumerate(first):
            # Two hidden activations per output, shifted between the losses so that every
            # hidden activation meets every loss.
            for k in (0, 2):
                combos.append((loss, HIDDEN[(out_i + k + loss_i) % len(HIDDEN)], output))
    combos += [("bce", hidden, "sigmoid") for hidden in HIDDEN]
    combos += [("cross_entropy", hidden, "softmax") for hidden in HIDDEN]
    # elu and softplus as the output with both squared losses, and as the hidden
    # activation under every output and loss.
    for loss in ("half_sse", "mse"):
        combos += [(loss, hidden, added) for added in ADDED for hidden in ("tanh", added)]
        combos += [(loss, added, output) for added in ADDED for output in ("sigmoid", "linear")]
    combos += [("bce", added, "sigmoid") for added in ADDED]
    combos += [("cross_entropy", added, "softmax") for added in ADDED]
    assert len({f"{loss}-{h}-{o}" for loss, h, o in combos}) == len(combos)
    return [forward_backward_case(1000 + i, *combo) for i, combo in enumerate(combos)]


# -- b) optimizer sequences -----------------------------------------------------------------

OPTIMIZER_CASES = [
    # (id, torch class, torch kwargs, engine kind, engine options, train_biases)
    ("sgd", torch.optim.SGD, {"lr": 0.1}, "sgd", {"lr": 0.1}, True),
    (
        "sgd-weight-decay",
        torch.optim.SGD,
        {"lr": 0.1, "weight_decay": 0.01},
        "sgd",
        {"lr": 0.1, "weight_decay": 0.01},
        True,
    ),
    (
        "momentum",
        torch.optim.SGD,
        {"lr": 0.1, "momentum": 0.9},
        "momentum",
        {"lr": 0.1, "momentum": 0.9},
        True,
    ),
    (
        "momentum-nesterov",
        torch.optim.SGD,
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        "momentum",
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        True,
    ),
    (
        "momentum-weight-decay",
        torch.optim.SGD,
        {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05},
        "momentum",
        {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05},
        True,
    ),
    ("adam", torch.optim.Adam, {"lr": 0.01}, "adam", {"lr": 0.01}, True),
    (
        "adam-options",
        torch.optim.Adam,
        {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.01},
        "adam",
        {"lr": 0.01, "betas": [0.8, 0.9], "eps": 1e-6, "weight_decay": 0.01},
        True,
    ),
    ("rmsprop", torch.optim.RMSprop, {"lr": 0.01}, "rmsprop", {"lr": 0.01}, True),
    (
        "rmsprop-options",
        torch.optim.RMSprop,
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01},
        "rmsprop",
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01},
        True,
    ),
    (
        "momentum-fixed-biases",
        torch.optim.SGD,
        {"lr": 0.1, "momentum": 0.9},
        "momentum",
        {"lr": 0.1, "momentum": 0.9},
        False,
    ),
    ("adam-fixed-biases", torch.optim.Adam, {"lr": 0.01}, "adam", {"lr": 0.01}, False),
]

STATE_NAMES = {"momentum_buffer": "v", "exp_avg": "m", "exp_avg_sq": "s", "square_avg": "s"}
STEPS = 20


def optimizer_problem() -> dict:
    gen = torch.Generator().manual_seed(7)
    return {
        "x": torch.randn(8, 2, generator=gen),
        "y": torch.rand(8, 1, generator=gen),
        "W": [torch.randn(3, 2, generator=gen), torch.randn(1, 3, generator=gen)],
        "b": [0.5 * torch.randn(3, generator=gen), 0.5 * torch.randn(1, generator=gen)],
    }


def optimizer_case(problem: dict, spec: tuple) -> dict:
    case_id, opt_cls, torch_kwargs, kind, options, train_biases = spec
    W = [w.clone().requires_grad_() for w in problem["W"]]
    b = [v.clone().requires_grad_(train_biases) for v in problem["b"]]
    # Optimizer order W(1), b(1), W(2), b(2) (weights only when biases are fixed).
    params = [p for pair in zip(W, b, strict=True) for p in pair if p.requires_grad]
    optimizer = opt_cls(params, **torch_kwargs)
    criterion = nn.MSELoss()
    losses, W_steps, b_steps = [], [], []
    for _ in range(STEPS):
        y_hat = torch.sigmoid(F.linear(torch.tanh(F.linear(problem["x"], W[0], b[0])), W[1], b[1]))
        loss = criterion(y_hat, problem["y"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        W_steps.append([as_list(w) for w in W])
        b_steps.append([as_list(v) for v in b])
    state = [
        {STATE_NAMES[k]: as_list(v) for k, v in optimizer.state[p].items() if k in STATE_NAMES}
        for p in params
    ]
    return {
        "id": case_id,
        "torch": f"{opt_cls.__name__}({torch_kwargs})",
        "kind": kind,
        "options": options,
        "train_biases": train_biases,
        "loss": losses,
        "W": W_steps,
        "b": b_steps,
        "state": state,
    }


def torch_defaults() -> dict:
    def defaults(cls: type) -> dict:
        params = inspect.signature(cls.__init__).parameters
        names = ("lr", "momentum", "nesterov", "weight_decay", "betas", "eps", "alpha")
        out = {n: params[n].default for n in names if n in params}
        if "betas" in out:
            out["betas"] = list(out["betas"])
        return out

    return {
        "SGD": defaults(torch.optim.SGD),
        "Adam": defaults(torch.optim.Adam),
        "RMSprop": defaults(torch.optim.RMSprop),
    }


def optimizer_fixture() -> dict:
    problem = optimizer_problem()
    return {
        **header(),
        "network": {"sizes": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "mse"},
        "x": as_list(problem["x"]),
        "y": as_list(problem["y"]),
        "W": [as_list(w) for w in problem["W"]],
        "b": [as_list(v) for v in problem["b"]],
        "steps": STEPS,
        "cases": [optimizer_case(problem, spec) for spec in OPTIMIZER_CASES],
        "defaults": torch_defaults(),
    }


# -- c) the notes' toy loop on the seed-toy weights -------------------------------------------


def seed_toy_fixture() -> dict:
    W1, b1 = [[0.15], [0.25]], [0.35, 0.35]
    W2, b2 = [[0.4, 0.45]], [0.6]
    model = nn.Sequential(nn.Linear(1, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(W1))
        model[0].bias.copy_(torch.tensor(b1))
        model[2].weight.copy_(torch.tensor(W2))
        model[2].bias.copy_(torch.tensor(b2))
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    x, y = torch.tensor([[1.0]]), torch.tensor([[0.0]])
    losses = []
    for _ in range(500):
        output = model(x)
        loss = criterion(output, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {
        **header(),
        "x": [[1.0]],
        "y": [[0.0]],
        "W": [W1, W2],
        "b": [b1, b2],
        "activations": ["sigmoid", "sigmoid"],
        "loss": "mse",
        "lr": 0.5,
        "epochs": 500,
        "epoch_loss": losses,
        "printed_epochs": {str(e): losses[e] for e in range(0, 500, 100)},
        "final_W": [as_list(model[0].weight), as_list(model[2].weight)],
        "final_b": [as_list(model[0].bias), as_list(model[2].bias)],
        "final_prediction": model(x).item(),
    }


# -- d) saturation: activations and bce far out on their tails ------------------------------

SATURATION_Z = [-1000.0, -40.0, -20.5, -20.0, -1.0, 0.0, 1.0, 19.99, 20.0, 20.01, 40.0, 1000.0]


def saturation_fixture() -> dict:
    activations = {}
    for name in ("sigmoid", "tanh", "elu", "softplus"):
        z = torch.tensor(SATURATION_Z, requires_grad=True)
        a = ACT[name](z)
        (slope,) = torch.autograd.grad(a.sum(), z)
        activations[name] = {"a": as_list(a), "slope": as_list(slope)}
    bce = []
    for z_rows, y_rows in (
        ([[v] for v in SATURATION_Z], [[0.0]] * len(SATURATION_Z)),
        ([[v] for v in SATURATION_Z], [[1.0]] * len(SATURATION_Z)),
        ([[1000.0, -1000.0], [40.0, -40.0], [-40.0, 40.0]], [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]),
    ):
        z = torch.tensor(z_rows, requires_grad=True)
        y = torch.tensor(y_rows)
        loss = nn.BCEWithLogitsLoss()(z, y)
        (grad,) = torch.autograd.grad(loss, z)
        elementwise = F.binary_cross_entropy_with_logits(z, y, reduction="none")
        bce.append(
            {
                "z": z_rows,
                "y": y_rows,
                "loss": loss.item(),
                "elementwise": as_list(elementwise),
                "z_grad": as_list(grad),
            }
        )
    return {**header(), "z": SATURATION_Z, "activations": activations, "bce": bce}


FIXTURE_WRITERS = {
    "torch_forward_backward.json": lambda: {
        **header(),
        "batch": 5,
        "cases": forward_backward_cases(),
    },
    "torch_optimizers.json": optimizer_fixture,
    "torch_seed_toy.json": seed_toy_fixture,
    "torch_saturation.json": saturation_fixture,
}


def main(names: list[str]) -> None:
    FIXTURES.mkdir(exist_ok=True)
    for name in names or FIXTURE_WRITERS:
        write(name, FIXTURE_WRITERS[name]())


if __name__ == "__main__":
    main(sys.argv[1:])
