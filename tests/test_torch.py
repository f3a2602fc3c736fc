"""engine.torch_interop.from_torch, and PyTorch's autograd as an independent check of backprop.

torch is an optional extra (pip install "backprop-explorer[torch]"), but the test
command installs it, so these tests import it directly and really run in CI.
"""
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from engine import MAX_LAYERS, MAX_UNITS, Network, train
from engine.torch_interop import INSTALL_HINT, from_torch

PREDICT_TOL = 1e-12
GRAD_TOL = 1e-10


# ---- helpers ------------------------------------------------------------------------
def linears(model):
    return [m for m in model.modules() if type(m) is nn.Linear]


def thetas_of(model):
    """Θ^(l) = [b | W] read straight from the model's parameters, as float64."""
    out = []
    for lin in linears(model):
        W = lin.weight.detach().double().numpy()
        b = np.zeros(W.shape[0]) if lin.bias is None else lin.bias.detach().double().numpy()
        out.append(np.hstack([b[:, None], W]))
    return out


def torch_cost(model, X, Y, loss, lam, output_kind):
    """The course's J written with torch's own loss functions (float64), λ term included.

    output_kind says what the model's output is: "sigmoid" / "softmax" probabilities,
    "logits_softmax" / "logits_sigmoid" logits, or "raw" (squared error on whatever
    the last module gives).
    """
    m = X.shape[0]
    out = model(X)
    if output_kind == "sigmoid":            # the course's J: BCE summed over units, / m
        J = F.binary_cross_entropy(out, Y, reduction="sum") / m
    elif output_kind == "softmax":          # −(1/m) Σ y log h, as NLL of log h
        J = F.nll_loss(torch.log(out), Y.argmax(dim=1), reduction="sum") / m
    elif output_kind == "logits_softmax":
        J = F.cross_entropy(out, Y.argmax(dim=1), reduction="sum") / m
    elif output_kind == "logits_sigmoid":
        J = F.binary_cross_entropy_with_logits(out, Y, reduction="sum") / m
    else:
        assert loss == "squared_error"
        J = F.mse_loss(out, Y, reduction="sum") / (2 * m)
    reg = sum((lin.weight ** 2).sum() for lin in linears(model))  # bias not penalised
    return J + lam / (2 * m) * reg


def torch_gradients(model, X, Y, loss, lam, output_kind):
    """(J, [∂J/∂Θ^(l)]) by autograd, laid out as Θ: column 0 from the bias (NaN if none)."""
    model.zero_grad()
    J = torch_cost(model, X, Y, loss, lam, output_kind)
    J.backward()
    D = []
    for lin in linears(model):
        gW = lin.weight.grad.numpy()
        gb = np.full(gW.shape[0], np.nan) if lin.bias is None else lin.bias.grad.numpy()
        D.append(np.hstack([gb[:, None], gW]))
    return J.item(), D


def data(rng, m, s1, K, kind):
    X = rng.normal(size=(m, s1))
    if kind in ("softmax", "logits_softmax"):
        Y = np.eye(K)[np.arange(m) % K]       # every class present
    elif kind in ("sigmoid", "logits_sigmoid"):
        Y = rng.uniform(size=(m, K))          # soft targets in [0, 1] exercise both BCE terms
        Y[0] = np.round(Y[0])
    else:
        Y = rng.normal(size=(m, K))
    return X, Y


def check_against_torch(model, loss, lam, output_kind, output=None, m=9, seed=0):
    """Convert, then compare predict, J and every D^(l) with torch in float64."""
    net = from_torch(model, loss=loss, lam=lam, output=output)
    model = model.double()
    rng = np.random.default_rng(seed)
    X, Y = data(rng, m, net.sizes[0], net.sizes[-1], output_kind)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    with torch.no_grad():
        h = model(Xt)
        if output_kind == "logits_softmax":
            h = torch.softmax(h, dim=1)
        elif output_kind == "logits_sigmoid":
            h = torch.sigmoid(h)
    np.testing.assert_allclose(net.predict(X), h.numpy(), rtol=PREDICT_TOL, atol=PREDICT_TOL)

    J_torch, D_torch = torch_gradients(model, Xt, Yt, loss, lam, output_kind)
    J, D = net.cost_and_gradients(X, Y)
    assert J == pytest.approx(J_torch, rel=1e-12, abs=1e-12)
    assert len(D) == len(D_torch)
    for l, (d, dt) in enumerate(zip(D, D_torch), start=1):
        assert d.shape == dt.shape, f"D^({l})"
        if np.isnan(dt[:, 0]).all():  # Linear(bias=False): torch has no bias to differentiate
            d, dt = d[:, 1:], dt[:, 1:]
        np.testing.assert_allclose(d, dt, rtol=GRAD_TOL, atol=GRAD_TOL, err_msg=f"D^({l})")
        assert np.abs(dt).max() > 1e-6, f"D^({l}) is all ~0: the check would prove nothing"
    return net


