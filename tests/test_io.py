"""Files in and out of the engine: state JSON, .npz weights, CSV data, the step log.

Round trips are checked bit for bit; every kind of bad file must be a
ValueError whose message says what is wrong, and must change nothing.
"""
import ast
import csv
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine import Network, Stepper, presets
from engine import io as eio

ENGINE = Path(__file__).resolve().parent.parent / "engine"
MODES = ["batch", "per_example"]


# ---- helpers ---------------------------------------------------------------------------

def bits(x):
    """A value's exact bytes (NaN with its payload, −0.0 apart from 0.0)."""
    return np.ascontiguousarray(np.asarray(x, dtype=np.float64)).tobytes()


def snapshot(s):
    """Everything a stepper shows, copied."""
    out = {"iteration": s.iteration, "position": s.position, "J": bits(s.J),
           "thetas": [bits(t) for t in s.network.thetas], "kind": s.kind, "layer": s.layer,
           "example": s.example, "learning_rate": s.learning_rate, "mode": s.mode,
           "iterations_done": s.iterations_done}
    for name in ("a", "z", "delta", "Delta", "D"):
        for l, v in getattr(s, name).items():
            out[f"{name}{l}"] = bits(v)
    return out


def assert_same_state(s, r):
    x, y = snapshot(s), snapshot(r)
    assert x.keys() == y.keys()
    for key in x:
        assert x[key] == y[key], key


def problems():
    """(label, network, X, Y, α): a spread of architectures, activations and losses."""
    rng = np.random.default_rng(7)
    xor = presets.load("xor")
    deep = Network([3, 4, 3, 3], hidden="tanh", output="softmax", loss="cross_entropy", lam=0.5,
                   seed=2)
    linear = Network([2, 3, 2], hidden="relu", output="linear", loss="squared_error", lam=0.1,
                     seed=4)
    return [
        ("xor", xor.network, xor.X, xor.Y, xor.learning_rate),
        ("deep_softmax", deep, rng.normal(size=(4, 3)), np.array([0, 2, 1, 2]), 0.7),
        ("linear_squared", linear, rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), 0.05),
    ]


PROBLEMS = {p[0]: p[1:] for p in problems()}


def stepper_at(problem, mode, iterations_done, position):
    net, X, Y, alpha = PROBLEMS[problem]
    s = Stepper(net, X, Y, learning_rate=alpha, mode=mode)
    for _ in range(iterations_done):
        s.run_iteration()
    if position == "complete":
        s.run_iteration()
    else:
        for _ in range(position):
            s.step()
    return s


def xor_stepper(mode="batch", steps=3):
    p = presets.load("xor")
    s = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate, mode=mode)
    for _ in range(steps):
        s.step()
    return s


def good_doc(**kwargs):
    return json.loads(eio.state_to_json(xor_stepper(**kwargs), preset="xor", seed=0, name="run"))


def load_doc(doc):
    return eio.state_from_json(json.dumps(doc).encode())


def refused(call, *words):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    for w in words:
        assert w.lower() in message.lower(), (w, message)
    return message


# ---- Network.to_dict / from_dict -------------------------------------------------------------

@pytest.mark.parametrize("name", ["xnor", "debug", "blobs", "worked_example", "digits_softmax"])
def test_network_dict_round_trip_is_exact(name):
    net = presets.load(name).network
    d = net.to_dict()
    assert set(d) == {"sizes", "hidden", "output", "loss", "lam", "thetas"}
    back = Network.from_dict(json.loads(json.dumps(d)))
    assert back.settings() == net.settings() and back.sizes == net.sizes
    for a, b in zip(back.thetas, net.thetas):
        assert bits(a) == bits(b)


def test_to_dict_is_plain_json_data():
    d = Network([2, 3, 1], lam=0.25, seed=1).to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert type(d["lam"]) is float and all(type(v) is float for v in d["thetas"][0][0])


def _bad_net(change):
    d = presets.load("xnor").network.to_dict()
    change(d)
    return d


@pytest.mark.parametrize("change,words", [
    (lambda d: d.pop("thetas"), ["missing", "thetas"]),
    (lambda d: d.update(extra=1), ["unknown", "extra"]),
    (lambda d: d.update(sizes="2,2,1"), ["sizes", "list"]),
    (lambda d: d.update(sizes=[2, 2, 2]), ["thetas[1]", "shape", "(2, 3)"]),
    (lambda d: d.update(sizes=[2] * 13), ["sizes", "12 layers"]),
    (lambda d: d.update(hidden=3), ["hidden", "name"]),
    (lambda d: d.update(hidden="swish"), ["hidden", "swish", "sigmoid"]),
    (lambda d: d.update(output="tanh"), ["loss", "cross_entropy"]),
    (lambda d: d.update(lam="0.1"), ["lam", "number"]),
    (lambda d: d.update(lam=-1.0), ["lam", "at least 0"]),
    (lambda d: d.update(lam=True), ["lam", "number"]),
    (lambda d: d.update(thetas="weights"), ["thetas", "list"]),
    (lambda d: d["thetas"].pop(), ["thetas", "1 weight matrix", "needs 2"]),
    (lambda d: d["thetas"][0].pop(), ["thetas[0]", "shape", "Θ^(1)"]),
    (lambda d: d["thetas"][0][1].pop(), ["thetas[0][1]", "2 values", "3"]),
    (lambda d: d["thetas"][1][0].__setitem__(1, "20"), ["thetas[1][0][1]", "number", "'20'"]),
    (lambda d: d["thetas"][1][0].__setitem__(1, None), ["thetas[1][0][1]", "null"]),
    (lambda d: d["thetas"][1][0].__setitem__(1, float("nan")), ["thetas[1][0][1]", "finite"]),
    (lambda d: d["thetas"][0][0].__setitem__(0, float("inf")), ["thetas[0][0][0]", "finite"]),
])
def test_from_dict_refuses_bad_fields_by_name(change, words):
    refused(lambda: Network.from_dict(_bad_net(change)), *words)


def test_from_dict_refuses_units_beyond_the_limit():
    d = Network([2, 1]).to_dict()
    d["sizes"] = [2000, 1]
    d["thetas"] = [[[0.0] * 2001]]
    refused(lambda: Network.from_dict(d), "sizes", "1024")


