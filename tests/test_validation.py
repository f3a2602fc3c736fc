"""Every bad input to the public API is a ValueError that tells the student what to do,
and a failed call leaves the network or stepper exactly as it was."""
import math

import numpy as np
import pytest

from engine import MAX_LAYERS, MAX_UNITS, Network, Stepper, numerical_gradients, train

NAN, INF = float("nan"), float("inf")
X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y4 = np.array([0.0, 1.0, 1.0, 0.0])


@pytest.fixture
def net():
    return Network([2, 3, 1], seed=1)


@pytest.fixture
def softmax_net():
    return Network([2, 3, 3], output="softmax", seed=1)


# ---- layer sizes ---------------------------------------------------------------------

@pytest.mark.parametrize("sizes, message", [
    ([2], r"at least an input and an output layer, e\.g\. \[2, 1\]; got \[2\]"),
    ([], r"at least an input and an output layer"),
    (5, r"sizes must be a list of layer sizes such as \[2, 2, 1\], got 5"),
    ([2, 0, 1], r"Layer 2 size s_2 must be at least 1, got 0"),
    ([2, -3, 1], r"Layer 2 size s_2 must be at least 1, got -3"),
    ([2, 2.5, 1], r"Layer 2 size s_2 must be a whole number, got 2\.5"),
    ([2, "3", 1], r"Layer 2 size s_2 must be a whole number, got '3'"),
    ([2, NAN, 1], r"Layer 2 size s_2 must be a whole number"),
    ([1] * (MAX_LAYERS + 1), rf"At most {MAX_LAYERS} layers are supported .*got {MAX_LAYERS + 1}"),
    ([2, MAX_UNITS + 1, 1], rf"s_2 can be at most {MAX_UNITS}, got {MAX_UNITS + 1}"),
])
def test_bad_sizes(sizes, message):
    with pytest.raises(ValueError, match=message):
        Network(sizes)


def test_the_limits_themselves_are_allowed():
    assert Network([1] * MAX_LAYERS).L == MAX_LAYERS
    assert Network([1, MAX_UNITS]).sizes == [1, MAX_UNITS]


# ---- activations, losses, init --------------------------------------------------------

@pytest.mark.parametrize("options, message", [
    (dict(hidden="softmax"), r"Unknown hidden activation 'softmax': choose one of sigmoid, tanh, relu, linear"),
    (dict(hidden="ReLU"), r"Unknown hidden activation 'ReLU': choose one of .*relu"),
    (dict(output="step"), r"Unknown output activation 'step': choose one of .*sigmoid.*softmax"),
    (dict(loss="hinge"), r"Unknown loss 'hinge': choose one of cross_entropy, squared_error"),
    (dict(loss=None), r"Unknown loss None: choose one of cross_entropy, squared_error"),
    (dict(init="he"), r"Unknown init 'he': choose one of random, zeros"),
])
def test_unknown_names_list_the_valid_choices(options, message):
    with pytest.raises(ValueError, match=message):
        Network([2, 2], **options)


@pytest.mark.parametrize("output", ["tanh", "linear", "relu"])
def test_cross_entropy_needs_sigmoid_or_softmax_outputs(output):
    with pytest.raises(ValueError, match=rf"cross_entropy loss does not work with {output} outputs"
                                         rf".*sigmoid or softmax.*use squared_error"):
        Network([2, 2], output=output, loss="cross_entropy")


def test_squared_error_does_not_take_softmax_outputs():
    with pytest.raises(ValueError, match=r"squared_error loss does not work with softmax outputs"
                                         r".*use cross_entropy"):
        Network([2, 2], output="softmax", loss="squared_error")


def test_from_thetas_and_with_settings_check_combos_too(net):
    with pytest.raises(ValueError, match=r"does not work with tanh outputs"):
        Network.from_thetas(net.thetas, output="tanh")
    with pytest.raises(ValueError, match=r"does not work with linear outputs"):
        net.with_settings(output="linear")


# ---- λ and seed ------------------------------------------------------------------------

