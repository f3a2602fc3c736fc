"""Cost functions J(Θ) and the output-layer error δ^(L) they lead to.

With m examples, K output units, h = a^(L) and targets y:

* ``cross_entropy`` with sigmoid outputs (the course's J):
  J = −(1/m) Σ_i Σ_k [ y log h + (1 − y) log(1 − h) ]
* ``cross_entropy`` with softmax outputs:
  J = −(1/m) Σ_i Σ_k y log h
* ``squared_error``:
  J = (1/(2m)) Σ_i Σ_k (h − y)²

Every loss then adds the weight-decay term (λ/(2m)) Σ_l Σ_{j, i≥1} (Θ_ji^(l))²,
which leaves out column 0 (the bias weights), as the notes' sums from i = 1 do.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VALID_OUTPUTS = {
    "cross_entropy": ("sigmoid", "softmax"),
    "squared_error": ("sigmoid", "tanh", "relu", "linear"),
}
LOSSES = tuple(VALID_OUTPUTS)


@dataclass(frozen=True)
class Loss:
    name: str
    output: str  # the output activation's name

    @property
    def delta_is_a_minus_y(self) -> bool:
        """True where the notes' δ^(L) = a^(L) − y holds exactly.

        It holds for cross-entropy on sigmoid or softmax outputs and for
        squared error on linear outputs: there ∂cost/∂z^(L) = a − y.  For
        squared error on a non-linear g it becomes (a − y) .* g'(z^(L)).
        """
        return self.name == "cross_entropy" or self.output == "linear"

    @property
    def formula(self) -> str:
        if self.name == "squared_error":
            return "J(Θ) = (1/2m) Σ_i Σ_k (h_k − y_k)² + (λ/2m) Σ Θ²"
        if self.output == "softmax":
            return "J(Θ) = −(1/m) Σ_i Σ_k y_k log h_k + (λ/2m) Σ Θ²"
        return "J(Θ) = −(1/m) Σ_i Σ_k [y_k log h_k + (1 − y_k) log(1 − h_k)] + (λ/2m) Σ Θ²"

    def data_cost(self, z, a, Y) -> np.ndarray:
        """Each example's cost, summed over the K outputs (shape (m,)).

        Cross-entropy is computed from z, not from h = g(z), so a saturated
        output (h rounding to exactly 0 or 1) still gives a finite, exact cost
        instead of log(0) = −inf.  With h = σ(z), −log h = softplus(−z) and
        −log(1 − h) = softplus(z).  (The shorter softplus(−z) + (1 − y) z is
        equal but subtracts large numbers: on XNOR it cost gradient checking
        two digits.)
        """
        if self.name == "squared_error":
            return 0.5 * np.sum((a - Y) ** 2, axis=1)
        if self.output == "softmax":
            zmax = z.max(axis=1, keepdims=True)
            log_h = z - zmax - np.log(np.sum(np.exp(z - zmax), axis=1, keepdims=True))
            return -np.sum(Y * log_h, axis=1)
        return np.sum(Y * _softplus(-z) + (1.0 - Y) * _softplus(z), axis=1)

    def output_delta(self, z, a, Y, g_prime) -> np.ndarray:
        """δ^(L) = ∂cost/∂z^(L): a − y, or (a − y) .* g'(z) for squared error."""
        if self.delta_is_a_minus_y:
            return a - Y
        return (a - Y) * g_prime(z, a)


def _softplus(x):
    """log(1 + e^x), exact for large |x| without overflow: max(x, 0) + log1p(e^(−|x|))."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def get(name: str, output: str) -> Loss:
    """Check that the loss exists and makes sense with this output activation."""
    if not isinstance(name, str) or name not in VALID_OUTPUTS:
        raise ValueError(f"Unknown loss {name!r}: choose one of {', '.join(LOSSES)}.")
    valid = VALID_OUTPUTS[name]
    if output not in valid:
        fits = [loss for loss, outs in VALID_OUTPUTS.items() if output in outs]
        raise ValueError(
            f"The {name} loss does not work with {output} outputs: it needs an output "
            f"activation of {' or '.join(valid)}. With {output} outputs use "
            f"{' or '.join(fits) or 'no loss'}.")
    return Loss(name, output)


def regularization(thetas, lam: float, m: int) -> float:
    """(λ/(2m)) Σ_l Σ_j Σ_{i≥1} (Θ_ji^(l))²: the bias column 0 is not penalised."""
    if lam == 0.0:
        return 0.0
    return lam / (2.0 * m) * sum(float(np.sum(t[:, 1:] ** 2)) for t in thetas)
