"""A fully connected network in the course's notation.

Layers are numbered 1..L; s_l is the number of units in layer l, bias not
counted.  Θ^(l) maps layer l to layer l + 1 and has shape (s_{l+1}, s_l + 1):
Θ_ji^(l) multiplies unit i of layer l into unit j of layer l + 1, and column
i = 0 multiplies the bias unit a_0 = 1.  A Network never changes once built:
every "change" returns a new Network, so a failed call cannot leave one half
edited.
"""
from __future__ import annotations

import numpy as np

from . import activations, backprop, bugs, losses, validation

INITS = ("random", "zeros")


def init_epsilon(s_in: int, s_out: int) -> float:
    """ε = √6 / √(s_l + s_{l+1}): Θ^(l) is drawn uniformly from [−ε, ε]."""
    return np.sqrt(6.0) / np.sqrt(s_in + s_out)


class Network:
    """Network(sizes, hidden, output, loss, lam, init, seed).

    ``sizes`` is [s_1, ..., s_L].  ``init="random"`` draws each Θ^(l) from
    U[−ε, ε] with ε = √6/√(s_l + s_{l+1}) using numpy's default_rng(seed), so
    the same seed gives the same weights.  ``init="zeros"`` sets every weight
    to 0, which shows the notes' symmetry problem: all hidden units of a layer
    then compute the same value and receive the same update for ever.
    """

    def __init__(self, sizes, hidden="sigmoid", output="sigmoid", loss="cross_entropy",
                 lam=0.0, init="random", seed=0):
        sizes = validation.sizes(sizes)
        self._configure(hidden, output, loss, lam)
        if init not in INITS:
            raise ValueError(f"Unknown init {init!r}: choose one of {', '.join(INITS)}.")
        seed = validation.whole_number(seed, "seed", minimum=0)
        rng = np.random.default_rng(seed)
        thetas = []
        for s_in, s_out in zip(sizes[:-1], sizes[1:]):
            if init == "zeros":
                thetas.append(np.zeros((s_out, s_in + 1)))
            else:
                eps = init_epsilon(s_in, s_out)
                thetas.append(rng.uniform(-eps, eps, size=(s_out, s_in + 1)))
        self._set_thetas(thetas)

    @classmethod
    def from_thetas(cls, thetas, hidden="sigmoid", output="sigmoid", loss="cross_entropy",
                    lam=0.0):
        """A network with the given weights; sizes are read off their shapes."""
        return cls._from_checked(_check_thetas(thetas), hidden, output, loss, lam)

    @classmethod
    def _from_checked(cls, thetas, hidden, output, loss, lam):
        """from_thetas for weights that are already checked, fresh float64 copies."""
        net = cls.__new__(cls)
        net._configure(hidden, output, loss, lam)
        net._set_thetas(thetas)
        return net

    def _configure(self, hidden, output, loss, lam):
        self._hidden = activations.get(hidden)
        self._output = activations.get(output, output=True)
        self._loss = losses.get(loss, output)
        self._lam = validation.finite_number(lam, "λ (lam)", minimum=0.0)

    def _set_thetas(self, thetas):
        for t in thetas:
            t.flags.writeable = False
        self._thetas = list(thetas)
        self._sizes = [thetas[0].shape[1] - 1] + [t.shape[0] for t in thetas]

    # ---- what the network is -------------------------------------------------
    @property
    def sizes(self) -> list[int]:
        return list(self._sizes)

    @property
    def L(self) -> int:
        """The number of layers, input and output included."""
        return len(self._sizes)

    @property
    def thetas(self) -> list[np.ndarray]:
        """Θ^(1)..Θ^(L−1) as fresh float64 copies: thetas[0] is Θ^(1)."""
        return [t.copy() for t in self._thetas]

    def theta(self, l: int) -> np.ndarray:
        """Θ^(l), read-only and not copied (l counts from 1 as in the notes)."""
        return self._thetas[l - 1]

    hidden = property(lambda self: self._hidden.name, doc="The hidden activation's name")
    output = property(lambda self: self._output.name, doc="The output activation's name")
    loss = property(lambda self: self._loss.name, doc="The loss's name")

    @property
    def lam(self) -> float:
        return self._lam

    def activation(self, l: int):
        """g for layer l (2..L): the output activation for l = L."""
        return self._output if l == self.L else self._hidden

    @property
    def loss_function(self):
        return self._loss

    def settings(self) -> dict:
        return {"hidden": self.hidden, "output": self.output, "loss": self.loss, "lam": self.lam}

    def __reduce__(self):
        # Pickled (to a training worker and back) as weights and settings, so that the
        # copy is built like any Network: settings checked, weights read-only.
        return (_unpickle, (self._thetas, self.settings()))

    # ---- plain data, for files -------------------------------------------------
    DICT_FIELDS = ("sizes", "hidden", "output", "loss", "lam", "thetas")

    def to_dict(self) -> dict:
        """The network as plain JSON-able data (lists, strings, floats), e.g.

        {"sizes": [2, 2, 1], "hidden": "sigmoid", "output": "sigmoid",
         "loss": "cross_entropy", "lam": 0.0,
         "thetas": [[[-30.0, 20.0, 20.0], [10.0, -20.0, -20.0]], [[-10.0, 20.0, 20.0]]]}

        thetas[l - 1] is Θ^(l) as a list of rows (row j − 1 feeds unit j of
        layer l + 1, column 0 is the bias weight).  Floats are Python floats,
        so ``json.dumps`` writes each one exactly and ``from_dict`` gives the
        same network bit for bit.
        """
        return {"sizes": self.sizes, "hidden": self.hidden, "output": self.output,
                "loss": self.loss, "lam": float(self.lam),
                "thetas": [t.tolist() for t in self._thetas]}

    @classmethod
    def from_dict(cls, d, *, where: str = "") -> "Network":
        """The network ``to_dict`` describes, every field checked.

        A missing or unknown field, a wrong type (text where a number belongs,
        true/false, null), sizes beyond the limits, weights whose shapes do
        not chain as ``sizes`` says, and NaN or infinity are each a ValueError
        naming the field.  ``where`` prefixes the field names in messages
        (e.g. "network." for a network inside a state file).
        """
        validation.object_fields(d, where.rstrip(".") or "The network", cls.DICT_FIELDS)
        raw_sizes = d["sizes"]
        if not isinstance(raw_sizes, (list, tuple)):
            raise ValueError(f"{where}sizes must be a list of layer sizes such as [2, 2, 1], "
                             f"got {validation.describe(raw_sizes)}.")
        try:
            sizes = validation.sizes(raw_sizes)
        except ValueError as e:
            raise ValueError(f"{where}sizes: {e}") from None
        settings = {}
        for key, example in (("hidden", "sigmoid"), ("output", "sigmoid"), ("loss", "cross_entropy")):
            if not isinstance(d[key], str):
                raise ValueError(f"{where}{key} must be a name such as {example!r}, "
                                 f"got {validation.describe(d[key])}.")
            settings[key] = d[key]
        for key, check in (("hidden", lambda: activations.get(settings["hidden"])),
                           ("output", lambda: activations.get(settings["output"], output=True)),
                           ("loss", lambda: losses.get(settings["loss"], settings["output"]))):
            try:
                check()
            except ValueError as e:
                raise ValueError(f"{where}{key}: {e}") from None
        settings["lam"] = validation.finite_number(d["lam"], f"{where}lam (λ)", minimum=0.0)
        raw = d["thetas"]
        if not isinstance(raw, (list, tuple)):
            raise ValueError(f"{where}thetas must be a list of weight matrices [Θ^(1), Θ^(2), ...], "
                             f"got {validation.describe(raw)}.")
        if len(raw) != len(sizes) - 1:
            raise ValueError(
                f"{where}thetas has {len(raw)} weight matri{'ces' if len(raw) != 1 else 'x'} but "
                f"{where}sizes {sizes} needs {len(sizes) - 1} (one Θ^(l) between each pair of layers).")
        shapes = [(s_out, s_in + 1) for s_in, s_out in zip(sizes[:-1], sizes[1:])]
        thetas = validation.weight_matrices(raw, f"{where}thetas", shapes)
        return cls.from_thetas(thetas, **settings)

    def __repr__(self):
        s = self.settings()
        return (f"Network({self.sizes}, hidden={s['hidden']!r}, output={s['output']!r}, "
                f"loss={s['loss']!r}, lam={s['lam']!r})")

    # ---- checking data --------------------------------------------------------
    # copy=False serves one-shot calls (predict, cost, gradients), which never
    # write to X or Y; data that is kept, as the Stepper keeps it, is copied.
    def check_inputs(self, X, copy: bool = False) -> np.ndarray:
        return validation.inputs(X, self._sizes[0], copy)

    def check_targets(self, Y, m: int, copy: bool = False) -> np.ndarray:
        return validation.targets(Y, m, self._sizes[-1], self._loss, copy)

    def check_data(self, X, Y, copy: bool = False):
        X = self.check_inputs(X, copy)
        return X, self.check_targets(Y, X.shape[0], copy)

    # ---- forward and back -----------------------------------------------------
    def forward(self, X):
        """Forward propagation: dicts z[l] (l = 2..L) and a[l] (l = 1..L)."""
        return self._forward(self._thetas, self.check_inputs(X))

    def _forward(self, thetas, X):
        a, z = {1: X}, {}
        for l in range(1, self.L):
            z[l + 1], a[l + 1] = backprop.forward(thetas[l - 1], a[l], self.activation(l + 1).g)
        return z, a

    def predict(self, X) -> np.ndarray:
        """h_Θ(X) = a^(L), shape (m, s_L)."""
        return self.forward(X)[1][self.L]

    def cost(self, X, Y) -> float:
        """J(Θ), the λ term included (see losses.py for each formula)."""
        X, Y = self.check_data(X, Y)
        return self.cost_at(self._thetas, X, Y)

    def cost_from_output(self, zL, aL, Y, thetas=None) -> float:
        """J from an output layer already computed (z^(L), a^(L)), with the λ term of
        ``thetas`` (this network's weights by default).  Y as ``check_data`` returns it."""
        m = Y.shape[0]
        data = float(np.sum(self._loss.data_cost(zL, aL, Y))) / m
        return data + losses.regularization(self._thetas if thetas is None else thetas, self._lam, m)

    def cost_at(self, thetas, X, Y) -> float:
        """J at other weights of the same shapes, without building a Network for them
        (gradient checking and training evaluate thousands).  X and Y as ``check_data``
        returns them: they are not checked again."""
        z, a = self._forward(thetas, X)
        return self.cost_from_output(z[self.L], a[self.L], Y, thetas)

    def cost_and_gradients(self, X, Y, *, bug=None):
        """J(Θ) and D^(l) = ∂J/∂Θ^(l) from one forward and one backward pass.

        δ^(L) comes from the loss (a − y for the course's cost), then
        δ^(l) = (Θ^(l))ᵀ δ^(l+1) .* g'(z^(l)) for l = L−1..2,
        Δ^(l) = Σ_i δ^(l+1) (a^(l))ᵀ and D^(l) = Δ^(l)/m + (λ/m) Θ^(l) (bias
        column unregularised).  See backprop.py for each formula.

        ``bug`` names one of ``engine.bugs.BUGS`` to compute D with that
        mistake instead (J is unaffected); None, the default, is correct.
        """
        v = bugs.variant(bug)
        X, Y = self.check_data(X, Y)
        z, a = self._forward(self._thetas, X)
        L, m = self.L, X.shape[0]
        J = self.cost_from_output(z[L], a[L], Y)
        delta = {L: self._loss.output_delta(z[L], a[L], Y, self._output.derivative)}
        if v.negate_output_delta:
            delta[L] = -delta[L]
        for l in range(L - 1, 1, -1):
            delta[l] = backprop.hidden_delta(self._thetas[l - 1], delta[l + 1], z[l], a[l], self._hidden,
                                             g_prime=v.g_prime)
        D = [backprop.gradient(backprop.accumulate(delta[l + 1], a[l]), self._thetas[l - 1], self._lam, m,
                               regularise_bias=v.regularise_bias, lambda_over_m=v.lambda_over_m)
             for l in range(1, L)]
        return J, D

    def gradients(self, X, Y) -> list[np.ndarray]:
        """D^(l) = ∂J/∂Θ^(l) by backpropagation, shaped like ``thetas``."""
        return self.cost_and_gradients(X, Y)[1]

    # ---- unrolled parameters --------------------------------------------------
    def unroll(self) -> np.ndarray:
        """[Theta1(:); Theta2(:); ...]: each Θ flattened column by column, as Octave does."""
        return unroll(self._thetas)

    @property
    def n_params(self) -> int:
        return sum(t.size for t in self._thetas)

    def with_vector(self, vec) -> "Network":
        """A new Network with these settings and weights from an unrolled vector.

        The inverse of ``unroll``: Theta1 = reshape(vec(1:n1), s_2, s_1 + 1), etc.
        """
        vec = validation.matrix(vec, "The unrolled parameter vector")
        if vec.ndim == 2 and vec.shape[1] == 1:  # an Octave-style column vector
            vec = vec[:, 0]
        if vec.ndim != 1 or vec.size != self.n_params:
            raise ValueError(
                f"The unrolled parameter vector must have {self.n_params} entries for sizes "
                f"{self.sizes}; got shape {vec.shape}.")
        thetas, start = [], 0
        for t in self._thetas:
            thetas.append(vec[start:start + t.size].reshape(t.shape, order="F"))
            start += t.size
        return self.with_thetas(thetas)

    def with_thetas(self, thetas) -> "Network":
        """A new Network with these settings and new weights of the same shapes."""
        thetas = _check_thetas(thetas)
        shapes = [t.shape for t in self._thetas]
        if [t.shape for t in thetas] != shapes:
            raise ValueError(
                f"The weights must have shapes {shapes} for sizes {self.sizes}; "
                f"got {[t.shape for t in thetas]}.")
        return Network._from_checked(thetas, **self.settings())

    def with_weight(self, l: int, j: int, i: int, value: float) -> "Network":
        """A new Network with Θ_ji^(l) set to value, indexed as in the notes:
        j = 1..s_{l+1} is the unit it feeds, i = 0..s_l the unit it comes
        from (i = 0 is the bias unit), so Θ_ji^(l) is ``thetas[l - 1][j - 1, i]``."""
        l = validation.whole_number(l, "Layer l", minimum=1, maximum=self.L - 1)
        t = self._thetas[l - 1]
        j = validation.whole_number(j, f"Unit j of layer {l + 1}", minimum=1, maximum=t.shape[0])
        i = validation.whole_number(i, f"Unit i of layer {l} (0 = bias)", minimum=0,
                                    maximum=t.shape[1] - 1)
        value = validation.finite_number(value, f"Θ_{j},{i}^({l})")
        thetas = self.thetas
        thetas[l - 1][j - 1, i] = value
        return self.with_thetas(thetas)

    def with_settings(self, **changes) -> "Network":
        """A new Network with the same weights and some settings changed."""
        settings = {**self.settings(), **changes}
        return Network.from_thetas(self._thetas, **settings)