def test_from_dict_refuses_non_objects_and_prefixes_fields():
    refused(lambda: Network.from_dict([1, 2]), "object", "sizes")
    d = _bad_net(lambda d: d.update(lam=-2.0))
    refused(lambda: Network.from_dict(d, where="network."), "network.lam")


# ---- the state file: round trips ------------------------------------------------------------

def _positions(problem, mode):
    net, X, _, _ = PROBLEMS[problem]
    N = eio.steps_per_iteration(net.L, X.shape[0], mode)
    return sorted({0, 1, 2, N // 2, N - 2, N - 1}) + ["complete"]


CASES = [(p, mode, done, pos) for p in PROBLEMS for mode in MODES for done in (0, 2)
         for pos in _positions(p, mode)]


@pytest.mark.parametrize("problem,mode,done,position", CASES)
def test_save_load_restore_is_exact(problem, mode, done, position):
    s = stepper_at(problem, mode, done, position)
    before = snapshot(s)
    text = eio.state_to_json(s)
    assert snapshot(s) == before                      # saving changed nothing
    loaded = eio.state_from_json(text.encode("utf-8"))
    r = eio.restore_stepper(loaded)
    assert r.iteration == s.iteration and r.position == s.position
    assert r.iteration_complete == s.iteration_complete
    assert_same_state(s, r)
    if r.position:
        assert r.description == s.description
    # ... and carrying on gives the same numbers too.
    for _ in range(s.steps_per_iteration + 2):
        s.step()
        r.step()
    assert_same_state(s, r)


@pytest.mark.parametrize("mode", MODES)
def test_steps_per_iteration_matches_the_stepper(mode):
    for net, X, Y, _ in PROBLEMS.values():
        assert eio.steps_per_iteration(net.L, X.shape[0], mode) == \
            Stepper(net, X, Y, mode=mode).steps_per_iteration


@pytest.mark.parametrize("mode", MODES)
def test_complete_iteration_after_alpha_was_changed(mode):
    net, X, Y, _ = PROBLEMS["deep_softmax"]
    s = Stepper(net, X, Y, learning_rate=0.3, mode=mode)
    s.run_iteration()
    s.run_iteration()
    s.learning_rate = 0.9          # for the next update; the last one used 0.3
    arrays = {name: dict(getattr(s, name)) for name in ("a", "z", "delta", "Delta", "D")}
    history, before, description = s.history_length, snapshot(s), s.description
    doc = json.loads(eio.state_to_json(s))
    assert doc["training"]["learning_rate"] == 0.9
    assert doc["completed_update"]["learning_rate"] == 0.3
    # the stepper is as it was: same arrays (the very objects), history, α and text
    assert snapshot(s) == before and s.history_length == history and s.description == description
    for name, values in arrays.items():
        assert all(getattr(s, name)[l] is v for l, v in values.items())
    r = eio.restore_stepper(load_doc(doc))
    assert_same_state(s, r)
    assert r.learning_rate == 0.9


def test_an_alpha_the_description_rounds_is_recovered_exactly():
    net, X, Y, _ = PROBLEMS["linear_squared"]
    s = Stepper(net, X, Y, learning_rate=0.123456789123, mode="per_example")
    s.run_iteration()
    s.learning_rate = 2.0                  # neither 2.0 nor the described 0.123457 fits
    doc = json.loads(eio.state_to_json(s))
    alpha = doc["completed_update"]["learning_rate"]
    before = [np.array(t) for t in doc["completed_update"]["thetas_before"]]
    assert all(bits(b - alpha * d) == bits(t)
               for b, d, t in zip(before, s.D.values(), s.network.thetas))
    r = eio.restore_stepper(load_doc(doc))
    assert_same_state(s, r)
    assert r.learning_rate == 2.0


def test_complete_iteration_with_no_undo_history_still_round_trips():
    net, X, Y, alpha = PROBLEMS["xor"]
    s = Stepper(net, X, Y, learning_rate=alpha, max_history=1)
    s.run_iteration()
    s.step()
    s.back()                                    # complete again, but nothing left to undo
    assert s.iteration_complete and not s.can_go_back
    doc = json.loads(eio.state_to_json(s))
    assert doc["position"] == {"iteration": 1, "step": s.steps_per_iteration}
    assert "completed_update" in doc
    r = eio.restore_stepper(load_doc(doc))
    assert_same_state(s, r)
    s.step()
    r.step()
    assert_same_state(s, r)


def test_a_weight_edited_mid_iteration_round_trips():
    net, X, Y, alpha = PROBLEMS["deep_softmax"]
    s = Stepper(net, X, Y, learning_rate=alpha)
    for _ in range(5):
        s.step()
    s.set_weight(2, 1, 0, 0.75)
    assert 0 < s.position
    r = eio.restore_stepper(eio.state_from_json(eio.state_to_json(s)))
    assert_same_state(s, r)


def test_metadata_and_test_data_round_trip():
    p = presets.load("blobs")
    X_train, Y_train, X_test, Y_test = presets.split(p.X, p.Y, seed=1)
    s = Stepper(p.network, X_train, Y_train, learning_rate=p.learning_rate)
    text = eio.state_to_json(s, preset="blobs", seed=0, name="Blobs, ε = 0.1",
                             X_test=X_test, Y_test=Y_test)
    loaded = eio.state_from_json(text)
    assert (loaded.preset, loaded.seed, loaded.name) == ("blobs", 0, "Blobs, ε = 0.1")
    assert loaded.mode == "batch" and loaded.learning_rate == p.learning_rate
    assert bits(loaded.X_test) == bits(X_test)
    assert bits(loaded.Y_test) == bits(np.eye(3)[Y_test.astype(int)])
    assert loaded.X.flags.writeable is False and loaded.Y.flags.writeable is False
    with pytest.raises(Exception):
        loaded.step = 3                              # a frozen dataclass


def test_a_script_in_the_name_is_kept_verbatim_as_text():
    name = '<script>alert("hi")</script> & <b>bold</b> \u2028 Θ'
    text = eio.state_to_json(xor_stepper(), name=name)
    assert "<script>alert(" in text and "</script> & <b>bold</b>" in text   # not escaped here
    assert eio.state_from_json(text).name == name
    assert eio.state_from_json(text.encode("utf-8")).name == name


def test_state_file_is_indented_readable_json():
    text = eio.state_to_json(xor_stepper(), preset="xor", seed=0, name="x")
    doc = json.loads(text)
    assert list(doc) == ["schema", "version", "saved_by", "name", "preset", "seed", "network",
                         "training", "data", "position"]
    assert doc["schema"] == eio.SCHEMA == "backprop-explorer/state"
    assert doc["version"] == eio.SCHEMA_VERSION == 1 and doc["saved_by"] == "backprop-explorer"
    assert doc["position"] == {"iteration": 1, "step": 3}
    assert '\n    "sizes": [2, 2, 1],\n' in text
    assert '\n      [0.0, 1.0],\n' in text                # one example per line
    assert text.endswith("}\n") and "NaN" not in text


def test_a_bom_and_text_input_are_accepted():
    text = eio.state_to_json(xor_stepper())
    assert eio.state_from_json("\ufeff" + text).step == 3
    assert eio.state_from_json(b"\xef\xbb\xbf" + text.encode()).step == 3
    assert eio.state_from_json(bytearray(text.encode())).step == 3


def test_digits_state_fits_under_the_limit_and_round_trips():
    p = presets.load("digits")
    s = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate)
    for _ in range(4):
        s.step()
    text = eio.state_to_json(s, preset="digits", seed=0, X_test=p.X_test, Y_test=p.Y_test)
    assert len(text.encode()) < eio.MAX_UPLOAD_BYTES / 3
    assert_same_state(s, eio.restore_stepper(eio.state_from_json(text.encode())))


def test_restore_does_not_change_the_loaded_state():
    loaded = eio.state_from_json(eio.state_to_json(xor_stepper(steps=9)))
    weights = [bits(t) for t in loaded.network.thetas]
    r = eio.restore_stepper(loaded)
    r.run_iteration()
    assert [bits(t) for t in loaded.network.thetas] == weights and loaded.step == 9
    refused(lambda: eio.restore_stepper({"network": 1}), "state_from_json")


def test_saving_refuses_bad_arguments_and_oversized_sessions():
    s = xor_stepper()
    before = snapshot(s)
    refused(lambda: eio.state_to_json("not a stepper"), "Stepper")
    refused(lambda: eio.state_to_json(s, preset="nope"), "preset", "xor")
    refused(lambda: eio.state_to_json(s, seed=-1), "seed", "at least 0")
    refused(lambda: eio.state_to_json(s, name=3), "name", "text")
    refused(lambda: eio.state_to_json(s, name="x" * 1001), "name", "1000")
    refused(lambda: eio.state_to_json(s, X_test=[[0, 0]]), "both")
    refused(lambda: eio.state_to_json(s, X_test=[[0, 0, 0]], Y_test=[1]), "X_test", "shape")
    assert snapshot(s) == before
    rng = np.random.default_rng(0)
    net = Network([20, 2, 1], seed=0)
    big = Stepper(net, rng.random((20_000, 20)), rng.integers(0, 2, 20_000).astype(float))
    refused(lambda: eio.state_to_json(big), "MB", "5 MB", "not saved")
    huge = Stepper(net, rng.random((100_000, 20)), rng.integers(0, 2, 100_000).astype(float))
    refused(lambda: eio.state_to_json(huge), "at least", "5 MB", "not saved")


# ---- the state file: refusals ---------------------------------------------------------------

def _mutated(change, **kwargs):
    doc = good_doc(**kwargs)
    change(doc)
    return json.dumps(doc).encode()


BAD_DOCS = [
    ("no schema", lambda d: d.pop("schema"), ['no "schema"', "backprop-explorer/state"]),
    ("wrong schema", lambda d: d.update(schema="other/thing"), ["not a Backprop Explorer", "other/thing"]),
    ("no version", lambda d: d.pop("version"), ['no "version"', "version 1"]),
    ("text version", lambda d: d.update(version="1"), ["version", "whole number"]),
    ("bool version", lambda d: d.update(version=True), ["version", "whole number"]),
    ("future version", lambda d: d.update(version=2), ["version 2", "newer", "version 1"]),
    ("old version", lambda d: d.update(version=0), ["version 0", "supported", "1"]),
    ("missing fields", lambda d: [d.pop("data"), d.pop("training")], ["missing", "'training'", "'data'"]),
    ("unknown field", lambda d: d.update(comment="hi"), ["unknown field", "comment"]),
    ("saved_by", lambda d: d.update(saved_by=5), ["saved_by", "text"]),
    ("name type", lambda d: d.update(name=["a"]), ["name", "text"]),
    ("name length", lambda d: d.update(name="n" * 5000), ["name", "1000"]),
    ("preset", lambda d: d.update(preset="xorr"), ["preset", "xorr", "xnor"]),
    ("seed", lambda d: d.update(seed=-3), ["seed", "at least 0"]),
    ("seed text", lambda d: d.update(seed="0"), ["seed", "whole number"]),
    ("network type", lambda d: d.update(network=[1]), ["network", "object"]),
    ("network missing", lambda d: d["network"].pop("loss"), ["network", "missing", "loss"]),
    ("layers", lambda d: d["network"].update(sizes=[2] * 13), ["network.sizes", "12 layers"]),
    ("units", lambda d: d["network"].update(sizes=[2, 1025, 1]), ["network.sizes", "1024"]),
    ("theta shape", lambda d: d["network"]["thetas"][1][0].pop(), ["network.thetas[1]", "shape"]),
    ("theta text", lambda d: d["network"]["thetas"][0][0].__setitem__(1, "0.5"),
     ["network.thetas[0][0][1]", "number"]),
    ("training type", lambda d: d.update(training=0.5), ["training", "object"]),
    ("training missing", lambda d: d["training"].pop("mode"), ["training", "missing", "mode"]),
    ("lr zero", lambda d: d["training"].update(learning_rate=0), ["learning_rate", "greater than 0"]),
    ("lr negative", lambda d: d["training"].update(learning_rate=-0.5), ["learning_rate", "greater than 0"]),
    ("lr text", lambda d: d["training"].update(learning_rate="big"), ["learning_rate", "number"]),
    ("mode", lambda d: d["training"].update(mode="minibatch"), ["mode", "batch", "per_example"]),
    ("data type", lambda d: d.update(data=[]), ["data", "object"]),
    ("data missing", lambda d: d["data"].pop("Y"), ["data", "missing", "Y"]),
    ("data unknown", lambda d: d["data"].update(labels=[1]), ["data", "unknown", "labels"]),
    ("X columns", lambda d: d["data"].update(X=[[0, 0, 1]] * 4), ["data.X", "3 columns", "s_1 = 2"]),
    ("X empty", lambda d: d["data"].update(X=[]), ["data.X", "empty"]),
    ("X flat", lambda d: d["data"].update(X=[0, 1, 1, 0]), ["data.X", "table"]),
    ("X ragged", lambda d: d["data"]["X"][2].append(1.0), ["data.X[2]", "3 values", "2"]),
    ("X text", lambda d: d["data"]["X"][1].__setitem__(0, "one"), ["data.X[1][0]", "'one'"]),
    ("X bool", lambda d: d["data"]["X"][1].__setitem__(0, True), ["data.X[1][0]", "true"]),
    ("X null", lambda d: d["data"]["X"][1].__setitem__(0, None), ["data.X[1][0]", "null"]),
    ("Y columns", lambda d: d["data"].update(Y=[[0, 1]] * 4), ["data.Y", "2 columns", "s_L = 1"]),
    ("Y rows", lambda d: d["data"]["Y"].pop(), ["data.Y", "3 rows", "4 examples"]),
    ("Y range", lambda d: d["data"].update(Y=[[0.0], [2.0], [1.0], [0.0]]), ["data.Y", "between 0 and 1"]),
    ("X_test alone", lambda d: d["data"].update(X_test=[[0, 0]]), ["X_test", "Y_test", "both"]),
    ("X_test columns", lambda d: d["data"].update(X_test=[[0]], Y_test=[[1]]),
     ["data.X_test", "1 column"]),
    ("position type", lambda d: d.update(position=3), ["position", "object"]),
    ("position missing", lambda d: d["position"].pop("step"), ["position", "missing", "step"]),
    ("iteration zero", lambda d: d["position"].update(iteration=0), ["position.iteration", "at least 1"]),
    ("iteration text", lambda d: d["position"].update(iteration="3"), ["position.iteration", "whole number"]),
    ("iteration huge", lambda d: d["position"].update(iteration=10**12), ["position.iteration", "at most"]),
    ("step beyond", lambda d: d["position"].update(step=10), ["position.step", "0..9", "9 steps"]),
    ("step negative", lambda d: d["position"].update(step=-1), ["position.step", "0..9"]),
    ("step fraction", lambda d: d["position"].update(step=2.5), ["position.step", "whole number"]),
    ("step bool", lambda d: d["position"].update(step=True), ["position.step", "true"]),
    ("complete without update", lambda d: d["position"].update(step=9),
     ["completed_update", '"iteration": 2, "step": 0']),
    ("update when not complete", lambda d: d.update(completed_update={}), ["completed_update", "Remove"]),
]


@pytest.mark.parametrize("label,change,words", BAD_DOCS, ids=[b[0] for b in BAD_DOCS])
def test_state_file_refusals_name_the_problem(label, change, words):
    refused(lambda: eio.state_from_json(_mutated(change)), *words)


def test_class_labels_out_of_range_are_refused_with_their_index():
    net, X, Y, alpha = PROBLEMS["deep_softmax"]
    doc = json.loads(eio.state_to_json(Stepper(net, X, Y, learning_rate=alpha)))
    doc["data"]["Y"] = [0, 2, 3, 1]
    refused(lambda: load_doc(doc), "data.Y[2]", "3", "0..2")
    doc["data"]["Y"] = [0, 2, 1.5, 1]
    refused(lambda: load_doc(doc), "data.Y[2]", "1.5", "whole")
    doc["data"]["Y"] = [0, 2, 1, 1]
    assert bits(load_doc(doc).Y) == bits(np.eye(3)[[0, 2, 1, 1]])


@pytest.mark.parametrize("token,words", [
    ("NaN", ["NaN", "JSON does not allow"]),
    ("Infinity", ["Infinity", "JSON does not allow"]),
    ("-Infinity", ["-Infinity", "JSON does not allow"]),
    ("1e400", ["1e400", "too large"]),
    ("1" * 400, ["too large"]),
])
@pytest.mark.parametrize("where", ["theta", "X", "lr"])
def test_nan_and_infinity_tokens_are_refused(token, words, where):
    doc = good_doc()
    marker = 123.25
    if where == "theta":
        doc["network"]["thetas"][0][1][2] = marker
        field = "network.thetas[0][1][2]"
    elif where == "X":
        doc["data"]["X"][3][1] = marker
        field = "data.X[3][1]"
    else:
        doc["training"]["learning_rate"] = marker
        field = "learning_rate"
    text = json.dumps(doc).replace("123.25", token)
    refused(lambda: eio.state_from_json(text), field, *words)


def test_completed_iteration_with_edited_weights_is_refused():
    doc = good_doc(steps=9)                       # XOR batch: 9 steps, so complete
    assert doc["position"]["step"] == 9 and "completed_update" in doc
    assert load_doc(doc).thetas_before_update is not None
    doc["network"]["thetas"][1][0][0] += 0.01
    refused(lambda: load_doc(doc), "edited", "completed_update", '"iteration": 2, "step": 0')
    doc = good_doc(steps=9)
    doc["network"]["thetas"][1][0][0] = math.nextafter(doc["network"]["thetas"][1][0][0], 9)
    loaded = load_doc(doc)                         # within rounding: only the replay can tell
    refused(lambda: eio.restore_stepper(loaded), "not exactly", "edited")
    doc = good_doc(steps=9)
    doc["completed_update"]["learning_rate"] = 0
    refused(lambda: load_doc(doc), "completed_update.learning_rate", "greater than 0")
    doc = good_doc(steps=9)
    doc["completed_update"]["thetas_before"] = doc["completed_update"]["thetas_before"][:1]
    refused(lambda: load_doc(doc), "completed_update.thetas_before", "2 weight matrices")


@pytest.mark.parametrize("data,words", [
    (b"", ["empty"]),
    (b"  \n\t ", ["empty"]),
    ("", ["empty"]),
    (b"\xff\xfe{\x00}", ["not UTF-8 text", "0xff"]),
    (b'{"schema": "backprop-explorer/state",\n "version": 1,\n "name": }', ["not valid JSON", "line 3", "column"]),
    (b'{"schema": "backprop-explorer/state"', ["not valid JSON", "line 1"]),
    (b"[1, 2, 3]", ["JSON object", "list of 3"]),
    (b'"just text"', ["JSON object", "text"]),
    (b"42", ["JSON object", "42"]),
    (b'{"schema": "a", "schema": "b"}', ["schema", "twice"]),
    (b"[" * 100_000 + b"]" * 100_000, ["nested too deeply"]),
])
def test_unreadable_files_are_refused(data, words):
    refused(lambda: eio.state_from_json(data), *words)


def test_non_text_arguments_are_refused():
    refused(lambda: eio.state_from_json(123), "contents", "int")
    refused(lambda: eio.state_from_json(None), "contents")


def test_files_over_the_size_limit_are_refused_before_parsing():
    assert eio.MAX_UPLOAD_BYTES == 5 * 2**20
    big = b" " * (eio.MAX_UPLOAD_BYTES + 1)
    message = refused(lambda: eio.state_from_json(big), "5 MB", f"{eio.MAX_UPLOAD_BYTES + 1:,}")
    assert "5.0 MB" in message
    refused(lambda: eio.state_from_json(big.decode()), "5 MB")
    refused(lambda: eio.load_weights_npz(big, Network([2, 1])), "5 MB")
    refused(lambda: eio.load_csv(big, 2, 1, "cross_entropy"), "5 MB")
    # just under the limit is read (and then judged on its content)
    refused(lambda: eio.state_from_json(b" " * (eio.MAX_UPLOAD_BYTES - 10) + b"[]"), "JSON object")


def test_per_example_replay_beyond_the_work_limit_is_refused():
    rng = np.random.default_rng(0)
    net = Network([1, 60, 1], seed=0)
    m = 4000
    s = Stepper(net, rng.random((m, 1)), rng.integers(0, 2, m).astype(float), mode="per_example")
    doc = json.loads(eio.state_to_json(s))
    N = eio.steps_per_iteration(3, m, "per_example")
    doc["position"]["step"] = N - 5
    refused(lambda: load_doc(doc), "per-example", "batch mode")
    doc["position"]["step"] = 50                    # early in the loop is fine
    assert load_doc(doc).step == 50


# ---- .npz weights ------------------------------------------------------------------------

def npz(*args, compressed=False, **kwargs):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, *args, **kwargs)
    return buf.getvalue()