# ---- the three networks of the brief, and their variations --------------------------
@pytest.mark.parametrize("lam", [0.0, 0.7])
def test_2_3_1_sigmoid_matches_torch_bce(lam):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid())
    net = check_against_torch(model, "cross_entropy", lam, "sigmoid")
    assert net.sizes == [2, 3, 1]
    assert net.settings() == {"hidden": "sigmoid", "output": "sigmoid",
                              "loss": "cross_entropy", "lam": lam}


@pytest.mark.parametrize("lam", [0.0, 1.5])
@pytest.mark.parametrize("dim", [-1, 1])
def test_4_5_5_3_tanh_softmax_matches_torch_cross_entropy(dim, lam):
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 5), nn.Tanh(),
                          nn.Linear(5, 3), nn.Softmax(dim=dim))
    net = check_against_torch(model, "cross_entropy", lam, "softmax")
    assert net.sizes == [4, 5, 5, 3]
    assert (net.hidden, net.output) == ("tanh", "softmax")


@pytest.mark.parametrize("identity", [True, False], ids=["nn.Identity", "bare Linear"])
@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_relu_identity_squared_error_matches_torch_mse(identity, lam):
    torch.manual_seed(2)
    layers = [nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2)]
    model = nn.Sequential(*layers, *([nn.Identity()] if identity else []))
    net = check_against_torch(model, "squared_error", lam, "raw")
    assert net.sizes == [3, 6, 4, 2]
    assert (net.hidden, net.output) == ("relu", "linear")


def test_squared_error_on_sigmoid_outputs_uses_g_prime_at_the_output():
    """δ^(L) = (a − y) .* g'(z^(L)) when squared error meets a non-linear output."""
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid())
    check_against_torch(model, "squared_error", 0.2, "raw")


def test_identity_hidden_layers_are_linear():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 3),  # no module: linear too
                          nn.Linear(3, 1), nn.Sigmoid())
    net = check_against_torch(model, "cross_entropy", 0.0, "sigmoid")
    assert (net.hidden, net.output) == ("linear", "sigmoid")


def test_single_linear_layer_logistic_regression():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    net = check_against_torch(model, "cross_entropy", 0.5, "sigmoid")
    assert net.sizes == [3, 1]


# ---- output activation: inferred, or named for a model that outputs logits -------------
def test_logits_model_with_output_softmax_matches_torch_cross_entropy_loss():
    torch.manual_seed(6)
    model = nn.Sequential(nn.Linear(4, 6), nn.Sigmoid(), nn.Linear(6, 3))
    net = check_against_torch(model, "cross_entropy", 0.4, "logits_softmax", output="softmax")
    assert net.output == "softmax"


def test_logits_model_with_output_sigmoid_matches_torch_bce_with_logits():
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2), nn.Identity())
    net = check_against_torch(model, "cross_entropy", 0.0, "logits_sigmoid", output="sigmoid")
    assert (net.hidden, net.output) == ("tanh", "sigmoid")


def test_output_that_agrees_with_the_model_is_accepted():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid())
    assert from_torch(model, output="sigmoid").output == "sigmoid"


@pytest.mark.parametrize("last, output", [(nn.Sigmoid(), "softmax"), (nn.Softmax(dim=1), "sigmoid"),
                                          (nn.Tanh(), "linear")])
def test_output_that_contradicts_the_model_is_refused(last, output):
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2), last)
    with pytest.raises(ValueError, match=rf"output='{output}' contradicts the model.*model\[3\]"):
        from_torch(model, loss="squared_error" if output == "linear" else "cross_entropy",
                   output=output)


def test_unknown_output_name_gets_the_engines_message():
    model = nn.Sequential(nn.Linear(2, 1))
    with pytest.raises(ValueError, match="Unknown output activation 'softplus'"):
        from_torch(model, output="softplus")


