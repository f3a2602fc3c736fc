"""PlaneView and MatrixView without a browser: their Bokeh sources hold the engine's numbers."""
import numpy as np
import pytest

from engine import Network, train
from explorer import plane
from explorer.matrix_view import MATRICES, MatrixView, accumulated_examples, cell_text, follow_layer
from explorer.graph import identical_units
from explorer.plane import boundary_rgba
from explorer.plane_view import PlaneView
from explorer.state import ExplorerState


def image(view):
    return view.boundary.data["image"][0]


# ---- PlaneView: decision boundary -----------------------------------------------------

@pytest.mark.parametrize("preset", ["xor", "circle"])
def test_one_output_image_is_h_on_the_grid(preset):
    s = ExplorerState(preset=preset)
    view = PlaneView(state=s)
    n = plane.GRID
    assert view.available
    assert image(view).shape == (n, n) and image(view).dtype == np.float32
    # Row r is x2 = ys[r] (bottom up), column c is x1 = xs[c].
    xs, ys = view.xs, view.ys
    X1, X2 = np.meshgrid(xs, ys)
    h = s.network.predict(np.column_stack([X1.ravel(), X2.ravel()]))[:, 0].reshape(n, n)
    np.testing.assert_allclose(image(view), h, rtol=1e-6, atol=1e-7)
    # The grid covers the data with a margin.
    X = s.stepper.X
    assert xs[0] < X[:, 0].min() and xs[-1] > X[:, 0].max()
    assert ys[0] < X[:, 1].min() and ys[-1] > X[:, 1].max()


def test_blobs_image_is_the_predicted_class_tinted_by_confidence():
    s = ExplorerState(preset="blobs")
    s.finish_iteration()
    view = PlaneView(state=s)
    n = plane.GRID
    img = image(view)
    assert img.shape == (n, n) and img.dtype == np.uint32
    h = s.network.predict(view.points)
    np.testing.assert_array_equal(img, boundary_rgba(h, n))
    # Decode: each pixel's colour lies between white and its predicted class's colour.
    rgb = img.reshape(-1).view(np.uint8).reshape(-1, 4)[:, :3].astype(float)
    predicted = np.argmax(h, axis=1)
    for k in np.unique(predicted):
        c = plane.rgb(plane.class_colour(k))
        share = (255 - rgb[predicted == k]) / np.maximum(255 - c, 1)
        moving = 255 - c > 30   # channels where the class colour differs enough from white
        spread = share[:, moving].max(axis=1) - share[:, moving].min(axis=1)
        assert spread.max() < 0.05


def test_confidence_sets_the_tint():
    sure = np.array([[0.98, 0.01, 0.01]])
    unsure = np.array([[0.34, 0.33, 0.33]])
    white = np.array([255, 255, 255])
    rgb = lambda h: boundary_rgba(h, 1).reshape(-1).view(np.uint8)[:3].astype(float)
    blue = plane.rgb(plane.class_colour(0))
    assert np.abs(rgb(unsure) - white).max() < 35
    assert np.abs(rgb(sure) - white).max() > 100
    assert np.linalg.norm(rgb(sure) - blue) < np.linalg.norm(rgb(unsure) - blue)


def test_training_and_test_points_are_drawn_by_class():
    s = ExplorerState(preset="circle")
    view = PlaneView(state=s)
    train_pts, test_pts = view.train_points.data, view.test_points.data
    assert len(train_pts["x1"]) == s.m and len(test_pts["x1"]) == len(s.X_test) > 0
    assert sorted(set(train_pts["label"])) == ["y = 0", "y = 1"]
    # Every point is drawn where its example is, with its class.
    X = s.stepper.X[np.asarray(train_pts["which"]) - 1]
    np.testing.assert_array_equal(np.column_stack([train_pts["x1"], train_pts["x2"]]), X)
    y = s.stepper.Y[np.asarray(train_pts["which"]) - 1, 0]
    assert [f"y = {int(v)}" for v in y] == list(train_pts["label"])


