"""The trainer's hot path: `Network.forward`/`backward` written into buffers.

The equations are the notes' (see core.nn.network); every operation here is the one the
reference code in core.nn.network, core.nn.losses and core.nn.activations performs, in the same
order and on the same dtypes, so the numbers agree to the last bit (tests compare the
two bit for bit). What goes is the Python overhead and the allocations: z(l), a(l), δ(l)
live in buffers allocated once per batch size, ∂W and ∂b are views of one flat gradient
vector laid out like the flat parameter vector, and the 1/B of the batch mean is applied
to that vector in one pass.

The in-place kernels are the activation and loss records' own (`forward_into`,
`backward_into`, `grad_into`, `fused_delta`); where a record has none (leaky_relu,
softmax, elu, softplus, bce's and cross_entropy's per-sample values) the step calls the
reference functions.
"""

from __future__ import annotations

import operator

import numpy as np
from backprop_tui.core.nn.activations import Activation
from backprop_tui.core.nn.losses import Loss
from backprop_tui.core.nn.network import BackwardPass, ForwardPass, Network

Array = np.ndarray


class ParameterVector:
    """Every parameter in one flat vector, weights first: W(1) … W(L), then b(1) … b(L).

    Binding rewires `network.W[l]` and `network.b[l]` to views of `theta` (their values
    unchanged); `grad` has the same layout and holds ∂W(l), ∂b(l) as `dW[l]`, `db[l]`.
    `trained` and `trained_grad` are the part the optimizer updates (every parameter, or
    only the weights when the biases are fixed); `layout` gives each trained parameter's
    slice and shape in the optimizer's order W(1), b(1), W(2), b(2), …

    There are two such vectors. An update writes θ − Δ into the spare one (`spare`), and
    `swap()` then makes it the network's: the weights before the update stay untouched
    in the other, so a non-finite update costs nothing to undo and a finite one needs no
    backup copy.
    """

    def __init__(self, network: Network, train_biases: bool) -> None:
        self.network = network
        shapes = [w.shape for w in network.W] + [v.shape for v in network.b]
        sizes = [int(np.prod(s)) for s in shapes]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.slices = [slice(offsets[i], offsets[i + 1]) for i in range(len(shapes))]
        self.shapes = shapes
        self._n_layers = n_layers = len(network.W)
        self._buffers = (
            np.empty(offsets[-1], dtype=network.dtype),
            np.empty(offsets[-1], dtype=network.dtype),
        )
        self._views = tuple(
            tuple(self._view(theta, i) for i in range(len(shapes))) for theta in self._buffers
        )
        self._active = 0
        self.grad = np.zeros_like(self._buffers[0])
        self.dW = tuple(self._view(self.grad, l) for l in range(n_layers))
        self.db = tuple(self._view(self.grad, n_layers + l) for l in range(n_layers))
        self._end = offsets[-1] if train_biases else offsets[n_layers]
        self.trained_grad = self.grad[: self._end]
        order = [(l, n_layers + l) if train_biases else (l,) for l in range(n_layers)]
        self.layout = [(self.slices[i], self.shapes[i]) for pair in order for i in pair]
        self._bound: tuple[Array, ...] = ()
        self.bind()

    def _view(self, flat: Array, i: int) -> Array:
        return flat[self.slices[i]].reshape(self.shapes[i])

    @property
    def theta(self) -> Array:
        """The vector the network's W and b are views of."""
        return self._buffers[self._active]

    @property
    def trained(self) -> Array:
        """The trained part of `theta`."""
        return self.theta[: self._end]

    @property
    def spare(self) -> Array:
        """The trained part of the other vector, where the next update is written."""
        return self._buffers[1 - self._active][: self._end]

    def bind(self) -> None:
        """Copy the network's current arrays into `theta` and make them views of it."""
        net, theta = self.network, self.theta
        for i, arr in enumerate([*net.W, *net.b]):
            theta[self.slices[i]] = np.asarray(arr).ravel()
        self._point_network()

    def swap(self) -> None:
        """Make the spare vector, which holds the update, the network's parameters (the
        parameters that are not trained are carried over)."""
        old = self.theta
        self._active = 1 - self._active
        if self._end < old.size:
            np.copyto(self.theta[self._end :], old[self._end :])
        self._point_network()

    def _point_network(self) -> None:
        net, views, n = self.network, self._views[self._active], self._n_layers
        net.W[:] = views[:n]
        net.b[:] = views[n:]
        self._bound = views

    def ensure_bound(self) -> None:
        """Re-bind when someone put a new array in `network.W` or `network.b`."""
        current = (*self.network.W, *self.network.b)
        if len(current) != len(self._bound) or any(map(operator.is_not, current, self._bound)):
            self.bind()