@pytest.mark.parametrize("lam, message", [
    (-0.1, r"λ \(lam\) must be at least 0, got -0\.1"),
    (NAN, r"λ \(lam\) must be a finite number, got nan"),
    (INF, r"λ \(lam\) must be a finite number, got inf"),
    ("1", r"λ \(lam\) must be a number, got '1'"),
])
def test_bad_lambda(lam, message):
    with pytest.raises(ValueError, match=message):
        Network([2, 1], lam=lam)


@pytest.mark.parametrize("seed, message", [
    (-1, r"seed must be at least 0, got -1"),
    (1.5, r"seed must be a whole number, got 1\.5"),
])
def test_bad_seed(seed, message):
    with pytest.raises(ValueError, match=message):
        Network([2, 1], seed=seed)


# ---- from_thetas ---------------------------------------------------------------------

def test_from_thetas_names_expected_and_actual_shapes_when_they_do_not_chain():
    with pytest.raises(ValueError, match=r"Θ\^\(2\) must have s_2 \+ 1 = 4 columns, because "
                                         r"Θ\^\(1\) has 3 rows.*got shape \(1, 3\)"):
        Network.from_thetas([np.zeros((3, 3)), np.zeros((1, 3))])


@pytest.mark.parametrize("thetas, message", [
    ([[[0.0, NAN]]], r"Θ\^\(1\) contains NaN or infinity \(first at index \(0, 1\)\)"),
    ([np.zeros((2, 3)), [[0.0, 1.0, -INF]]], r"Θ\^\(2\) contains NaN or infinity \(first at index \(0, 2\)\)"),
    ([[["a", 1.0]]], r"Θ\^\(1\) must contain only numbers"),
    ([[[1.0, 2.0], [3.0]]], r"Θ\^\(1\) must contain only numbers"),
    ([], r"thetas is empty: a network needs at least one weight matrix"),
    (np.zeros((2, 3)), r"thetas must be a list of weight matrices"),
    ([[1.0, 2.0, 3.0]], r"Θ\^\(1\) must be a matrix of shape \(s_2, s_1 \+ 1\).*got shape \(3,\)"),
    ([np.zeros((2, 1))], r"at least one row and two columns.*got shape \(2, 1\)"),
    ([np.zeros((1, 2))] * MAX_LAYERS, rf"At most {MAX_LAYERS} layers.*got {MAX_LAYERS}"),
    ([np.zeros((MAX_UNITS + 1, 2))], rf"can be at most {MAX_UNITS}"),
])
def test_from_thetas_rejects_bad_weights(thetas, message):
    with pytest.raises(ValueError, match=message):
        Network.from_thetas(thetas)


# ---- data ------------------------------------------------------------------------------

@pytest.mark.parametrize("X, actual", [
    (np.zeros((4, 3)), r"\(4, 3\)"),
    (np.zeros(4), r"\(4,\)"),
    (np.zeros((4, 2, 1)), r"\(4, 2, 1\)"),
])
def test_X_with_wrong_shape_shows_expected_and_actual(net, X, actual):
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2\): one row per example and "
                                         r"one column per input unit; got shape " + actual):
        net.predict(X)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_X_with_non_finite_values_points_at_the_first(net, bad):
    X = X4.copy()
    X[2, 1] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or infinity \(first at index \(2, 1\)\)"):
        net.cost(X, Y4)


def test_X_with_zero_rows(net):
    with pytest.raises(ValueError, match=r"X has no examples \(zero rows\); give at least one"):
        net.predict(np.zeros((0, 2)))


def test_X_with_text(net):
    with pytest.raises(ValueError, match=r"X must contain only numbers"):
        net.predict([["a", "b"]])


@pytest.mark.parametrize("Y, actual", [(np.zeros(3), r"\(3,\)"), (np.zeros((4, 2)), r"\(4, 2\)")])
def test_Y_with_wrong_shape_shows_expected_and_actual(net, Y, actual):
    with pytest.raises(ValueError, match=r"Y must be an array of targets of shape \(4, 1\) or a "
                                         r"vector of 4 targets; got shape " + actual):
        net.cost(X4, Y)