# ---- weights: layout, bias=False, dtypes, no sharing ---------------------------------
def test_theta_is_bias_column_then_torch_weight():
    lin = nn.Linear(2, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        lin.bias.copy_(torch.tensor([-1.0, -2.0, -3.0]))
    net = from_torch(nn.Sequential(lin, nn.Sigmoid()))
    np.testing.assert_array_equal(
        net.thetas[0], [[-1.0, 1.0, 2.0], [-2.0, 3.0, 4.0], [-3.0, 5.0, 6.0]])
    assert net.thetas[0].dtype == np.float64
    assert net.with_weight(1, 2, 0, 0.0).thetas[0][1, 0] == 0.0  # Θ_20^(1) is unit 2's bias


def test_linear_without_bias_gets_a_zero_bias_column():
    torch.manual_seed(8)
    model = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 2), nn.Sigmoid())
    net = check_against_torch(model, "cross_entropy", 0.1, "sigmoid")  # weight columns only
    np.testing.assert_array_equal(net.thetas[0][:, 0], 0.0)
    assert np.all(net.thetas[1][:, 0] != 0.0)
    # The engine has no bias-free layers: D's column 0 is a real gradient, so training moves it.
    X = np.random.default_rng(0).normal(size=(5, 3))
    assert np.all(net.gradients(X, np.full((5, 2), 0.5))[0][:, 0] != 0.0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16, torch.float64])
def test_weights_of_any_real_dtype_are_copied_exactly_to_float64(dtype):
    torch.manual_seed(9)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid()).to(dtype)
    net = from_torch(model)
    for t, expected in zip(net.thetas, thetas_of(model)):
        assert t.dtype == np.float64
        np.testing.assert_array_equal(t, expected)


def test_conversion_leaves_the_model_alone_and_shares_no_memory():
    torch.manual_seed(10)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid())
    before = [p.detach().clone() for p in model.parameters()]
    net = from_torch(model)
    assert all(p.dtype == torch.float32 and p.requires_grad and p.grad is None
               for p in model.parameters())
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before))
    first = net.thetas
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    for t, f in zip(net.thetas, first):
        np.testing.assert_array_equal(t, f)


def test_nested_sequentials_and_named_modules_are_flattened():
    torch.manual_seed(11)
    model = nn.Sequential(OrderedDict([
        ("hidden", nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 4), nn.ReLU()))),
        ("out", nn.Linear(4, 2)),
    ]))
    net = check_against_torch(model, "squared_error", 0.0, "raw")
    assert net.sizes == [3, 4, 4, 2]


def test_a_module_used_twice_becomes_two_layers():
    """named_children() would list the shared Linear once; forward runs it twice."""
    torch.manual_seed(14)
    shared, act = nn.Linear(3, 3), nn.Tanh()
    model = nn.Sequential(shared, act, shared, act, nn.Linear(3, 1), nn.Sigmoid())
    net = from_torch(model)
    assert net.sizes == [3, 3, 3, 1]
    np.testing.assert_array_equal(net.thetas[0], net.thetas[1])
    model = model.double()
    rng = np.random.default_rng(0)
    X, Y = data(rng, 6, 3, 1, "sigmoid")
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    np.testing.assert_allclose(net.predict(X), model(Xt).detach().numpy(),
                               rtol=PREDICT_TOL, atol=PREDICT_TOL)
    # The engine's copies are independent; torch's tied weight gets the sum of their gradients.
    F.binary_cross_entropy(model(Xt), Yt, reduction="sum").div(6).backward()
    D = net.gradients(X, Y)
    tied = np.hstack([shared.bias.grad.numpy()[:, None], shared.weight.grad.numpy()])
    np.testing.assert_allclose(D[0] + D[1], tied, rtol=GRAD_TOL, atol=GRAD_TOL)


def test_inplace_relu_is_fine():
    torch.manual_seed(12)
    model = nn.Sequential(nn.Linear(2, 5), nn.ReLU(inplace=True), nn.Linear(5, 1))
    check_against_torch(model, "squared_error", 0.0, "raw")


@pytest.mark.parametrize("seed", range(12))
def test_random_architectures_match_torch(seed):
    rng = np.random.default_rng(100 + seed)
    torch.manual_seed(100 + seed)
    sizes = [int(s) for s in rng.integers(1, 7, size=rng.integers(2, 6))]
    hidden = rng.choice(["sigmoid", "tanh", "relu", "linear"])
    out = rng.choice(["sigmoid", "softmax", "linear", "tanh"])
    if out == "softmax" and sizes[-1] == 1:
        sizes[-1] = 3
    modules = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "linear": nn.Identity}
    layers = []
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        last = l == len(sizes) - 2
        if last:
            layers.append(nn.Softmax(dim=1) if out == "softmax" else modules[out]())
        else:
            layers.append(modules[hidden]())
    loss = "cross_entropy" if out in ("sigmoid", "softmax") else "squared_error"
    kind = out if loss == "cross_entropy" else "raw"
    net = check_against_torch(nn.Sequential(*layers), loss, float(rng.uniform(0, 2)), kind,
                              m=int(rng.integers(1, 12)), seed=seed)
    assert net.sizes == sizes