NET = Network([3, 4, 2], seed=5)
WEIGHTS = [np.arange(16.0).reshape(4, 4) / 7, -np.arange(10.0).reshape(2, 5) / 3]


@pytest.mark.parametrize("data", [
    npz(Theta1=WEIGHTS[0], Theta2=WEIGHTS[1]),
    npz(theta_1=WEIGHTS[0], theta_2=WEIGHTS[1]),
    npz(Theta_2=WEIGHTS[1], THETA_1=WEIGHTS[0]),
    npz(*WEIGHTS),
    npz(Theta1=WEIGHTS[0], Theta2=WEIGHTS[1], X=np.zeros((5, 3)), y=np.arange(5), compressed=True),
    npz(Theta1=WEIGHTS[0].astype(np.float32) * 0 + 1, Theta2=WEIGHTS[1].astype(np.int64)),
])
def test_npz_weights_load_by_name_or_order(data):
    before = [bits(t) for t in NET.thetas]
    got = eio.load_weights_npz(data, NET)
    assert got is not NET and got.settings() == NET.settings()
    want = np.load(io.BytesIO(data), allow_pickle=False)
    keys = sorted(k for k in want.files if k.lower().startswith(("theta", "arr")))
    keys.sort(key=lambda k: int("".join(ch for ch in k if ch.isdigit())))
    for t, k in zip(got.thetas, keys):
        assert bits(t) == bits(want[k].astype(np.float64))
    assert [bits(t) for t in NET.thetas] == before