def test_Y_labels_of_wrong_length_show_both_forms(softmax_net):
    with pytest.raises(ValueError, match=r"shape \(4, 3\) or 4 integer class labels "
                                         r"0\.\.2; got shape \(3,\)"):
        softmax_net.cost(X4, [0, 1, 2])


@pytest.mark.parametrize("label", [3, -1])
def test_Y_label_out_of_range(softmax_net, label):
    with pytest.raises(ValueError, match=rf"Class label {label} is out of range: with 3 output units "
                                         r"the labels must be 0\.\.2 \(0-based\)"):
        softmax_net.cost(X4, [0, 1, 2, label])


def test_Y_labels_that_are_not_whole(softmax_net):
    with pytest.raises(ValueError, match=r"non-whole values; expected .*4 integer class labels 0\.\.2"):
        softmax_net.cost(X4, [0, 1, 2, 1.5])


@pytest.mark.parametrize("Y, low, high", [([0, 2, 1, 0], 0, 2), ([0, -0.5, 1, 0], -0.5, 1)])
def test_cross_entropy_targets_outside_0_1(net, Y, low, high):
    with pytest.raises(ValueError, match=rf"targets must lie between 0 and 1.*from {low} to {high}"
                                         r".*Use squared_error"):
        net.cost(X4, Y)


def test_squared_error_accepts_targets_outside_0_1(net):
    assert math.isfinite(net.with_settings(loss="squared_error").cost(X4, [0, 2, -1, 0]))


def test_cross_entropy_one_hot_rows_outside_0_1(softmax_net):
    with pytest.raises(ValueError, match=r"targets must lie between 0 and 1"):
        softmax_net.cost(X4, np.full((4, 3), 2.0))


@pytest.mark.parametrize("call", ["cost", "gradients", "cost_and_gradients"])
def test_every_data_entry_point_checks_Y(net, call):
    with pytest.raises(ValueError, match=r"Y must be"):
        getattr(net, call)(X4, np.zeros(5))


# ---- unrolled vectors, single weights, gradient checking -----------------------------

@pytest.mark.parametrize("vec, actual", [
    (np.zeros(3), r"\(3,\)"), (np.zeros(14), r"\(14,\)"), (np.zeros((13, 2)), r"\(13, 2\)")])
def test_with_vector_wrong_length(net, vec, actual):
    assert net.n_params == 13
    with pytest.raises(ValueError, match=r"must have 13 entries for sizes \[2, 3, 1\]; got shape "
                                         + actual):
        net.with_vector(vec)


def test_with_vector_nan(net):
    vec = net.unroll()
    vec[5] = NAN
    with pytest.raises(ValueError, match=r"unrolled parameter vector contains NaN or infinity "
                                         r"\(first at index \(5,\)\)"):
        net.with_vector(vec)


def test_with_thetas_wrong_shapes(net):
    with pytest.raises(ValueError, match=r"must have shapes \[\(3, 3\), \(1, 4\)\] for sizes "
                                         r"\[2, 3, 1\]; got \[\(3, 3\)\]"):
        net.with_thetas([np.zeros((3, 3))])


@pytest.mark.parametrize("args, message", [
    ((0, 0, 0, 1.0), r"Layer l must be at least 1, got 0"),
    ((3, 0, 0, 1.0), r"Layer l can be at most 2, got 3"),
    ((1, 4, 0, 1.0), r"Unit j of layer 2 can be at most 3, got 4"),
    ((1, 0, 0, 1.0), r"Unit j of layer 2 must be at least 1, got 0"),
    ((1, 1, 0.5, 1.0), r"Unit i of layer 1 \(0 = bias\) must be a whole number, got 0\.5"),
    ((1, 1, 0, NAN), r"Θ_1,0\^\(1\) must be a finite number, got nan"),
])
def test_with_weight_bad_arguments(net, args, message):
    with pytest.raises(ValueError, match=message):
        net.with_weight(*args)


