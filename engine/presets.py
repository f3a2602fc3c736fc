"""Named networks with their data: the notes' examples, a few 2-D toy sets and
handwritten digits.

``names()`` lists every preset with a one-line description and ``load(name)``
builds one.  Each constructor returns a ``Preset``: the network, X (one row
per example), Y (targets, or 0-based class labels when there are several
output units) and the learning rate α and stepping mode that suit it.  Presets
with held-out data also carry ``X_test`` and ``Y_test`` (None otherwise).

``load_digits()`` reads the handwritten digits shipped in assets/digits.npz and
``split()`` makes a reproducible train/test split.
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import numpy as np

from . import assets, validation
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
    X_test: np.ndarray | None = None  # held-out examples, not trained on (None: no test set)
    Y_test: np.ndarray | None = None
    image_shape: tuple[int, int] | None = None  # (rows, cols) when each input row is an image


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


# ---- handwritten digits ----------------------------------------------------------

DIGITS_PATH = assets.path("digits.npz")
# α for gradient descent: 1 takes twice as many iterations, 3 is about as fast,
# and at 5 the sigmoid-output net oscillates (80 % after 1000 iterations).
DIGITS_LEARNING_RATE = 2.0
DIGITS_LAMBDA = 1.0
# Full-batch gradient descent, train(method="gd", learning_rate=DIGITS_LEARNING_RATE),
# from either digits preset's weights reaches ≥ 95 % training accuracy within
# this many iterations: first at iteration 98 (sigmoid outputs) and 86 (softmax)
# with seed 0, at 69-106 over seeds 0-5; see digits().  tests/test_digits.py checks it.
DIGITS_ITERATIONS = 200
# The same for L-BFGS, train(method="lbfgs"): first ≥ 95 % at iteration 15-20.
DIGITS_LBFGS_ITERATIONS = 50


@functools.lru_cache(maxsize=1)
def _digits_asset() -> tuple[np.ndarray, np.ndarray]:
    """The uint8 arrays of assets/digits.npz, read once and kept read-only."""
    if not DIGITS_PATH.is_file():
        raise FileNotFoundError(
            f"The handwritten-digits data {DIGITS_PATH} is missing. It ships with the "
            f"repository; regenerate it with `python scripts/make_digits.py` "
            f"(needs scikit-learn) if it was deleted.")
    with np.load(io.BytesIO(DIGITS_PATH.read_bytes()), allow_pickle=False) as data:
        images, labels = data["images"], data["labels"]
    if images.shape != (labels.shape[0], 64) or labels.ndim != 1:
        raise ValueError(f"{DIGITS_PATH} must hold images (m × 64) and labels (m); got "
                         f"shapes {images.shape} and {labels.shape}.")
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 handwritten 8×8 digits as (X, labels).

    X is (1797, 64) float64 in [0, 1]: the 0..16 pixel counts divided by 16,
    each row an 8×8 image read row by row (``X[i].reshape(8, 8)`` shows it).
    labels is (1797,) int64, the digit 0..9.  The file is read once per
    process; each call returns fresh arrays the caller may change.  Origin
    and licence: assets/DIGITS.md.
    """
    images, labels = _digits_asset()
    return images / 16.0, labels.astype(np.int64)