def test_engine_training_from_a_converted_model_follows_torch_sgd():
    """Three full-batch gradient-descent steps, in the engine and with torch.optim.SGD."""
    torch.manual_seed(13)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid()).double()
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    lam, alpha, steps = 0.1, 0.5, 3
    trained, _ = train(from_torch(model, lam=lam), X, Y, method="gd", learning_rate=alpha,
                       iterations=steps)
    opt = torch.optim.SGD(model.parameters(), lr=alpha)
    for _ in range(steps):
        opt.zero_grad()
        torch_cost(model, torch.from_numpy(X), torch.from_numpy(Y), "cross_entropy", lam,
                   "sigmoid").backward()
        opt.step()
    for t, expected in zip(trained.thetas, from_torch(model).thetas):
        np.testing.assert_allclose(t, expected, rtol=1e-12, atol=1e-12)


# ---- refused models ---------------------------------------------------------------------
class Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, x):
        return torch.sigmoid(self.lin(x))


class MySequential(nn.Sequential):
    def forward(self, x):
        return super().forward(x) * 2


class MyReLU(nn.ReLU):
    def forward(self, x):
        return super().forward(x) + 1


@pytest.mark.parametrize("model, match", [
    (nn.Linear(2, 1), r"needs a torch\.nn\.Sequential.*got a torch\.nn\.modules\.linear\.Linear"),
    (Custom(), r"needs a torch\.nn\.Sequential.*got a .*Custom"),
    ([nn.Linear(2, 1), nn.Sigmoid()], r"needs a torch\.nn\.Sequential.*got a builtins\.list"),
    (nn.ModuleList([nn.Linear(2, 1)]), r"needs a torch\.nn\.Sequential.*ModuleList"),
    ("model.pt", r"needs a torch\.nn\.Sequential.*got a builtins\.str"),
    (MySequential(nn.Linear(2, 1)), r"nn\.Sequential itself.*MySequential, a subclass"),
], ids=["Linear", "custom Module", "list", "ModuleList", "file name", "Sequential subclass"])
def test_non_sequential_models_are_refused(model, match):
    with pytest.raises(ValueError, match=match):
        from_torch(model)


@pytest.mark.parametrize("module, name", [
    (nn.Dropout(0.5), "Dropout"),
    (nn.BatchNorm1d(3), "BatchNorm1d"),
    (nn.Conv1d(3, 3, 1), "Conv1d"),
    (nn.LeakyReLU(), "LeakyReLU"),
    (nn.GELU(), "GELU"),
    (nn.LogSoftmax(dim=1), "LogSoftmax"),
    (nn.Flatten(), "Flatten"),
    (nn.Bilinear(3, 3, 3), "Bilinear"),
    (MyReLU(), "MyReLU"),
])
def test_unsupported_modules_are_refused_by_name_and_position(module, name):
    model = nn.Sequential(nn.Linear(2, 3), module, nn.Linear(3, 1), nn.Sigmoid())
    with pytest.raises(ValueError, match=rf"^model\[1\] \({name}\(.*is not supported.*nn\.Linear"):
        from_torch(model)


def test_unsupported_module_inside_a_nested_sequential_gives_its_path():
    model = nn.Sequential(OrderedDict([
        ("features", nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Dropout())),
        ("head", nn.Linear(3, 1)),
    ]))
    with pytest.raises(ValueError, match=r"^model\.features\[2\] \(Dropout"):
        from_torch(model, loss="squared_error")