@pytest.mark.parametrize("epsilon, message", [
    (0, r"epsilon must be greater than 0, got 0"),
    (-1e-4, r"epsilon must be greater than 0, got -0\.0001"),
    (NAN, r"epsilon must be a finite number"),
])
def test_numerical_gradients_bad_epsilon(net, epsilon, message):
    with pytest.raises(ValueError, match=message):
        numerical_gradients(net, X4, Y4, epsilon=epsilon)


# ---- Stepper ---------------------------------------------------------------------------

@pytest.mark.parametrize("rate, message", [
    (0, r"learning rate α must be greater than 0, got 0"),
    (-0.5, r"learning rate α must be greater than 0, got -0\.5"),
    (NAN, r"learning rate α must be a finite number, got nan"),
    (INF, r"learning rate α must be a finite number, got inf"),
])
def test_stepper_bad_learning_rate(net, rate, message):
    with pytest.raises(ValueError, match=message):
        Stepper(net, X4, Y4, learning_rate=rate)


def test_stepper_unknown_mode(net):
    with pytest.raises(ValueError, match=r"Unknown mode 'online': choose one of batch, per_example"):
        Stepper(net, X4, Y4, mode="online")


def test_stepper_needs_a_network(net):
    with pytest.raises(ValueError, match=r"Stepper needs an engine Network, got list"):
        Stepper(net.thetas, X4, Y4)


def test_stepper_checks_its_data(net):
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2\)"):
        Stepper(net, np.zeros((4, 3)), Y4)


# ---- train ----------------------------------------------------------------------------

@pytest.mark.parametrize("options, message", [
    (dict(method="adam"), r"Unknown training method 'adam': choose one of gd, lbfgs"),
    (dict(iterations=-1), r"iterations must be at least 0, got -1"),
    (dict(iterations=2.5), r"iterations must be a whole number, got 2\.5"),
    (dict(method="lbfgs", iterations=-1), r"iterations must be at least 0"),
    (dict(batch_size=0), r"batch_size must be at least 1, got 0"),
    (dict(batch_size=5), r"batch_size can be at most 4, got 5"),
    (dict(method="lbfgs", batch_size=2), r"batch_size only applies to method='gd'"),
    (dict(learning_rate=0), r"learning rate α must be greater than 0, got 0"),
    (dict(learning_rate=-1), r"learning rate α must be greater than 0, got -1"),
    (dict(learning_rate=NAN), r"learning rate α must be a finite number"),
])
def test_train_bad_options(net, options, message):
    with pytest.raises(ValueError, match=message):
        train(net, X4, Y4, **options)


def test_train_needs_a_network(net):
    with pytest.raises(ValueError, match=r"train needs an engine Network, got str"):
        train("net", X4, Y4)


# ---- a failed call changes nothing ----------------------------------------------------

def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_thetas(before, after):
    assert len(before) == len(after)
    assert all(same_bits(b, a) for b, a in zip(before, after))


@pytest.mark.parametrize("bad_call", [
    lambda n: n.with_vector(np.zeros(3)),
    lambda n: n.with_vector(np.full(n.n_params, NAN)),
    lambda n: n.with_thetas([np.zeros((3, 3))]),
    lambda n: n.with_thetas([np.zeros((3, 3)), np.full((1, 4), INF)]),
    lambda n: n.with_weight(1, 0, 0, NAN),
    lambda n: n.with_weight(1, 9, 0, 1.0),
    lambda n: n.with_settings(output="tanh"),
    lambda n: n.cost(X4, [0, 2, 1, 0]),
    lambda n: n.gradients(np.zeros((4, 3)), Y4),
    lambda n: numerical_gradients(n, X4, Y4, epsilon=0),
    lambda n: train(n, X4, Y4, learning_rate=-1),
], ids=["vector-length", "vector-nan", "thetas-shape", "thetas-inf", "weight-nan",
        "weight-row", "settings", "cost", "gradients", "gradcheck", "train"])