def _unpickle(thetas, settings) -> Network:
    return Network._from_checked([np.array(t, dtype=float) for t in thetas], **settings)


def unroll(matrices) -> np.ndarray:
    """Matrices (Θs or Ds) as one vector [M1(:); M2(:); ...], column-major like Octave."""
    return np.concatenate([np.ravel(m, order="F") for m in matrices])


def _check_thetas(thetas) -> list[np.ndarray]:
    """Copies of the weight matrices, checked to chain: Θ^(l+1) has s_{l+1} + 1 columns."""
    if isinstance(thetas, np.ndarray) or not hasattr(thetas, "__len__"):
        raise ValueError("thetas must be a list of weight matrices [Θ^(1), Θ^(2), ...].")
    if len(thetas) < 1:
        raise ValueError("thetas is empty: a network needs at least one weight matrix Θ^(1).")
    if len(thetas) > validation.MAX_LAYERS - 1:
        raise ValueError(
            f"At most {validation.MAX_LAYERS} layers are supported, i.e. "
            f"{validation.MAX_LAYERS - 1} weight matrices; got {len(thetas)}.")
    out = []
    for l, t in enumerate(thetas, start=1):
        t = validation.matrix(t, f"Θ^({l})")
        if t.ndim != 2 or t.shape[0] < 1 or t.shape[1] < 2:
            raise ValueError(
                f"Θ^({l}) must be a matrix of shape (s_{l + 1}, s_{l} + 1) with at least one "
                f"row and two columns (bias + one unit); got shape {t.shape}.")
        if out and t.shape[1] != out[-1].shape[0] + 1:
            raise ValueError(
                f"Θ^({l}) must have s_{l} + 1 = {out[-1].shape[0] + 1} columns, because "
                f"Θ^({l - 1}) has {out[-1].shape[0]} rows (units in layer {l}); "
                f"got shape {t.shape}.")
        out.append(t)
    validation.sizes([out[0].shape[1] - 1] + [t.shape[0] for t in out])
    return out