@pytest.mark.parametrize("model, match", [
    (nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid()),
     r"same activation.*model\[0\] is followed by tanh at model\[1\].*model\[2\] by relu at model\[3\]"),
    (nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 3), nn.Linear(3, 1), nn.Sigmoid()),
     r"same activation.*followed by sigmoid.*model\[2\] by linear \(no activation module\)"),
    (nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1), nn.Linear(3, 2), nn.Softmax(dim=1)),
     r"model\[1\] \(Softmax\(dim=1\)\) is not the last module"),
    (nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=0)), r"model\[1\] \(Softmax\(dim=0\)\) has dim=0"),
    (nn.Sequential(nn.Linear(2, 3), nn.Softmax()), r"model\[1\] \(Softmax\(dim=None\)\) has dim=None"),
    (nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Sigmoid()),
     r"model\[2\] \(Sigmoid\(\)\) follows another activation \(sigmoid at model\[1\]\)"),
    (nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Identity(), nn.Linear(3, 1)),
     r"model\[2\] \(Identity\(\)\) follows another activation \(relu at model\[1\]\)"),
    (nn.Sequential(nn.Sigmoid(), nn.Linear(2, 1)), r"model\[0\] \(Sigmoid\(\)\) comes before any nn\.Linear"),
    (nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid()),
     r"model\[2\] \(Linear\(in_features=4.*in_features=4, but the Linear before it, at model\[0\], "
     r"gives out_features=3: the layer sizes must chain"),
    (nn.Sequential(), r"empty"),
], ids=["tanh then relu", "sigmoid then none", "softmax hidden", "softmax dim 0",
        "softmax dim None", "two activations", "identity after relu", "activation first",
        "sizes do not chain", "empty"])
def test_structures_the_engine_cannot_represent_are_refused(model, match):
    with pytest.raises(ValueError, match=match):
        from_torch(model)


def engine_message(sizes):
    with pytest.raises(ValueError) as info:
        Network(sizes)
    return str(info.value)


@pytest.mark.parametrize("sizes", [[MAX_UNITS + 1, 1], [2, MAX_UNITS + 1, 1],
                                   [2] * (MAX_LAYERS + 1)],
                         ids=["too many inputs", "too many hidden units", "too many layers"])
def test_networks_over_the_engine_limits_get_the_engines_message(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.Sigmoid()]
    with pytest.raises(ValueError) as info:
        from_torch(nn.Sequential(*layers))
    assert str(info.value) == engine_message(sizes)


def test_a_network_at_the_engine_limits_converts():
    layers = [nn.Linear(MAX_UNITS, 2), nn.Sigmoid()]
    for _ in range(MAX_LAYERS - 2):
        layers += [nn.Linear(2, 2), nn.Sigmoid()]
    assert from_torch(nn.Sequential(*layers)).sizes == [MAX_UNITS] + [2] * (MAX_LAYERS - 1)


def test_loss_that_does_not_fit_the_output_gets_the_engines_message():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.ReLU())
    with pytest.raises(ValueError, match="cross_entropy loss does not work with relu outputs"):
        from_torch(model)
    with pytest.raises(ValueError, match="λ"):
        from_torch(model, loss="squared_error", lam=-1.0)
    with pytest.raises(ValueError, match="Unknown loss"):
        from_torch(model, loss="hinge")


def test_non_finite_weights_are_refused():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid())
    with torch.no_grad():
        model[2].weight[0, 1] = float("nan")
    with pytest.raises(ValueError, match=r"Θ\^\(2\) contains NaN"):
        from_torch(model)


def test_complex_and_meta_weights_are_refused():
    with pytest.raises(ValueError, match=r"weight of model\[0\].*complex"):
        from_torch(nn.Sequential(nn.Linear(2, 1, dtype=torch.complex64)), loss="squared_error")
    with pytest.raises(ValueError, match=r"weight of model\[0\].*'meta' device"):
        from_torch(nn.Sequential(nn.Linear(2, 1, device="meta")), loss="squared_error")


def test_modules_with_forward_hooks_are_refused():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid())
    handle = model[1].register_forward_hook(lambda mod, inp, out: out * 2)
    with pytest.raises(ValueError, match=r"model\[1\] \(Sigmoid\(\)\) has forward hooks"):
        from_torch(model)
    handle.remove()
    from_torch(model)
    model.register_forward_pre_hook(lambda mod, inp: inp)
    with pytest.raises(ValueError, match=r"model \(Sequential\(.*has forward hooks"):
        from_torch(model)


# ---- torch stays optional -------------------------------------------------------------------
def test_missing_torch_raises_import_error_with_the_install_command(monkeypatch):
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "backprop-explorer\[torch\]"'):
        from_torch(model)
    assert INSTALL_HINT == 'pip install "backprop-explorer[torch]"'


def test_engine_imports_without_torch():
    code = (
        "import sys\n"
        "import engine, engine.torch_interop\n"
        "assert 'torch' not in sys.modules, 'importing the engine imported torch'\n"
        "sys.modules['torch'] = None\n"  # as if torch were not installed
        "from engine.torch_interop import from_torch\n"
        "try:\n"
        "    from_torch(None)\n"
        "except ImportError as e:\n"
        "    assert 'backprop-explorer[torch]' in str(e), e\n"
        "else:\n"
        "    raise SystemExit('no ImportError')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    assert result.returncode == 0, result.stderr