def test_the_black_line_is_where_h_is_one_half():
    s = ExplorerState(preset="circle")
    net, _ = train(s.network, s.stepper.X, s.stepper.Y, learning_rate=1.0, iterations=300)
    s.jump(net, 300)
    view = PlaneView(state=s)
    xs, ys = view.contour.data["xs"], view.contour.data["ys"]
    assert xs, "a trained circle net has a boundary inside the plane"
    points = np.column_stack([np.concatenate(xs), np.concatenate(ys)])
    h = s.network.predict(points)[:, 0]
    assert np.abs(h - 0.5).max() < 0.05


def test_the_image_follows_training():
    s = ExplorerState(preset="xor")
    view = PlaneView(state=s)
    before = image(view).copy()
    tiles_before = [im.copy() for im in view.units.data["image"]]
    s.finish_iteration()
    after = image(view)
    assert not np.array_equal(before, after)
    np.testing.assert_allclose(after, s.network.predict(view.points)[:, 0].reshape(after.shape),
                               rtol=1e-6, atol=1e-7)
    assert any(not np.array_equal(a, b) for a, b in zip(tiles_before, view.units.data["image"]))


def test_a_new_preset_rebuilds_the_plane():
    s = ExplorerState(preset="circle")
    view = PlaneView(state=s)
    s.preset = "blobs"
    assert view.K == 3 and image(view).dtype == np.uint32
    np.testing.assert_array_equal(image(view), boundary_rgba(s.network.predict(view.points), 90))
    assert len(view.train_points.data["x1"]) == s.m


# ---- PlaneView: per-unit heatmaps -------------------------------------------------------

@pytest.mark.parametrize("preset", ["xor", "circle", "blobs", "spiral"])
def test_unit_images_are_the_hidden_activations(preset):
    s = ExplorerState(preset=preset)
    s.finish_iteration()
    view = PlaneView(state=s)
    n = plane.GRID
    a = s.network.forward(view.points)[1]
    tiles = view.units.data
    hidden = [(l, j) for l in range(2, s.network.L) for j in range(1, s.network.sizes[l - 1] + 1)]
    assert list(zip(tiles["layer"], tiles["unit"])) == hidden
    stride = 1 if len(hidden) <= plane.FINE_TILES else 2
    assert view.stride == stride
    for im, l, j in zip(tiles["image"], tiles["layer"], tiles["unit"]):
        expected = a[l][:, j - 1].reshape(n, n)[::stride, ::stride]
        np.testing.assert_allclose(im, expected, rtol=1e-6, atol=1e-7)
    assert view.tile_titles.data["text"][0] == "a₁⁽²⁾"


def test_at_most_32_unit_heatmaps_and_the_caption_says_so():
    s = ExplorerState(preset="circle")
    s.hidden_layers = "40"
    view = PlaneView(state=s)
    assert len(view.units.data["image"]) == plane.MAX_TILES
    assert "first 32 of 40 hidden units" in view.tiles_caption.object


def test_a_net_without_hidden_layer_has_no_unit_heatmaps():
    view = PlaneView(state=ExplorerState(preset="and"))
    assert view.available and view.units is None
    assert "no hidden layer" in view.tiles_caption.object


def test_other_input_sizes_show_a_message():
    s = ExplorerState(preset="debug")
    view = PlaneView(state=s)
    assert not view.available
    assert "The input plane is shown for 2-input networks" in view.message.object
    assert list(view.__panel__().objects) == [view.message]
    s.preset = "xor"
    assert view.available and view.message not in view.__panel__().objects
    s.preset = "debug"
    assert not view.available


# ---- symmetry -------------------------------------------------------------------------

def test_identical_units_with_zero_weights():
    assert identical_units(Network([2, 3, 1], init="zeros")) == {2: [[1, 2, 3]]}
    assert identical_units(Network([2, 3, 4, 1], init="zeros")) == {2: [[1, 2, 3]], 3: [[1, 2, 3, 4]]}


def test_no_identical_units_with_random_weights():
    assert identical_units(Network([2, 3, 1], init="random", seed=0)) == {}
    assert identical_units(Network([2, 8, 8, 1], init="random", seed=3)) == {}