def split(X, Y, test_fraction: float = 0.2, seed: int = 0, stratify: bool = True):
    """A reproducible train/test split: (X_train, Y_train, X_test, Y_test).

    The same X, Y, test_fraction and seed always give the same split (numpy's
    default_rng(seed) chooses the test rows).  With ``stratify`` (the default,
    for class labels or one-hot rows) each class, i.e. each distinct value or
    row of Y, sends round(test_fraction · n_k) of its n_k examples to the test
    set, so both parts keep the class proportions (labels and their one-hot
    rows give the same split); with ``stratify=False`` it is
    round(test_fraction · m) rows of the whole set.  Rows keep their original
    order within each part, and every example lands in exactly one.  A part
    left empty is a ValueError.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    m = X.shape[0] if X.ndim else 0
    if Y.ndim == 0 or Y.shape[0] != m:
        raise ValueError(f"X and Y must have one row per example; got shapes {X.shape} and {Y.shape}.")
    fraction = validation.finite_number(test_fraction, "test_fraction", strictly_positive=True)
    if fraction >= 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}.")
    rng = np.random.default_rng(validation.whole_number(seed, "seed", minimum=0))
    if stratify:
        # classes in order of first appearance, so labels and one-hot rows split alike
        _, first, group = np.unique(Y.reshape(m, -1), axis=0, return_index=True,
                                    return_inverse=True)
        groups = [np.flatnonzero(group.ravel() == g) for g in np.argsort(first)]
    else:
        groups = [np.arange(m)]
    is_test = np.zeros(m, dtype=bool)
    for rows in groups:
        n_test = int(np.floor(fraction * len(rows) + 0.5))
        is_test[rng.permutation(rows)[:n_test]] = True
    if is_test.all() or not is_test.any():
        raise ValueError(
            f"test_fraction = {test_fraction} leaves {'no training' if is_test.all() else 'no test'} "
            f"examples out of {m}" + (" (with stratify, per class)." if stratify else "."))
    return X[~is_test], Y[~is_test], X[is_test], Y[is_test]


def _digits(name: str, output: str, seed: int) -> Preset:
    X, labels = load_digits()
    X_train, Y_train, X_test, Y_test = split(X, labels.astype(float), test_fraction=0.2, seed=0)
    net = Network([64, 25, 10], hidden="sigmoid", output=output, loss="cross_entropy",
                  lam=DIGITS_LAMBDA, seed=seed)
    return Preset(name, _DESCRIPTIONS[name], net, X_train, Y_train,
                  learning_rate=DIGITS_LEARNING_RATE, X_test=X_test, Y_test=Y_test,
                  image_shape=(8, 8))


def digits(seed: int = 0) -> Preset:
    """Handwritten digits, the notes' motivating example: a 64-25-10 sigmoid net.

    64 inputs (8×8 pixels scaled to [0, 1]), 25 sigmoid hidden units and 10
    sigmoid outputs, one per digit, trained one-vs-all with the course's
    cross-entropy J and λ = 1.  X, Y are the training 80 % (1438 examples) of
    ``split(load_digits())`` with seed 0, stratified by digit; X_test, Y_test
    the held-out 20 % (359).  Y holds the labels 0..9 (one-hot encoded by the
    engine).  ``seed`` sets only the initial weights; the split is fixed.

    Training accuracy is the fraction of examples whose largest output
    h_Θ(x)_k is at k = label.  Measured with seed 0 (tests/test_digits.py
    checks the thresholds): full-batch gradient descent at the preset's
    α = 2, ``train(net, X, Y, method="gd", learning_rate=2.0)``, first
    reaches ≥ 95 % training accuracy at iteration 98 (89-106 for seeds 0-5);
    after DIGITS_ITERATIONS = 200 iterations (about 0.2 s) it is at 97.3 %
    training and 93.6 % test accuracy, after 1000 at 99.1 % / 95.8 %.
    L-BFGS, ``train(net, X, Y, method="lbfgs")``, first passes 95 % at
    iteration 20; after DIGITS_LBFGS_ITERATIONS = 50 (under 1 s) it is at
    99.1 % / 95.5 %.  From the random start it is 6 % (chance is 10 %).
    """
    return _digits("digits", "sigmoid", seed)


def digits_softmax(seed: int = 0) -> Preset:
    """The ``digits`` preset with softmax outputs: J = −(1/m) Σ y log h, λ = 1.

    Same data, split, hidden layer, initial weights and α.  Measured with
    seed 0, as for ``digits``: gradient descent at α = 2 first reaches ≥ 95 %
    training accuracy at iteration 86 (69-86 for seeds 0-5); after
    DIGITS_ITERATIONS = 200 it is at 97.8 % training and 94.2 % test
    accuracy, after 1000 at 99.3 % / 96.1 %.  L-BFGS first passes 95 % at
    iteration 18; after DIGITS_LBFGS_ITERATIONS = 50 it is at 99.4 % / 96.1 %.
    """
    return _digits("digits_softmax", "softmax", seed)


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
    "digits": "Handwritten 8×8 digits: 64-25-10, sigmoid one-vs-all outputs, λ = 1, 80/20 split",
    "digits_softmax": "Handwritten 8×8 digits: 64-25-10, softmax outputs, λ = 1, 80/20 split",
}

_CONSTRUCTORS = {
    "and": and_gate, "or": or_gate, "not": not_gate, "nor": nor_gate, "xnor": xnor,
    "xor": xor, "worked_example": worked_example, "debug": debug,
    "circle": circle, "spiral": spiral, "blobs": blobs,
    "digits": digits, "digits_softmax": digits_softmax,
}


def names() -> dict[str, str]:
    """Every preset's name with its one-line description, in menu order."""
    return dict(_DESCRIPTIONS)


def load(name: str, **options) -> Preset:
    """Build the preset called ``name`` (options such as seed go to its constructor).

    Its arrays are read-only; copy them to change them."""
    if name not in _CONSTRUCTORS:
        raise ValueError(f"Unknown preset {name!r}: choose one of {', '.join(_CONSTRUCTORS)}.")
    preset = _CONSTRUCTORS[name](**options)
    # Read-only, like the network: a server builds each preset once and every
    # session shares it, so no session may change another's data.
    for array in (preset.X, preset.Y, preset.X_test, preset.Y_test):
        if array is not None:
            array.flags.writeable = False
    return preset
