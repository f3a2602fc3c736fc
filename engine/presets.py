"""Named networks with their data: the notes' examples and a few 2-D toy sets.

``names()`` lists every preset with a one-line description and ``load(name)``
builds one.  Each constructor returns a ``Preset``: the network, X (one row
per example), Y (targets, or 0-based class labels when there are several
output units) and the learning rate α and stepping mode that suit it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network

TRUTH_TABLE = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    network: Network
    X: np.ndarray
    Y: np.ndarray
    learning_rate: float = 0.5
    mode: str = "batch"


def _gate(name, thetas, X, Y, description):
    net = Network.from_thetas(thetas, hidden="sigmoid", output="sigmoid", loss="cross_entropy")
    return Preset(name, description, net, X, np.asarray(Y, dtype=float), learning_rate=1.0)


def and_gate() -> Preset:
    """AND from the notes: h_Θ(x) = g(−30 + 20 x1 + 20 x2)."""
    return _gate("and", [[[-30.0, 20.0, 20.0]]], TRUTH_TABLE, [0, 0, 0, 1], _DESCRIPTIONS["and"])


def or_gate() -> Preset:
    """OR from the notes: h_Θ(x) = g(−10 + 20 x1 + 20 x2)."""
    return _gate("or", [[[-10.0, 20.0, 20.0]]], TRUTH_TABLE, [0, 1, 1, 1], _DESCRIPTIONS["or"])


def not_gate() -> Preset:
    """NOT from the notes: h_Θ(x) = g(10 − 20 x1), a large negative weight negates."""
    return _gate("not", [[[10.0, -20.0]]], np.array([[0.0], [1.0]]), [1, 0], _DESCRIPTIONS["not"])


def nor_gate() -> Preset:
    """(NOT x1) AND (NOT x2): h_Θ(x) = g(10 − 20 x1 − 20 x2)."""
    return _gate("nor", [[[10.0, -20.0, -20.0]]], TRUTH_TABLE, [1, 0, 0, 0], _DESCRIPTIONS["nor"])


def xnor() -> Preset:
    """x1 XNOR x2 from the notes: hidden units a_1^(2) = x1 AND x2 and
    a_2^(2) = (NOT x1) AND (NOT x2), then the output ORs them."""
    thetas = [[[-30.0, 20.0, 20.0], [10.0, -20.0, -20.0]], [[-10.0, 20.0, 20.0]]]
    return _gate("xnor", thetas, TRUTH_TABLE, [1, 0, 0, 1], _DESCRIPTIONS["xnor"])


def xor(seed: int = 0) -> Preset:
    """XOR to be learned by a 2-2-1 sigmoid network from a random start."""
    net = Network([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="cross_entropy", seed=seed)
    return Preset("xor", _DESCRIPTIONS["xor"], net, TRUTH_TABLE, np.array([0.0, 1.0, 1.0, 0.0]),
                  learning_rate=2.0)


def worked_example() -> Preset:
    """The classic 2-2-2 worked example of one backpropagation step.

    Inputs 0.05, 0.10; targets 0.01, 0.99; sigmoid units, squared error
    E = ½ Σ (target − out)²; weights w1..w8 = .15 .20 .25 .30 .40 .45 .50
    .55, biases b1 = .35 (into the hidden layer) and b2 = .60 (into the
    output layer); α = 0.5.  In the notes' notation w1, w2 are Θ_11^(1),
    Θ_12^(1) and the biases are column 0.
    """
    thetas = [[[0.35, 0.15, 0.20], [0.35, 0.25, 0.30]],
              [[0.60, 0.40, 0.45], [0.60, 0.50, 0.55]]]
    net = Network.from_thetas(thetas, hidden="sigmoid", output="sigmoid", loss="squared_error")
    return Preset("worked_example", _DESCRIPTIONS["worked_example"], net,
                  np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]), learning_rate=0.5)


def debug_weights(rows: int, cols: int) -> np.ndarray:
    """sin(1..rows·cols)/10 laid out column by column, as the course's
    debugInitializeWeights does: reproducible, not symmetric, no randomness."""
    return np.sin(np.arange(1, rows * cols + 1)).reshape((rows, cols), order="F") / 10.0


def debug() -> Preset:
    """The gradient-checking exercise's 3-5-3 net on m = 5 examples.

    Θ^(1) (5 × 4) and Θ^(2) (3 × 6) are sin(1..n)/10 column-major, X (5 × 3)
    is made the same way, and the labels are 1 + (i mod 3) for i = 1..5,
    i.e. 2 3 1 2 3, stored 0-based as 1 2 0 1 2.
    """
    net = Network.from_thetas([debug_weights(5, 4), debug_weights(3, 6)],
                              hidden="sigmoid", output="sigmoid", loss="cross_entropy")
    labels = np.array([1 + (i % 3) for i in range(1, 6)]) - 1
    return Preset("debug", _DESCRIPTIONS["debug"], net, debug_weights(5, 3), labels.astype(float),
                  learning_rate=1.0)


def circle(seed: int = 0, m: int = 200) -> Preset:
    """Points inside radius 0.45 (class 1) against a ring from 0.65 to 1 (class 0)."""
    rng = np.random.default_rng(seed)
    inside = rng.random(m) < 0.5
    r = np.where(inside, 0.45 * np.sqrt(rng.random(m)), rng.uniform(0.65, 1.0, m))
    angle = rng.uniform(0, 2 * np.pi, m)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    net = Network([2, 4, 1], hidden="tanh", output="sigmoid", loss="cross_entropy", seed=seed)
    return Preset("circle", _DESCRIPTIONS["circle"], net, X, inside.astype(float), learning_rate=0.5)


def spiral(seed: int = 0, m: int = 200) -> Preset:
    """Two interleaved spirals, the classic hard case for a small network."""
    rng = np.random.default_rng(seed)
    label = np.arange(m) % 2
    t = rng.uniform(0.0, 1.0, m)
    angle = 3.0 * np.pi * t + np.pi * label
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)]) + rng.normal(0, 0.03, (m, 2))
    net = Network([2, 8, 8, 1], hidden="tanh", output="sigmoid", loss="cross_entropy", seed=seed)
    return Preset("spiral", _DESCRIPTIONS["spiral"], net, X, label.astype(float), learning_rate=0.3)


def blobs(seed: int = 0, m: int = 150) -> Preset:
    """Three Gaussian clusters, labels 0, 1, 2, with softmax outputs."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-0.5, -0.4], [0.5, -0.4], [0.0, 0.5]])
    label = np.arange(m) % 3
    X = centres[label] + rng.normal(0, 0.18, (m, 2))
    net = Network([2, 4, 3], hidden="sigmoid", output="softmax", loss="cross_entropy", seed=seed)
    return Preset("blobs", _DESCRIPTIONS["blobs"], net, X, label.astype(float), learning_rate=0.5)