def test_npz_round_trip_of_a_networks_own_weights():
    net = presets.load("debug").network
    data = npz(**{f"Theta{l}": t for l, t in enumerate(net.thetas, 1)})
    back = eio.load_weights_npz(data, Network(net.sizes, seed=9))
    assert [bits(t) for t in back.thetas] == [bits(t) for t in net.thetas]


def _zip_with(member_name, payload):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member_name, payload)
        z.writestr("Theta2.npy", _npy(WEIGHTS[1]))
    return buf.getvalue()


def _object_npy():
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    return buf.getvalue()


def _npy(arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


BAD_NPZ = [
    ("empty", b"", ["empty"]),
    ("garbage", b"hello, these are not weights", ["not an .npz"]),
    ("npy", _npy(WEIGHTS[0]), [".npy", "np.savez"]),
    ("truncated", npz(Theta1=WEIGHTS[0], Theta2=WEIGHTS[1])[:200], ["damaged"]),
    ("object array", _zip_with("Theta1.npy", _object_npy()) , ["Python objects", "only numeric arrays",
                                                               "nothing is unpickled"]),
    ("object arrays", npz(Theta1=np.array([1, "a", None], dtype=object), Theta2=WEIGHTS[1]),
     ["Theta1", "Python objects"]),
    ("not an array", _zip_with("Theta1.npy", b"print('hi')"), ["Theta1", "not a numpy array"]),
    ("no thetas", npz(X=np.zeros(3), y=np.ones(2)), ["no weight matrices", "Theta1..Theta2", "X, y"]),
    ("missing", npz(Theta1=WEIGHTS[0]), ["no Θ^(2)", "Theta1..Theta2"]),
    ("extra", npz(Theta1=WEIGHTS[0], Theta2=WEIGHTS[1], Theta3=WEIGHTS[1]), ["Theta3", "only 2"]),
    ("too many unnamed", npz(WEIGHTS[0], WEIGHTS[1], WEIGHTS[1]), ["arr_2", "only 2"]),
    ("mixed", npz(WEIGHTS[0], Theta2=WEIGHTS[1]), ["mixes", "Theta2", "arr_0"]),
    ("duplicate", npz(Theta1=WEIGHTS[0], theta_1=WEIGHTS[0], Theta2=WEIGHTS[1]), ["both", "Θ^(1)"]),
    ("transposed", npz(Theta1=WEIGHTS[0], Theta2=WEIGHTS[1].T), ["Theta2", "(5, 2)", "(2, 5)", "transposed"]),
    ("no bias", npz(Theta1=WEIGHTS[0][:, 1:], Theta2=WEIGHTS[1]), ["Theta1", "(4, 3)", "bias"]),
    ("nan", npz(Theta1=WEIGHTS[0], Theta2=np.full((2, 5), np.nan)), ["Theta2", "NaN"]),
    ("inf", npz(Theta1=np.full((4, 4), np.inf), Theta2=WEIGHTS[1]), ["Theta1", "infinity"]),
    ("text", npz(Theta1=np.full((4, 4), "1.0"), Theta2=WEIGHTS[1]), ["Theta1", "numbers"]),
    ("bool", npz(Theta1=np.ones((4, 4), bool), Theta2=WEIGHTS[1]), ["Theta1", "bool"]),
    ("complex", npz(Theta1=np.ones((4, 4), complex), Theta2=WEIGHTS[1]), ["Theta1", "complex"]),
    ("bomb", npz(Theta1=np.zeros((3000, 3000)), Theta2=WEIGHTS[1], compressed=True),
     ["Theta1", "far larger"]),
]


@pytest.mark.parametrize("label,data,words", BAD_NPZ, ids=[b[0] for b in BAD_NPZ])
def test_bad_npz_files_are_refused_and_change_nothing(label, data, words):
    before = [bits(t) for t in NET.thetas]
    refused(lambda: eio.load_weights_npz(data, NET), *words)
    assert [bits(t) for t in NET.thetas] == before


def test_npz_needs_a_network_and_bytes():
    refused(lambda: eio.load_weights_npz(npz(*WEIGHTS), "net"), "Network")
    refused(lambda: eio.load_weights_npz("Theta1", NET), "contents", "str")


# ---- CSV data ------------------------------------------------------------------------------

def test_csv_with_and_without_header():
    plain = b"0,0,0\n0,1,1\n1,0,1\n1,1,0\n"
    X, Y = eio.load_csv(plain, 2, 1, "cross_entropy")
    assert X.shape == (4, 2) and Y.shape == (4, 1)
    np.testing.assert_array_equal(X, presets.TRUTH_TABLE)
    np.testing.assert_array_equal(Y[:, 0], [0, 1, 1, 0])
    X2, Y2 = eio.load_csv(b"x1,x2,y\r\n" + plain.replace(b"\n", b"\r\n"), 2, 1, "cross_entropy")
    assert bits(X2) == bits(X) and bits(Y2) == bits(Y)
    # the result works as data for the engine
    Stepper(presets.load("xor").network, X, Y).run_iteration()


def test_csv_values_are_read_exactly():
    values = [0.1, -2.5e-3, 1e300, 123456789.125, -0.0, 5]
    text = "\n".join(f"{repr(float(v))},{float(v)!r}" for v in values)
    X, Y = eio.load_csv(text.encode(), 1, 1, "squared_error")
    assert bits(X[:, 0]) == bits(np.array(values, dtype=float))


def test_csv_target_columns_one_hot_and_labels():
    onehot = b"a,b,c0,c1,c2\n.1,.2,1,0,0\n.3,.4,0,0,1\n"
    X, Y = eio.load_csv(onehot, 2, 3, "cross_entropy")
    np.testing.assert_array_equal(Y, [[1, 0, 0], [0, 0, 1]])
    labels = b".1,.2,0\n.3,.4,2\n.5,.6,1\n"
    X, Y = eio.load_csv(labels, 2, 3, "cross_entropy")
    np.testing.assert_array_equal(X, [[.1, .2], [.3, .4], [.5, .6]])
    np.testing.assert_array_equal(Y, np.eye(3)[[0, 2, 1]])


def test_csv_named_targets():
    data = b"label,x1,note,x2\n2,0.5,7,0.25\n0,1.5,8,0.75\n"
    X, Y = eio.load_csv(data, 3, 3, "cross_entropy", targets=["label"])
    np.testing.assert_array_equal(X, [[0.5, 7, 0.25], [1.5, 8, 0.75]])
    np.testing.assert_array_equal(Y, np.eye(3)[[2, 0]])
    data = b"y1,x,y2\n0.25,3,0.5\n1,4,0\n"
    X, Y = eio.load_csv(data, 1, 2, "squared_error", targets=["y2", "y1"])
    np.testing.assert_array_equal(X, [[3], [4]])
    np.testing.assert_array_equal(Y, [[0.5, 0.25], [0, 1]])
    X, Y = eio.load_csv(data, 2, 1, "squared_error", targets="y2")
    np.testing.assert_array_equal(X, [[0.25, 3], [1, 4]])


def test_csv_semicolons_bom_and_blank_lines():
    data = "\ufeffx;y\n\n1;0\n2;1\n\n".encode()
    X, Y = eio.load_csv(data, 1, 1, "cross_entropy")
    np.testing.assert_array_equal(X[:, 0], [1, 2])
    X, Y = eio.load_csv(b"1\t0\n2\t1\n", 1, 1, "squared_error")
    np.testing.assert_array_equal(Y[:, 0], [0, 1])
    X, Y = eio.load_csv("1,1\n2,0\n", 1, 1, presets.load("xor").network.loss_function)
    assert Y.shape == (2, 1)


BAD_CSV = [
    ("empty", b"", {}, ["empty"]),
    ("blank", b"\n\n  \n", {}, ["empty"]),
    ("only commas", b",,\n,,\n", {}, ["no data rows"]),
    ("not utf8", b"x,y\n1,\xe9\n", {}, ["not UTF-8 text"]),
    ("header only", b"x1,x2,y\n", {}, ["no data rows", "only a header"]),
    ("text cell", b"x1,x2,y\n0,0,0\n0,one,1\n", {}, ["row 3", "column 2", "(B", "x2", "'one'"]),
    ("text without header", b"0,0,0\n0,0,zero\n", {}, ["row 2", "column 3 (C)", "'zero'"]),
    ("typo in row 1", b"0,O,0\n0,0,1\n", {}, ["row 1", "column 2", "'O'", "header"]),
    ("empty cell", b"0,0,0\n0,,1\n", {}, ["row 2", "column 2", "empty"]),
    ("nan", b"0,0,0\n0,nan,1\n", {}, ["row 2", "column 2", "'nan'", "finite"]),
    ("inf", b"0,0,0\n0,-inf,1\n", {}, ["row 2", "-inf", "finite"]),
    ("overflow", b"0,0,0\n0,1e999,1\n", {}, ["row 2", "1e999", "too large"]),
    ("underscore", b"0,0,0\n0,1_000,1\n", {}, ["row 2", "'1_000'", "not a number"]),
    ("columns", b"0,0,0,0\n1,1,1,1\n", {}, ["4 columns", "needs 3", "2 inputs", "1 target"]),
    ("ragged", b"x1,x2,y\n0,0,0\n1,1\n0,1,1\n", {}, ["row 3", "2 values", "header has 3"]),
    ("ragged no header", b"0,0,0\n0,1,1,5\n", {}, ["row 2", "4 values", "row 1 has 3"]),
    ("cross-entropy range", b"0,0,0\n0,1,2\n", {}, ["row 2", "column 3", "outside 0..1", "squared_error"]),
    ("target missing", b"x1,x2,y\n0,0,1\n", {"targets": ["label"]}, ["'label'", "not in the header", "'y'"]),
    ("targets need header", b"0,0,1\n", {"targets": ["y"]}, ["header"]),
    ("targets type", b"x1,x2,y\n0,0,1\n", {"targets": [1]}, ["targets", "column names"]),
    ("targets twice", b"x1,x2,y\n0,0,1\n", {"targets": ["y", "y"]}, ["twice"]),
    ("loss", b"0,0,1\n", {"loss": "hinge"}, ["hinge", "cross_entropy"]),
    ("inputs", b"0,0,1\n", {"n_inputs": 0}, ["n_inputs", "at least 1"]),
    ("outputs", b"0,0,1\n", {"n_outputs": 2000}, ["n_outputs", "1024"]),
    ("quote", b'0,0,"1\n', {}, ["row", "cannot be read"]),
]


@pytest.mark.parametrize("label,data,options,words", BAD_CSV, ids=[b[0] for b in BAD_CSV])
def test_bad_csv_files_are_refused(label, data, options, words):
    args = {"n_inputs": 2, "n_outputs": 1, "loss": "cross_entropy", **options}
    refused(lambda: eio.load_csv(data, args.pop("n_inputs"), args.pop("n_outputs"),
                                 args.pop("loss"), **args), *words)


@pytest.mark.parametrize("data,words", [
    (b"0,0,3\n1,1,1\n", ["row 1", "column 3", "class label 3", "0..2"]),
    (b"a,b,label\n0,0,1\n1,1,-1\n", ["row 3", "label", "-1", "0..2"]),
    (b"0,0,1.5\n", ["1.5", "0..2"]),
    (b"0,0,1,0\n", ["4 columns", "needs 5", "or 3", "class labels 0..2"]),
])
def test_bad_csv_labels_are_refused(data, words):
    refused(lambda: eio.load_csv(data, 2, 3, "cross_entropy"), *words)
    if b"label" in data:
        refused(lambda: eio.load_csv(data, 2, 3, "cross_entropy", targets=["label"]), *words)


def test_csv_named_targets_count_must_fit_the_network():
    data = b"a,b,c,d\n0,0,1,0\n"
    refused(lambda: eio.load_csv(data, 2, 3, "cross_entropy", targets=["c", "d"]),
            "3 target columns", "one column of class labels", "got 2")
    refused(lambda: eio.load_csv(data, 1, 2, "cross_entropy", targets=["c", "d"]),
            "4 columns", "leaves 2 inputs", "s_1 = 1")


# ---- the step log -----------------------------------------------------------------------

def read_log(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_step_log_of_the_worked_example_matches_the_known_numbers():
    p = presets.load("worked_example")
    s = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate)
    rows = read_log(eio.step_log_csv(s))
    assert list(rows[0]) == list(eio.LOG_COLUMNS)

    def value(step, quantity, layer, j, i="", example="1"):
        found = [r for r in rows if r["step"] == str(step) and r["quantity"] == quantity
                 and r["layer"] == str(layer) and r["j"] == str(j) and r["i"] == str(i)
                 and r["example"] == (example if quantity not in ("Theta", "D", "Delta") else "")]
        assert len(found) == 1, (step, quantity, layer, j, i)
        return float(found[0]["value"])

    # net_h1 = .15·.05 + .2·.1 + .35 = .3775, out_h1 = .593269992, E_total = .298371109
    assert value(0, "Theta", 1, 1, 1) == 0.15 and value(0, "Theta", 1, 1, 0) == 0.35
    assert value(1, "z", 2, 1) == pytest.approx(0.3775, abs=1e-15)
    assert value(1, "a", 2, 1) == pytest.approx(0.593269992, abs=1e-9)
    assert value(2, "a", 3, 1) == pytest.approx(0.75136507, abs=1e-8)
    J = [r for r in rows if r["quantity"] == "J"]
    assert len(J) == 1 and J[0]["step"] == "3" and J[0]["phase"] == "cost"
    assert float(J[0]["value"]) == pytest.approx(0.298371109, abs=1e-9)
    # after the update: w5 = .35891648, w1 = .14978072 (D is the true gradient, m = 1)
    last = s.steps_per_iteration
    assert value(last, "Theta", 2, 1, 1) == pytest.approx(0.35891648, abs=1e-8)
    assert value(last, "Theta", 1, 1, 1) == pytest.approx(0.14978072, abs=1e-8)
    assert {r["phase"] for r in rows} == {"start", "forward", "cost", "backward", "accumulate",
                                         "update"}
    assert rows[-1]["description"].startswith("Update")


def assert_every_value_listed_once(rows, sizes, m, mode):
    """The log's rows are exactly what its docstring promises, each value once:
    Θ at the start and after the update, X as a^(1), y, then z, a and δ of every
    example and unit, J, Δ once (per example: once for each example), D."""
    from collections import Counter

    L = len(sizes)
    seen = Counter((r["quantity"], r["layer"], r["example"], r["j"], r["i"]) for r in rows)
    weights = [(str(l), str(j), str(i)) for l in range(1, L)
               for j in range(1, sizes[l] + 1) for i in range(sizes[l - 1] + 1)]
    units = lambda first: [(str(l), str(e), str(j)) for l in range(first, L + 1)
                           for e in range(1, m + 1) for j in range(1, sizes[l - 1] + 1)]
    want = Counter()
    for l, j, i in weights:
        want[("Theta", l, "", j, i)] = 2
        want[("D", l, "", j, i)] = 1
        if mode == "batch":
            want[("Delta", l, "", j, i)] = 1
        else:
            for e in range(1, m + 1):
                want[("Delta", l, str(e), j, i)] = 1
    for l, e, j in units(1):
        want[("a", l, e, j, "")] = 1
    for l, e, j in units(2):
        want[("z", l, e, j, "")] = want[("delta", l, e, j, "")] = 1
    for e in range(1, m + 1):
        for j in range(1, sizes[-1] + 1):
            want[("y", str(L), str(e), str(j), "")] = 1
    want[("J", "", "", "", "")] = 1
    assert seen == want


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_step_log_values_are_the_steppers_exactly(mode, problem):
    net, X, Y, alpha = PROBLEMS[problem]
    s = Stepper(net, X, Y, learning_rate=alpha, mode=mode)
    for _ in range(3):                       # mid-iteration: the log starts from stepper.network
        s.step()
    before, history = snapshot(s), s.history_length
    text = eio.step_log_csv(s)
    assert snapshot(s) == before and s.history_length == history
    rows = read_log(text)
    assert_every_value_listed_once(rows, net.sizes, X.shape[0], mode)
    check = Stepper(s.network, s.X, s.Y, learning_rate=alpha, mode=mode)
    by_step = {}
    for r in rows:
        by_step.setdefault(int(r["step"]), []).append(r)
    assert sorted(by_step) == list(range(check.steps_per_iteration + 1))
    for n in range(check.steps_per_iteration + 1):
        if n:
            check.step()
        for r in by_step[n]:
            q, v = r["quantity"], float(r["value"])
            if n:
                assert r["description"] == check.description and r["kind"] == check.kind
            if q == "J":
                assert bits(v) == bits(check.J)
                continue
            l, j = int(r["layer"]), int(r["j"])
            if q in ("Theta", "Delta", "D"):
                matrix = check.network.theta(l) if q == "Theta" else getattr(check, q)[l]
                assert bits(v) == bits(matrix[j - 1, int(r["i"])])
            else:
                e = int(r["example"]) - 1
                source = check.Y if q == "y" else getattr(check, q)[l]
                assert r["i"] == "" and bits(v) == bits(source[e, j - 1])


def test_step_log_of_a_completed_iteration_logs_the_next_one():
    p = presets.load("xnor")
    s = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate)
    s.run_iteration()
    rows = read_log(eio.step_log_csv(s))
    start = [float(r["value"]) for r in rows if r["step"] == "0" and r["quantity"] == "Theta"]
    assert start == [float(v) for t in s.network.thetas for v in t.ravel()]