def test_identical_units_finds_equal_rows_only():
    theta1 = np.array([[1.0, 2.0, 3.0], [0.5, 2.0, 3.0], [1.0, 2.0, 3.0], [0.5, 2.0, 3.0],
                       [-1.0, 0.0, 0.0]])
    net = Network.from_thetas([theta1, np.ones((1, 6))])
    assert identical_units(net) == {2: [[1, 3], [2, 4]]}
    # The output layer is never flagged, and neither are rows equal but for the bias.
    net = Network.from_thetas([np.array([[0.0, 1.0, 1.0], [1.0, 1.0, 1.0]]), np.zeros((2, 3))])
    assert identical_units(net) == {}


def test_symmetry_survives_training():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    net, _ = train(Network([2, 3, 1], init="zeros"), X, [0, 0, 0, 1], iterations=50)
    assert np.abs(net.theta(1)).max() > 0       # the weights did move ...
    assert identical_units(net) == {2: [[1, 2, 3]]}   # ... but the units stayed identical


def test_the_view_flags_identical_units():
    s = ExplorerState(preset="xor")
    view = PlaneView(state=s)
    assert view.identical == {} and not view.marks.data["x"]
    assert "identical" not in view.tiles_caption.object
    s.init = "zeros"
    s.finish_iteration()
    assert view.identical == {2: [[1, 2]]}
    caption = view.tiles_caption.object
    assert "Units 1, 2 of layer 2 are identical" in caption and "symmetry problem" in caption
    assert "zero initial weights" in caption
    assert list(view.tile_titles.data["text"]) == ["a₁⁽²⁾ ≡", "a₂⁽²⁾ ≡"]
    assert len(view.marks.data["x"]) == 2
    a, b = view.units.data["image"]
    np.testing.assert_array_equal(a, b)
    s.init = "random"
    assert view.identical == {} and not view.marks.data["x"]
    assert list(view.tile_titles.data["text"]) == ["a₁⁽²⁾", "a₂⁽²⁾"]


# ---- MatrixView ---------------------------------------------------------------------------

def values(view, name):
    data = view.sources[name].data
    rows, cols = max(data["j"]), max(data["i"]) + 1
    return np.asarray(data["value"], dtype=float).reshape(rows, cols)


def step_until(s, kind, layer=None, example=None):
    for _ in range(10_000):
        s.step()
        step = s.stepper.last_step
        if step.kind == kind and (layer is None or step.layer == layer) and \
                (example is None or step.example == example):
            return step
    raise AssertionError(f"no {kind} step for layer {layer}")


def test_follow_layer_maps_each_step_to_its_matrix():
    from engine import Step
    L = 4
    assert follow_layer(Step("forward", 2), L, 3) == 1
    assert follow_layer(Step("forward", 4), L, 1) == 3
    assert follow_layer(Step("output_delta", 4), L, 1) == 3
    assert follow_layer(Step("hidden_delta", 2), L, 3) == 2
    assert follow_layer(Step("accumulate", 1), L, 3) == 1
    for kind in ("cost", "gradient", "update"):
        assert follow_layer(Step(kind), L, 2) == 2
    assert follow_layer(None, L, 2) == 2


def test_matrices_start_as_theta_and_nan():
    s = ExplorerState(preset="debug")
    view = MatrixView(state=s)
    assert view.layer == 1
    np.testing.assert_array_equal(values(view, "Theta"), s.network.theta(1))
    data = view.sources["Theta"].data
    assert list(data["j"][:5]) == [1, 1, 1, 1, 2] and list(data["i"][:5]) == [0, 1, 2, 3, 0]
    for name in ("Delta", "D"):
        assert np.isnan(values(view, name)).all()
        assert set(view.labels[name].data["text"]) == {"·"}
    assert view.labels["Theta"].data["text"][0] == f"{s.network.theta(1)[0, 0]:.3g}"
    assert view._figures["Theta"].xaxis.major_label_overrides == {0: "bias"}