_DESCRIPTIONS = {
    "and": "AND, set by hand as in the notes: g(−30 + 20x1 + 20x2)",
    "or": "OR, set by hand as in the notes: g(−10 + 20x1 + 20x2)",
    "not": "NOT, set by hand as in the notes: g(10 − 20x1)",
    "nor": "(NOT x1) AND (NOT x2), set by hand: g(10 − 20x1 − 20x2)",
    "xnor": "XNOR from the notes: AND and NOR hidden units, OR output (2-2-1)",
    "xor": "XOR to learn: 2-2-1 sigmoid net from random weights",
    "worked_example": "The classic 2-2-2 worked example: one step, squared error, α = 0.5",
    "debug": "The gradient-checking 3-5-3 net: sin(1..n)/10 weights, 5 examples",
    "circle": "2-D toy set: a disc inside a ring (2-4-1, tanh hidden units)",
    "spiral": "2-D toy set: two interleaved spirals (2-8-8-1, tanh hidden units)",
    "blobs": "2-D toy set: three Gaussian clusters, softmax outputs (2-4-3)",
}

_CONSTRUCTORS = {
    "and": and_gate, "or": or_gate, "not": not_gate, "nor": nor_gate, "xnor": xnor,
    "xor": xor, "worked_example": worked_example, "debug": debug,
    "circle": circle, "spiral": spiral, "blobs": blobs,
}


def names() -> dict[str, str]:
    """Every preset's name with its one-line description, in menu order."""
    return dict(_DESCRIPTIONS)


def load(name: str, **options) -> Preset:
    """Build the preset called ``name`` (options such as seed go to its constructor)."""
    if name not in _CONSTRUCTORS:
        raise ValueError(f"Unknown preset {name!r}: choose one of {', '.join(_CONSTRUCTORS)}.")
    return _CONSTRUCTORS[name](**options)