def test_step_log_refuses_huge_logs_and_non_steppers():
    p = presets.load("digits")
    s = Stepper(p.network, p.X, p.Y, mode="per_example")
    refused(lambda: eio.step_log_csv(s), "rows", "1,000,000", "batch mode")
    assert s.position == 0
    refused(lambda: eio.step_log_csv(p.network), "Stepper")


# ---- no unsafe loading anywhere in the engine ------------------------------------------------

FORBIDDEN_NAMES = {"pickle", "cPickle", "_pickle", "dill", "marshal", "shelve", "eval", "exec",
                   "compile", "__import__", "importlib", "import_module"}


@pytest.mark.parametrize("path", sorted(ENGINE.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_code_never_unpickles_evaluates_or_imports_dynamically(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # `python -m engine check file.py:function` imports the user's own file on their own
    # machine, by design (README, "Take it home"); nothing the server runs imports
    # engine/__main__.py (test_the_served_app_never_imports_the_command_line).
    forbidden = FORBIDDEN_NAMES - ({"importlib"} if path.name == "__main__.py" else set())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if path.name == "__main__.py" and [a.name for a in node.names] == ["importlib.util"]:
                continue
            assert not {a.name.split(".")[0] for a in node.names} & FORBIDDEN_NAMES
        elif isinstance(node, ast.ImportFrom):
            if node.module == "importlib" and [a.name for a in node.names] == ["resources"]:
                continue  # reads the data files of one fixed package (engine/assets.py)
            assert (node.module or "").split(".")[0] not in FORBIDDEN_NAMES
            assert not {a.name for a in node.names} & FORBIDDEN_NAMES
        elif isinstance(node, ast.Name):
            assert node.id not in forbidden, (path.name, node.id, node.lineno)
        elif isinstance(node, ast.Attribute):
            # re.compile is fine; pickle.loads, importlib.import_module, builtins.eval are not
            assert node.attr not in FORBIDDEN_NAMES - {"compile"}, (path.name, node.attr)
        elif isinstance(node, ast.keyword) and node.arg == "allow_pickle":
            assert isinstance(node.value, ast.Constant) and node.value.value is False


def test_the_served_app_never_imports_the_command_line():
    """Only `python -m engine` runs engine/__main__.py, which imports user code."""
    for path in [*ENGINE.rglob("*.py"), *(ENGINE.parent / "explorer").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(a.name for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any("__main__" in name for name in names), path


def test_io_source_has_no_pickle_eval_exec_or_dynamic_import():
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ENGINE / "io").glob("*.py")))
    for word in ("eval(", "exec(", "__import__", "importlib"):
        assert word not in source
    # "pickle" appears only as numpy's allow_pickle=False and in the refusal message
    rest = source.replace("allow_pickle=False", "").replace("nothing is unpickled", "")
    assert "pickle" not in rest.lower()
