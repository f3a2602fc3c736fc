"""Loading and saving files through ExplorerState: good files load, bad ones change nothing."""
import io
import json

import numpy as np
import pytest

from explorer import files
from explorer.state import ExplorerState


def snapshot(state):
    s = state.stepper
    return ([t.copy() for t in s.network.thetas], s.X.copy(), s.Y.copy(), s.position,
            s.iteration, state.hidden_layers, state.learning_rate)


def assert_unchanged(state, before):
    after = snapshot(state)
    for a, b in zip(before[0], after[0]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_array_equal(before[2], after[2])
    assert before[3:] == after[3:]


def saved_session(preset="debug", steps=5, name="my net"):
    state = ExplorerState(preset=preset)
    for _ in range(steps):
        state.step()
    return state, files.save_session(state, name)


def test_a_saved_session_loads_back_at_the_same_step_with_the_same_numbers():
    original, text = saved_session()
    other = ExplorerState(preset="xor")
    assert files.load_session(other, text.encode(), "net.json")
    s, t = original.stepper, other.stepper
    assert (t.iteration, t.position, t.mode, other.preset) == (s.iteration, s.position, s.mode, "debug")
    for l in s.a:
        np.testing.assert_array_equal(s.a[l], t.a[l])
    for l in s.Delta:
        np.testing.assert_array_equal(s.Delta[l], t.Delta[l], strict=False)
    assert "my net" in other.notice[2] and other.notice[1] == "success"
    original.finish_iteration()
    other.finish_iteration()
    for a, b in zip(original.network.thetas, other.network.thetas):
        np.testing.assert_array_equal(a, b)


def test_a_session_with_a_test_set_keeps_it():
    original, text = saved_session("circle", steps=1)
    other = ExplorerState()
    files.load_session(other, text.encode())
    np.testing.assert_array_equal(other.X_test, original.X_test)
    assert other.test_fraction == pytest.approx(original.test_fraction, abs=0.01)


def test_a_name_with_markup_is_kept_as_plain_text():
    _, text = saved_session(name="<script>alert(1)</script>")
    other = ExplorerState()
    files.load_session(other, text.encode())
    assert "<script>alert(1)</script>" in other.notice[2]  # escaping is the view's job


def good_doc():
    return json.loads(saved_session("xor", steps=2)[1])


def bad_sessions():
    cases = {"empty file": (b"", "empty"),
             "not UTF-8": ("é".encode("latin-1") * 5, "UTF-8"),
             "invalid JSON": (b"{not json", "JSON")}
    doc = good_doc()
    doc["version"] = 99
    cases["future version"] = (json.dumps(doc).encode(), "version")
    doc = good_doc()
    del doc["network"]
    cases["missing field"] = (json.dumps(doc).encode(), "network")
    doc = good_doc()
    doc["data"]["X"] = [row + [0.0] for row in doc["data"]["X"]]
    cases["shape mismatch"] = (json.dumps(doc).encode(), "X")
    text = json.dumps(good_doc()).replace("0.0", "NaN", 1)
    cases["NaN"] = (text.encode(), "NaN")
    doc = good_doc()
    doc["network"]["sizes"] = [2] + [2] * 12 + [1]
    cases["too many layers"] = (json.dumps(doc).encode(), "12")
    doc = good_doc()
    doc["training"]["learning_rate"] = 0
    cases["learning rate 0"] = (json.dumps(doc).encode(), "learning_rate (α) must be greater than 0")
    cases["over the limit"] = (b" " * (5 * 2**20 + 1), "limit")
    return cases


@pytest.mark.parametrize("case", list(bad_sessions()))
def test_a_bad_session_file_changes_nothing_and_says_why(case):
    data, words = bad_sessions()[case]
    state = ExplorerState(preset="blobs")
    state.step()
    before = snapshot(state)
    assert not files.load_session(state, data, "bad.json")
    assert state.notice[1] == "error" and words in state.notice[2] and "bad.json" in state.notice[2]
    assert "Nothing was changed" in state.notice[2]
    assert_unchanged(state, before)


def npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_weights_load_from_npz_and_object_arrays_are_refused():
    state = ExplorerState(preset="xor")
    thetas = [np.full((2, 3), 0.5), np.full((1, 3), -0.25)]
    assert files.load_weights(state, npz(Theta1=thetas[0], Theta2=thetas[1]), "w.npz")
    np.testing.assert_array_equal(state.network.thetas[0], thetas[0])
    before = snapshot(state)
    objects = np.array([{"evil": 1}, None], dtype=object)
    buffer = io.BytesIO()
    np.save(buffer, objects, allow_pickle=True)
    import zipfile
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("Theta1.npy", buffer.getvalue())
        z.writestr("Theta2.npy", buffer.getvalue())
    assert not files.load_weights(state, zipped.getvalue(), "evil.npz")
    assert "objects" in state.notice[2] and "unpickled" in state.notice[2]
    assert not files.load_weights(state, npz(Theta1=np.zeros((3, 3)), Theta2=thetas[1]), "shape.npz")
    assert_unchanged(state, before)


@pytest.mark.parametrize("text, words", [
    (b"x1,x2,y\n0,1,1\n1,abc,0\n", "abc"),
    (b"x1,x2,y\n", "no data rows"),
    (b"0,1,1,5\n1,1,0,2\n", "columns"),
    (b"0,1,7\n", "label"),
])
def test_bad_csv_data_changes_nothing(text, words):
    state = ExplorerState(preset="xor" if words != "label" else "blobs")
    before = snapshot(state)
    assert not files.load_data(state, text, "d.csv")
    assert state.notice[1] == "error" and words in state.notice[2]
    assert_unchanged(state, before)


def test_csv_data_loads_with_or_without_a_header():
    state = ExplorerState(preset="xor")
    assert files.load_data(state, b"x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.5,0.5,1\n", "xor5.csv")
    assert state.m == 5 and state.X_test is None and state.test_fraction == 0
    assert files.load_data(state, b"0,0,1\n1,1,1\n", "two.csv")
    assert state.m == 2


def test_the_step_log_has_every_value_of_one_iteration():
    state = ExplorerState(preset="worked_example")
    log = files.step_log(state).splitlines()
    header = log[0].split(",")
    assert header[:2] == ["step", "phase"] and "value" in header
    assert any(",J," in row and "0.29837" in row for row in log)