def test_delta_appears_at_its_accumulate_step():
    s = ExplorerState(preset="debug")
    view = MatrixView(state=s)
    step_until(s, "hidden_delta", 2)
    assert view.layer == 2
    assert np.isnan(values(view, "Delta")).all()      # not accumulated yet
    s.step()
    assert (s.stepper.kind, s.stepper.layer) == ("accumulate", 2)
    assert view.layer == 2 and view._figures["Delta"].title.text == "Δ⁽²⁾"
    np.testing.assert_array_equal(values(view, "Delta"), s.stepper.Delta[2])
    np.testing.assert_array_equal(values(view, "Theta"), s.network.theta(2))
    assert np.isnan(values(view, "D")).all()
    texts = view.labels["Delta"].data["text"]
    assert texts == [cell_text(v) for v in s.stepper.Delta[2].ravel()] and "·" not in texts
    assert "over all 5 examples" in view.captions["Delta"].object
    # The colour scale is symmetric around 0 and fits this matrix.
    mapper = view._mappers["Delta"]
    assert mapper.high == -mapper.low == pytest.approx(np.abs(s.stepper.Delta[2]).max())
    s.step()
    assert view.layer == 1
    np.testing.assert_array_equal(values(view, "Delta"), s.stepper.Delta[1])


def test_per_example_caption_counts_the_examples():
    s = ExplorerState(preset="debug")
    s.mode = "per_example"
    view = MatrixView(state=s)
    step_until(s, "hidden_delta", 2, example=1)
    assert "Δ<sup>(2)</sup> after 1 of 5 examples" in view.captions["Delta"].object
    s.step()
    assert (s.stepper.kind, s.stepper.layer, s.stepper.example) == ("accumulate", 2, 1)
    assert "Δ<sup>(2)</sup> after 2 of 5 examples" in view.captions["Delta"].object
    assert accumulated_examples(s.stepper, 2) == 2 and accumulated_examples(s.stepper, 1) == 1
    np.testing.assert_array_equal(values(view, "Delta"), s.stepper.Delta[2])
    s.back()
    assert "after 1 of 5 examples" in view.captions["Delta"].object


def test_gradient_caption_gives_m_and_lambda():
    s = ExplorerState(preset="debug")
    s.lam = 3.0
    view = MatrixView(state=s)
    step_until(s, "gradient")
    l = view.layer
    np.testing.assert_allclose(values(view, "D"), s.stepper.D[l])
    caption = view.captions["D"].object
    assert "m = 5" in caption and "λ = 3" in caption and "/m + (λ/m)Θ" in caption
    s.step()   # update
    assert "after the update" in view.captions["Theta"].object
    np.testing.assert_array_equal(values(view, "Theta"), s.network.theta(l))


def test_pinning_a_layer():
    s = ExplorerState(preset="debug")
    view = MatrixView(state=s)
    assert list(view.select.options) == ["Follow the step", "Θ^(1)", "Θ^(2)"]
    view.select.value = 2
    assert view.layer == 2 and view._figures["Theta"].title.text == "Θ⁽²⁾"
    step_until(s, "forward", 2)          # would follow to Θ^(1)
    assert view.layer == 2
    np.testing.assert_array_equal(values(view, "Theta"), s.network.theta(2))
    assert "pinned" in view.caption.object
    view.select.value = 0
    assert view.layer == 1
    np.testing.assert_array_equal(values(view, "Theta"), s.network.theta(1))


def test_big_matrices_have_no_numbers_but_tooltips():
    s = ExplorerState(preset="digits")
    view = MatrixView(state=s)
    assert values(view, "Theta").shape == (25, 65)
    np.testing.assert_array_equal(values(view, "Theta"), s.network.theta(1))
    for name in MATRICES:
        assert view.labels[name].data["text"] == []
    assert "Θ<sub>@j,@i</sub><sup>(1)</sup>" in view._hovers["Theta"].tooltips
    assert "hover" in view.caption.object


def test_a_new_shape_resets_the_layers():
    s = ExplorerState(preset="debug")
    view = MatrixView(state=s)
    view.select.value = 2
    s.preset = "xnor"
    assert list(view.select.options) == ["Follow the step", "Θ^(1)", "Θ^(2)"]
    s.hidden_layers = "3, 2"
    assert list(view.select.options) == ["Follow the step", "Θ^(1)", "Θ^(2)", "Θ^(3)"]
    assert view.select.value == 0
    np.testing.assert_array_equal(values(view, "Theta"), s.network.theta(view.layer))
