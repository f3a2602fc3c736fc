"""FilesView: save and load sessions, weights and data; export a step log."""
from __future__ import annotations

import io
from pathlib import PurePath

import panel as pn
import param
from panel.viewable import Viewer

from engine.io import MAX_UPLOAD_BYTES

from .state import ExplorerState

KINDS = {".json": "load_session", ".npz": "load_weights", ".csv": "load_data"}


class FilesView(Viewer):
    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.session_name = pn.widgets.TextInput(label="Name saved with the session", placeholder="optional",
                                         sizing_mode="stretch_width")
        self.save = pn.widgets.FileDownload(
            callback=lambda: io.StringIO(s.save_session(self.session_name.value)),
            filename="backprop-explorer-session.json", label="Save session (.json)",
            sizing_mode="stretch_width", color="primary")
        self.log = pn.widgets.FileDownload(
            callback=lambda: io.StringIO(s.step_log()), filename="backprop-explorer-step-log.csv",
            label="Step log of one iteration (.csv)", sizing_mode="stretch_width")
        self.upload = pn.widgets.FileInput(accept=",".join(KINDS), sizing_mode="stretch_width",
                                           label="Load a file")
        # An empty file arrives as value None with a new filename, so watch both.
        self.upload.param.watch(self._on_upload, ["value", "filename"])
        self.help = pn.pane.HTML(
            f"<small>Load a session (.json), weights Θ (.npz, for this architecture) or data "
            f"(.csv, {{s_1}} input columns then the targets). Files up to "
            f"{MAX_UPLOAD_BYTES // 2**20} MB.</small>", margin=(0, 10))
        self._sync_help()
        s.param.watch(lambda e: self._sync_help(), "structure")

    def __panel__(self):
        return pn.Column(self.session_name, self.save, self.log, self.upload, self.help,
                         sizing_mode="stretch_width")

    def _sync_help(self):
        sizes = self.state.network.sizes
        self.help.object = (
            "<small>Load a session (.json), weights Θ (.npz, for this "
            f"{'-'.join(map(str, sizes))} network) or data (.csv: {sizes[0]} input columns, "
            f"then {sizes[-1]} target column{'s' if sizes[-1] > 1 else ''}"
            + (" or one class label 0–" + str(sizes[-1] - 1) if sizes[-1] > 1 else "")
            + f", header optional). Files up to {MAX_UPLOAD_BYTES // 2**20} MB.</small>")

    def _on_upload(self, *events):
        data, filename = self.upload.value, self.upload.filename or "file"
        if data is None and not self.upload.filename:
            return
        data = data or b""
        kind = KINDS.get(PurePath(filename).suffix.lower())
        if kind is None:
            self.state.say("error", f"{filename}: only .json (session), .npz (weights) and "
                                    ".csv (data) files can be loaded. Nothing was changed.")
        elif len(data) > MAX_UPLOAD_BYTES:
            self.state.say("error", f"{filename} is {len(data) / 2**20:.1f} MB; files up to "
                                    f"{MAX_UPLOAD_BYTES // 2**20} MB can be loaded. Nothing was changed.")
        else:
            getattr(self.state, kind)(data, filename)
        with param.discard_events(self.upload):  # so loading the same file again is seen
            self.upload.param.update(value=None, filename=None)
