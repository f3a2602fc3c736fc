"""Handwritten digits: the shipped asset, its loader, the train/test split, the two
digits presets and the training figures documented in engine/presets.py."""
import hashlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import Stepper, presets, train

ROOT = Path(__file__).resolve().parent.parent
ASSET = ROOT / "assets" / "digits.npz"
SCRIPT = ROOT / "scripts" / "make_digits.py"
M, M_TEST = 1797, 359  # 359 = Σ_k round(0.2 · n_k) over the ten digits
DIGITS_PRESETS = ["digits", "digits_softmax"]


def accuracy(net, X, labels):
    """Fraction of examples whose largest output is the one for their label."""
    return float(np.mean(np.argmax(net.predict(X), axis=1) == labels))


def make_digits_module():
    spec = importlib.util.spec_from_file_location("make_digits", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- the asset ---------------------------------------------------------------------

def test_asset_loads_without_pickle_as_uint8_images_and_labels():
    with np.load(ASSET, allow_pickle=False) as data:
        assert sorted(data.files) == ["images", "labels"]
        images, labels = data["images"], data["labels"]
    assert images.dtype == np.uint8 and images.shape == (M, 64)
    assert labels.dtype == np.uint8 and labels.shape == (M,)
    assert images.min() == 0 and images.max() == 16
    assert set(np.unique(labels)) == set(range(10))
    assert np.bincount(labels, minlength=10).min() >= 150


def test_asset_is_under_100_kb():
    assert ASSET.stat().st_size < 100_000


def test_asset_matches_the_sha256_recorded_in_digits_md():
    recorded = re.search(r"sha256 `([0-9a-f]{64})`", (ROOT / "assets" / "DIGITS.md").read_text())
    assert recorded, "assets/DIGITS.md must record the asset's sha256"
    assert hashlib.sha256(ASSET.read_bytes()).hexdigest() == recorded.group(1)


def test_the_scripts_zip_writer_is_deterministic_and_gives_the_asset_byte_for_byte():
    """No scikit-learn needed: the arrays read back from the asset, written again by
    scripts/make_digits.py's writer, give the very same bytes, every time."""
    writer = make_digits_module()
    with np.load(ASSET, allow_pickle=False) as data:
        arrays = {"images": data["images"], "labels": data["labels"]}
    first, second = writer.npz_bytes(arrays), writer.npz_bytes(arrays)
    assert first == second == ASSET.read_bytes()


def test_make_digits_regenerates_the_asset_byte_for_byte(tmp_path):
    """Runs scripts/make_digits.py against scikit-learn's load_digits.  Skipped when
    scikit-learn is not installed (it is not a dependency, and CI does not have it);
    the other tests here check the asset itself without it."""
    pytest.importorskip("sklearn")
    out = tmp_path / "digits.npz"
    subprocess.run([sys.executable, str(SCRIPT), "--output", str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == ASSET.read_bytes()


def test_the_engine_does_not_import_scikit_learn():
    code = ("import sys, engine; engine.presets.load('digits'); "
            "assert 'sklearn' not in sys.modules, 'engine imported sklearn'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ---- load_digits -------------------------------------------------------------------

def test_load_digits_scales_the_pixels_to_the_unit_interval():
    X, labels = presets.load_digits()
    with np.load(ASSET, allow_pickle=False) as data:
        images, raw_labels = data["images"], data["labels"]
    assert X.shape == (M, 64) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, images)
    assert labels.shape == (M,) and np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_array_equal(labels, raw_labels)


def test_load_digits_returns_fresh_arrays_each_call():
    X, labels = presets.load_digits()
    X[:] = -1.0
    labels[:] = 99
    X2, labels2 = presets.load_digits()
    assert X2.min() == 0.0 and labels2.max() == 9


def test_missing_asset_is_a_clear_error(monkeypatch, tmp_path):
    presets._digits_asset.cache_clear()
    monkeypatch.setattr(presets, "DIGITS_PATH", tmp_path / "nowhere.npz")
    try:
        with pytest.raises(FileNotFoundError, match=r"nowhere\.npz.*make_digits\.py"):
            presets.load_digits()
    finally:
        presets._digits_asset.cache_clear()


def test_the_asset_is_found_from_the_engine_package():
    assert presets.DIGITS_PATH == ASSET.resolve()


# ---- split -------------------------------------------------------------------------

def split_indices(labels, **options):
    """The split applied to the row numbers, so which rows went where can be seen."""
    index = np.arange(len(labels))[:, None]
    train_rows, train_y, test_rows, test_y = presets.split(index, labels, **options)
    return train_rows[:, 0], train_y, test_rows[:, 0], test_y


def test_split_sizes_disjoint_and_covering():
    _, labels = presets.load_digits()
    train_i, train_y, test_i, test_y = split_indices(labels)
    assert len(test_i) == M_TEST and len(train_i) == M - M_TEST
    assert not set(train_i) & set(test_i)
    np.testing.assert_array_equal(np.sort(np.concatenate([train_i, test_i])), np.arange(M))
    np.testing.assert_array_equal(train_y, labels[train_i])
    np.testing.assert_array_equal(test_y, labels[test_i])
    assert np.all(np.diff(train_i) > 0) and np.all(np.diff(test_i) > 0)  # original order kept


def test_split_is_stratified_by_class():
    _, labels = presets.load_digits()
    _, _, test_i, _ = split_indices(labels)
    n = np.bincount(labels, minlength=10)
    n_test = np.bincount(labels[test_i], minlength=10)
    np.testing.assert_array_equal(n_test, np.floor(0.2 * n + 0.5))


def test_split_is_reproducible_and_depends_on_the_seed():
    _, labels = presets.load_digits()
    a, b, c = (split_indices(labels, seed=s)[2] for s in (0, 0, 1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_split_without_stratification_and_with_one_hot_targets():
    _, labels = presets.load_digits()
    _, _, test_i, _ = split_indices(labels, stratify=False, test_fraction=0.25)
    assert len(test_i) == round(0.25 * M)
    one_hot = np.eye(10)[labels]
    _, _, test_j, test_y = split_indices(one_hot)
    np.testing.assert_array_equal(test_j, split_indices(labels)[2])
    np.testing.assert_array_equal(test_y, one_hot[test_j])


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, float("nan")])
def test_split_refuses_a_fraction_outside_zero_to_one(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        presets.split(np.zeros((10, 2)), np.arange(10) % 2, test_fraction=fraction)


def test_split_refuses_mismatched_rows_and_empty_parts():
    with pytest.raises(ValueError, match="one row per example"):
        presets.split(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="no test"):
        presets.split(np.zeros((4, 2)), np.arange(4), test_fraction=0.2)  # one per class


# ---- the presets -------------------------------------------------------------------

def test_digits_presets_are_listed_after_the_existing_ones():
    names = list(presets.names())
    assert names[-2:] == DIGITS_PRESETS
    assert names.index("blobs") < names.index("digits")


@pytest.mark.parametrize("name, output", [("digits", "sigmoid"), ("digits_softmax", "softmax")])
def test_digits_preset_network_and_data(name, output):
    p = presets.load(name)
    net = p.network
    assert net.sizes == [64, 25, 10]
    assert (net.hidden, net.output, net.loss) == ("sigmoid", output, "cross_entropy")
    assert net.lam == presets.DIGITS_LAMBDA == 1.0
    assert p.learning_rate == presets.DIGITS_LEARNING_RATE
    assert p.X.shape == (M - M_TEST, 64) and p.Y.shape == (M - M_TEST,)
    assert p.X_test.shape == (M_TEST, 64) and p.Y_test.shape == (M_TEST,)
    X, labels = presets.load_digits()
    train_i, _, test_i, _ = split_indices(labels)
    np.testing.assert_array_equal(p.X, X[train_i])
    np.testing.assert_array_equal(p.Y, labels[train_i])
    np.testing.assert_array_equal(p.X_test, X[test_i])
    np.testing.assert_array_equal(p.Y_test, labels[test_i])
    net.cost(p.X_test, p.Y_test)  # the held-out set fits the network too


@pytest.mark.parametrize("name", DIGITS_PRESETS)
def test_digits_preset_is_reproducible(name):
    a, b = presets.load(name), presets.load(name)
    for x, y in [(a.X, b.X), (a.Y, b.Y), (a.X_test, b.X_test), (a.Y_test, b.Y_test)]:
        np.testing.assert_array_equal(x, y)
    for ta, tb in zip(a.network.thetas, b.network.thetas):
        np.testing.assert_array_equal(ta, tb)
    c = presets.load(name, seed=1)
    np.testing.assert_array_equal(a.X, c.X)  # the seed sets the weights, not the split
    assert not np.array_equal(a.network.thetas[0], c.network.thetas[0])


def test_other_presets_have_no_test_set():
    p = presets.load("blobs")
    assert p.X_test is None and p.Y_test is None


def test_one_stepper_iteration_on_digits_is_a_gradient_step():
    p = presets.load("digits")
    s = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate)
    s.run_iteration()
    D = p.network.gradients(p.X, p.Y)
    for got, theta, d in zip(s.network.thetas, p.network.thetas, D):
        np.testing.assert_allclose(got, theta - p.learning_rate * d, rtol=0, atol=1e-12)


# ---- the documented training figures ------------------------------------------------

@pytest.mark.parametrize("name", DIGITS_PRESETS)
def test_gradient_descent_reaches_95_percent_within_the_documented_iterations(name,
                                                                              record_property):
    """Full-batch gradient descent at the preset's α for DIGITS_ITERATIONS iterations,
    the method and count documented in engine/presets.py (about 0.2 s)."""
    p = presets.load(name)
    assert presets.DIGITS_ITERATIONS <= 1000
    net, history = train(p.network, p.X, p.Y, method="gd", learning_rate=p.learning_rate,
                         iterations=presets.DIGITS_ITERATIONS)
    assert not history.stopped
    assert len(history) == presets.DIGITS_ITERATIONS + 1
    train_acc, test_acc = accuracy(net, p.X, p.Y), accuracy(net, p.X_test, p.Y_test)
    record_property("train_accuracy", train_acc)
    record_property("test_accuracy", test_acc)
    print(f"{name} gd x{presets.DIGITS_ITERATIONS}: train {train_acc:.3f}, test {test_acc:.3f}")
    assert accuracy(p.network, p.X, p.Y) < 0.2  # it starts near chance
    assert train_acc >= 0.95, f"training accuracy {train_acc:.3f}"
    assert test_acc >= 0.85, f"test accuracy {test_acc:.3f}"


@pytest.mark.parametrize("name", DIGITS_PRESETS)
def test_lbfgs_reaches_95_percent_within_the_documented_iterations(name, record_property):
    p = presets.load(name)
    net, history = train(p.network, p.X, p.Y, method="lbfgs",
                         iterations=presets.DIGITS_LBFGS_ITERATIONS)
    assert not history.stopped
    train_acc, test_acc = accuracy(net, p.X, p.Y), accuracy(net, p.X_test, p.Y_test)
    record_property("train_accuracy", train_acc)
    record_property("test_accuracy", test_acc)
    print(f"{name} lbfgs x{presets.DIGITS_LBFGS_ITERATIONS}: train {train_acc:.3f}, "
          f"test {test_acc:.3f}")
    assert train_acc >= 0.95, f"training accuracy {train_acc:.3f}"
    assert test_acc >= 0.85, f"test accuracy {test_acc:.3f}"