def test_failed_call_leaves_the_network_unchanged(net, bad_call):
    before = net.thetas
    settings = net.settings()
    with pytest.raises(ValueError):
        bad_call(net)
    assert_same_thetas(before, net.thetas)
    assert net.settings() == settings
    assert net.cost(X4, Y4) == Network.from_thetas(before).cost(X4, Y4)


def test_failed_from_thetas_leaves_the_callers_arrays_alone():
    theta1, theta2 = np.ones((3, 3)), np.full((1, 3), 2.0)  # do not chain
    with pytest.raises(ValueError):
        Network.from_thetas([theta1, theta2])
    assert theta1.flags.writeable and theta2.flags.writeable
    assert np.all(theta1 == 1.0) and np.all(theta2 == 2.0)


def snapshot(stepper):
    return dict(
        iteration=stepper.iteration, position=stepper.position, J=repr(stepper.J),
        description=stepper.description, history=stepper.history_length,
        thetas=stepper.network.thetas,
        arrays={(name, l): getattr(stepper, name)[l].tobytes()
                for name in ("a", "z", "delta", "Delta", "D") for l in getattr(stepper, name)})


def assert_same_state(before, after):
    assert_same_thetas(before["thetas"], after["thetas"])
    assert {k: v for k, v in before.items() if k != "thetas"} == \
        {k: v for k, v in after.items() if k != "thetas"}


@pytest.mark.parametrize("bad_construction", [
    lambda s: Stepper(s.network, X4, Y4, learning_rate=0),
    lambda s: Stepper(s.network, X4, Y4, mode="online"),
    lambda s: Stepper(s.network, np.zeros((4, 3)), Y4),
    lambda s: Stepper(s.network, X4, [0, 2, 1, 0]),
], ids=["rate", "mode", "X", "Y"])
def test_failed_stepper_construction_leaves_a_running_stepper_alone(net, bad_construction):
    stepper, twin = Stepper(net, X4, Y4, learning_rate=0.5), Stepper(net, X4, Y4, learning_rate=0.5)
    for s in (stepper, twin):
        for _ in range(3):
            s.step()
    before = snapshot(stepper)
    with pytest.raises(ValueError):
        bad_construction(stepper)
    assert_same_state(before, snapshot(stepper))
    stepper.run_iteration()
    twin.run_iteration()
    assert_same_thetas(twin.network.thetas, stepper.network.thetas)


@pytest.fixture
def exploding_stepper():
    """A linear unit far from its target: D = (a − y)[1, x] ≈ [−990, −9900], so
    Θ − 1e308 · D overflows."""
    net = Network.from_thetas([[[0.0, 1.0]]], output="linear", loss="squared_error")
    stepper = Stepper(net, [[10.0]], [[1000.0]], learning_rate=1e308)
    while stepper.next_step.kind != "update":
        stepper.step()
    return stepper


def test_update_to_non_finite_weights_is_refused(exploding_stepper):
    with pytest.raises(ValueError, match=r"would make some weights infinite or NaN, so it was not "
                                         r"applied\. The learning rate α = 1e\+308 is probably too "
                                         r"large: lower it"):
        exploding_stepper.step()


def test_refused_update_leaves_the_stepper_unchanged(exploding_stepper):
    before = snapshot(exploding_stepper)
    assert before["thetas"][0].tolist() == [[0.0, 1.0]]
    for _ in range(2):  # and it stays refused, not half applied
        with pytest.raises(ValueError, match=r"learning rate"):
            exploding_stepper.step()
        assert_same_state(before, snapshot(exploding_stepper))
    assert exploding_stepper.next_step.kind == "update"
    assert not exploding_stepper.iteration_complete


def test_refused_update_inside_run_iteration_keeps_the_steps_before_it(exploding_stepper):
    exploding_stepper.reset()
    with pytest.raises(ValueError, match=r"learning rate"):
        exploding_stepper.run_iteration()
    assert exploding_stepper.iteration == 1
    assert exploding_stepper.next_step.kind == "update"
    assert exploding_stepper.network.thetas[0].tolist() == [[0.0, 1.0]]
    assert np.all(np.isfinite(exploding_stepper.D[1]))
