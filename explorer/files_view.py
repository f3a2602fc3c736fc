"""FilesView: save and load sessions, weights and data; export a step log (files.py does it)."""
from __future__ import annotations

from io import StringIO

import panel as pn
import param
from panel.viewable import Viewer

from engine.io import MAX_UPLOAD_BYTES

from . import files
from .entry import entry
from .export import MAX_ITERATIONS, walkthrough_html
from .state import ExplorerState


class FilesView(Viewer):
    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.session_name = pn.widgets.TextInput(label="Name saved with the session",
                                                 placeholder="optional", sizing_mode="stretch_width")
        self.save = pn.widgets.FileDownload(
            callback=lambda: StringIO(files.save_session(s, self.session_name.value)),
            filename="backprop-explorer-session.json", label="Save session (.json)",
            sizing_mode="stretch_width", color="primary")
        self.log = pn.widgets.FileDownload(
            callback=lambda: StringIO(files.step_log(s)), filename="backprop-explorer-step-log.csv",
            label="Step log of one iteration (.csv)", sizing_mode="stretch_width")
        self.walkthrough = pn.widgets.FileDownload(
            callback=self._walkthrough, filename="backprop-explorer-walkthrough.html",
            label="Download walkthrough (HTML)", sizing_mode="stretch_width",
            description="One file that steps the next iterations from here, in a browser, "
                        "with no server and no network")
        self.walkthrough_iterations = pn.widgets.IntSlider(
            label="Iterations in the walkthrough", start=1, end=MAX_ITERATIONS, value=1,
            sizing_mode="stretch_width")
        self.upload = pn.widgets.FileInput(accept=",".join(files.KINDS), sizing_mode="stretch_width",
                                           label="Load a file")
        # An empty file arrives as value None with a new filename, so watch both.
        self.upload.param.watch(self._on_upload, ["value", "filename"])
        self.help = pn.pane.HTML(margin=(0, 10))
        self._sync_help()
        s.param.watch(lambda e: self._sync_help(), "reshaped")

    def __panel__(self):
        return pn.Column(self.session_name, self.save, self.log, self.walkthrough_iterations,
                         self.walkthrough, self.upload, self.help,
                         sizing_mode="stretch_width")

    def _sync_help(self):
        sizes = self.state.network.sizes
        self.help.object = (
            "<small>Load a session (.json), weights Θ (.npz, for this "
            f"{'-'.join(map(str, sizes))} network) or data (.csv: {sizes[0]} input columns, "
            f"then {sizes[-1]} target column{'s' if sizes[-1] > 1 else ''}"
            + (" or one class label 0–" + str(sizes[-1] - 1) if sizes[-1] > 1 else "")
            + ", header optional) or a lesson (.yaml: README, \"Writing a lesson\"). "
            f"Files up to {MAX_UPLOAD_BYTES // 2**20} MB.</small>")

    def _walkthrough(self):
        """The walkthrough file (export.py) from where the session is; the session stays."""
        return StringIO(walkthrough_html(state=self.state,
                                         iterations=self.walkthrough_iterations.value))

    def _on_upload(self, *events):
        data, filename = self.upload.value, self.upload.filename
        if data is None and not filename:
            return
        with param.discard_events(self.upload):  # so loading the same file again is seen
            self.upload.param.update(value=None, filename=None)
        entry(files.load_file)(self.state, data, filename or "file")
