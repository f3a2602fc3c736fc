"""The cost curve's axes: fitted on the server, with the points they show.

(Fitted in the page by Bokeh's DataRange1d, they were re-fitted during each
paint, which asked for a second, full repaint of the figure every frame.)
"""
import time

import numpy as np
from bokeh.events import PanStart, RangesUpdate, Reset

from explorer.state import ExplorerState
from explorer.trainer import Trainer
from explorer.training_pool import FrameShare, TrainingPool
from explorer.training_view import FRAME_MS, PADDING, TrainingView


def train(view, until, polls=8):
    """Train, polling as the page's frame timer would, until ``until()`` after at least
    ``polls`` polls; then pause and let the run end."""
    trainer = view.trainer
    trainer.start()
    deadline = time.monotonic() + 30
    while not until() or polls > 0:
        assert time.monotonic() < deadline, "training never got that far"
        time.sleep(0.05)
        trainer.poll()
        polls -= 1
    trainer.stop()
    while trainer.running:
        assert time.monotonic() < deadline, "the run never ended"
        time.sleep(0.02)
        trainer.poll()


def trained_view(preset="xor", **state):
    view = TrainingView(trainer=Trainer(state=ExplorerState(preset=preset, **state)))
    train(view, lambda: len(view.trainer.costs["J"]) >= 50)
    return view


def drawn(view):
    """Every finite (iteration, J) the figure draws: training curve and test points."""
    x = np.r_[view.costs.data["iteration"], view.metrics.data["iteration"]].astype(float)
    J = np.r_[view.costs.data["J"], view.metrics.data["J_test"]].astype(float)
    keep = np.isfinite(J)
    return x[keep], J[keep]


def test_the_axes_hold_every_point_drawn_with_a_margin_of_padding():
    view = trained_view("circle", test_fraction=0.25)
    x, J = drawn(view)
    assert len(view.metrics.data["iteration"]) and np.isfinite(view.metrics.data["J_test"]).any()
    fig = view._pane.object
    xr, yr = fig.x_range, fig.y_range
    x_pad, y_pad = (x.max() - x.min()) * PADDING, (J.max() - J.min()) * PADDING
    np.testing.assert_allclose([xr.start, xr.end], [x.min() - x_pad, x.max() + x_pad])
    np.testing.assert_allclose([yr.start, yr.end], [J.min() - y_pad, J.max() + y_pad])
    # the toolbar's reset comes back to the fitted view, not to the empty one
    assert (xr.reset_start, xr.reset_end, yr.reset_start, yr.reset_end) == \
        (xr.start, xr.end, yr.start, yr.end)


def test_on_a_log_scale_the_axis_starts_above_zero_and_holds_every_point():
    view = TrainingView(trainer=Trainer(state=ExplorerState(preset="xor")))
    J = view.trainer.costs["J"]
    train(view, lambda: len(J) > 1 and max(J) / min(J) > 2)  # a span worth a log axis
    view.log_scale = True
    x, J = drawn(view)
    yr = view._pane.object.y_range
    assert 0 < yr.start < J.min() and yr.end > J.max()
    ratio = (J.max() / J.min()) ** PADDING
    np.testing.assert_allclose([yr.start, yr.end], [J.min() / ratio, J.max() * ratio])


def pan(fig, x0, x1):
    """What the page sends for a pan: the ranges it moved, the pan's start and end."""
    fig._trigger_event(PanStart(fig))
    fig.x_range.update(start=x0, end=x1)
    fig._trigger_event(RangesUpdate(fig, x0=x0, x1=x1, y0=0, y1=1))


def reset(fig):
    """What the page sends for the toolbar's reset: the ranges reset, then the event."""
    fig._trigger_event(RangesUpdate(fig, x0=0, x1=1, y0=0, y1=1))
    fig._trigger_event(Reset(fig))


def test_a_new_network_empties_the_curve_and_its_axes_even_after_a_pan():
    view = trained_view()
    pan(view._pane.object, 10, 20)
    view.trainer.state.preset = "and"
    fig = view._pane.object
    assert view.costs.data["J"] == [] and view._extent is None
    assert (fig.x_range.start, fig.x_range.end, fig.y_range.start, fig.y_range.end) == (0, 1, 0, 1)


def test_a_pan_holds_the_axes_until_the_toolbar_resets_them():
    view = trained_view()
    fig = view._pane.object
    fitted = (fig.x_range.start, fig.x_range.end)
    fig._trigger_event(PanStart(fig))  # held from the first move: no fit pulls it back
    train(view, lambda: view.trainer.costs["iteration"][-1] > fitted[1] + 10, polls=2)
    assert (fig.x_range.start, fig.x_range.end) == fitted
    pan(fig, 10, 20)
    train(view, lambda: view.trainer.costs["iteration"][-1] > fitted[1] + 100, polls=2)
    assert (fig.x_range.start, fig.x_range.end) == (10, 20)
    reset(fig)
    last = max(view.costs.data["iteration"])
    assert fig.x_range.start < 10 and fig.x_range.end >= last


def test_events_of_a_figure_no_longer_shown_are_ignored():
    view = trained_view()
    old = view._pane.object
    view.log_scale = True  # a new figure
    pan(old, 10, 20)  # the old one's wheel zoom ending late
    train(view, lambda: len(view.trainer.costs["J"]) >= 100, polls=2)
    new = view._pane.object
    assert new is not old and new.x_range.end >= max(view.costs.data["iteration"])


def test_frames_share_a_third_of_a_core_or_less_between_the_sessions_training():
    frames = FrameShare(share=0.3)
    assert frames.period(FRAME_MS) == FRAME_MS  # nobody training
    frames.report("one", 6.0)
    assert frames.period(FRAME_MS) == FRAME_MS  # 6 ms every 60 ms: 10 % of a core
    for k in range(10):
        frames.report(k, 6.0)
    assert frames.training == 11 and frames.period(FRAME_MS) == int(66 / 0.3)  # 220 ms
    for k in range(10):
        frames.leave(k)
    frames.leave("one")
    assert frames.training == 0 and frames.period(FRAME_MS) == FRAME_MS


def test_a_training_view_reports_its_frames_and_slows_down_when_the_server_is_busy():
    pool = TrainingPool(workers=1)
    try:
        view = TrainingView(trainer=Trainer(state=ExplorerState(preset="xor"), pool=pool))
        view.trainer.start()
        view._tick()
        assert pool.frames.training == 1 and view.clock.period == FRAME_MS
        pool.frames.report("another session", 90.0)  # 90 ms a frame: 300 ms apart
        view._tick()
        assert view.clock.period >= 300
        view.trainer.stop()
        deadline = time.monotonic() + 30
        while view.trainer.running:
            assert time.monotonic() < deadline, "the run never ended"
            time.sleep(0.02)
            view.trainer.poll()
        assert pool.frames.training == 1  # only the other one
        view.trainer.start()
        assert view.clock.period == FRAME_MS  # a new run starts at the full rate
        view.trainer.cancel()
        assert pool.frames.training == 1
    finally:
        pool.shutdown()