class _Buffers:
    """z, a, δ and scratch arrays for one batch size."""

    def __init__(self, network: Network, batch: int) -> None:
        dtype, units = network.dtype, network.sizes[1:]
        self.z = [np.empty((batch, n), dtype) for n in units]
        self.a = [np.empty((batch, n), dtype) for n in units]
        self.delta = [np.empty((batch, n), dtype) for n in units]
        self.tmp = [np.empty((batch, n), dtype) for n in units]
        self.mask = [np.empty((batch, n), bool) for n in units]
        self.square = np.empty((batch, units[-1]), dtype)
        self.ones = np.ones(batch, dtype)
        self.per_sample = np.empty(batch, dtype)


class FusedStep:
    """Forward and backward on one batch into preallocated buffers.

    `run(x, y)` returns the same `ForwardPass` and `BackwardPass` as
    `network.gradients(x, y, loss)`, whose arrays are buffers reused by the next call
    with the same batch size (copy what must outlive it; the trainer's snapshots do).
    """

    def __init__(self, params: ParameterVector, loss: Loss) -> None:
        self.params = params
        self.network = params.network
        self.loss = loss
        self._buffers: dict[int, _Buffers] = {}

    def run(self, x: Array, y: Array) -> tuple[ForwardPass, BackwardPass]:
        net, params = self.network, self.params
        params.ensure_bound()
        batch = x.shape[0]
        buf = self._buffers.get(batch)
        if buf is None:
            buf = self._buffers[batch] = _Buffers(net, batch)
        acts = net.activations
        n_layers = len(acts)

        # Forward: z(l) = a(l−1) W(l)ᵀ + b(l), a(l) = σ(z(l)).
        zs, as_ = buf.z, list(buf.a)
        a = x
        for l in range(n_layers):
            z = np.dot(a, net.W[l].T, out=zs[l])
            np.add(z, net.b[l], out=z)
            kernel = acts[l].forward_into
            a = as_[l] = kernel(z, buf.a[l]) if kernel else acts[l].forward(z)

        # The loss and δ(L) = ∂ℓ/∂z(L), per sample.
        deltas: list[Array] = list(buf.delta)
        per_sample, deltas[-1] = self._output(a, y, zs[-1], acts[-1], buf)

        # δ(l) = (W(l+1)ᵀ δ(l+1)) ⊙ σ'(z(l)), and ∂W(l) = δ(l)ᵀ a(l−1), ∂b(l) = Σᵢ δ(l)ᵢ.
        for l in range(n_layers - 1, -1, -1):
            d = deltas[l]
            np.dot(d.T, x if l == 0 else as_[l - 1], out=params.dW[l])
            np.dot(buf.ones, d, out=params.db[l])  # Σᵢ δᵢ as 1ᵀδ, as Network.backward
            if l:
                up = np.dot(d, net.W[l], out=buf.delta[l - 1])
                back = acts[l - 1].backward_into
                if back:
                    deltas[l - 1] = back(zs[l - 1], as_[l - 1], up, buf.tmp[l - 1], buf.mask[l - 1])
                else:
                    deltas[l - 1] = acts[l - 1].backward(zs[l - 1], as_[l - 1], up)
        # The batch mean's 1/B (x / 1 is x exactly; ×2⁻ᵏ is exactly ÷2ᵏ, and faster).
        if batch & (batch - 1):
            np.divide(params.grad, batch, out=params.grad)
        elif batch != 1:
            np.multiply(params.grad, 1.0 / batch, out=params.grad)

        loss = float(np.add.reduce(per_sample, axis=None)) / batch
        fwd = ForwardPass(x, tuple(zs), tuple(as_))
        return fwd, BackwardPass(loss, per_sample, tuple(deltas), params.dW, params.db)

    def _output(
        self, y_hat: Array, y: Array, z: Array, act: Activation, buf: _Buffers
    ) -> tuple[Array, Array]:
        """ℓᵢ and δ(L)ᵢ, as `loss.per_sample` and `loss.output_delta` give them."""
        loss, diff, ps = self.loss, buf.delta[-1], buf.per_sample
        if loss.grad_into:  # ℓᵢ and ∂ℓ/∂ŷ in place, then δ(L) = ∂ℓ/∂ŷ ⊙ σ'(z(L))
            loss.grad_into(y_hat, y, diff, buf.square, ps)
            if act.backward_into:
                return ps, act.backward_into(z, y_hat, diff, buf.tmp[-1], buf.mask[-1])
            return ps, act.backward(z, y_hat, diff)
        per_sample = loss.per_sample(y_hat, y, z)
        if loss.fused_delta and loss.fuses_with(act):
            return per_sample, loss.fused_delta(y_hat, y, diff)
        return per_sample, loss.output_delta(z, y_hat, y, act)
