"""Explorer: every view of one session, assembled; works served and in a notebook.

The sidebar holds the settings, the display options and the files; the main
column the controls, the status line, messages, the graph and, below it, the
tabs.  The tabs are declared once as data (TABS: title, the views in it); a
tab's views are made the first time it is shown.  Views in a hidden tab whose
updates are costly skip them until it is shown again (their methods marked
``when_shown``, lazy.py).
"""
from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer

from engine import presets

from .check_view import CheckView
from .checker import GradientChecker
from .entry import entry, on_change
from .features_view import WeightImagesView
from .files_view import FilesView
from .gradcheck_view import GradientCheckView
from .graph_view import GraphView
from .lazy import show
from .lesson_view import LessonView
from .literal import literal
from .matrix_view import MatrixView
from .plane_view import PlaneView
from .player import Player
from .quiz_view import QuizView
from .settings_view import Display, Settings, Teaching
from .state import ExplorerState
from .status_view import EquationView, StatusLine
from .trainer import Trainer
from .training_view import TrainingView
from .weight_editor import WeightEditor

ALERT = {"error": "danger", "success": "success", "info": "info"}
HEADING = "h3 { font-size: 16px; font-weight: 600; margin: 12px 0 4px; }"

# The tabs, as data: (title, the views in it by name).  A tab's views are made the first
# time it is shown (or a view is asked for): most sessions open few tabs, and making
# them all was three quarters of building the Explorer (about 290 of 390 ms).
TABS = [
    ("Equation", ["equation"]),
    ("Train", ["training"]),
    ("Input plane & features", ["plane", "weight_images"]),
    ("Matrices", ["matrices"]),
    ("Gradient check", ["gradcheck"]),
    ("Edit weights", ["weight_editor"]),
]


class Explorer(Viewer):
    """The whole explorer for one session."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, preset: str | None = None, budget=None, **params):
        """``budget``: the most the session may hold (budget.py; by default its defaults)."""
        if "state" not in params:
            # Presets are read-only and the same for every session: build each once.
            params["state"] = ExplorerState(preset=preset, load_preset=pn.cache(presets.load),
                                            budget=budget)
        super().__init__(**params)
        s = self.state
        self.graph = GraphView(state=s)
        self.status = StatusLine(state=s)
        self.equation = EquationView(state=s)
        self.settings = Settings(state=s)
        self.display = Display(state=s)
        self.teaching = Teaching(state=s)
        self.trainer = Trainer(state=s)
        self.files = FilesView(state=s)
        self.checker = GradientChecker(state=s)
        self.player = Player(state=s, graph=self.graph, trainer=self.trainer)
        self.quiz = QuizView(state=s)
        self._views = {}  # the views of the tabs, made when first shown or asked for

        self.copy_link = pn.widgets.Button(
            label="Copy link", color="default", sizing_mode="stretch_width",
            description="Copy a link that opens this preset with these settings")
        # The address bar always holds the link (links.py); copy it in the browser.
        self.copy_link.js_on_click(code="""
            navigator.clipboard.writeText(window.location.href).then(
              () => { cb_obj.label = 'Link copied ✓'; setTimeout(() => cb_obj.label = 'Copy link', 2000) },
              () => { window.prompt('Copy this link:', window.location.href) })
        """)
        self.message = pn.pane.Alert("", alert_type="info", visible=False,
                                     sizing_mode="stretch_width", margin=(0, 10))
        s.param.watch(self._on_notice, "notice")
        if s.notice[2]:
            self._on_notice()

        self.tabs = pn.Tabs(*[(title, pn.Column(sizing_mode="stretch_width"))
                              for title, _ in TABS], sizing_mode="stretch_width", dynamic=True)
        on_change(self.tabs, lambda active: self._show_tab(), name="active")
        self._show_tab()

        # The parts of the page a lesson's chapter may be about: what to outline, which tab.
        tab = {title: index for index, (title, _) in enumerate(TABS)}
        parts = {"graph": (self.graph.figure_pane, None), "status": (self.status.html, None),
                 "buttons": (self.player.buttons, None), "settings": (self.settings.box, None),
                 "equation": (self.tabs, tab["Equation"]), "train": (self.tabs, tab["Train"]),
                 "input plane": (self.tabs, tab["Input plane & features"]),
                 "matrices": (self.tabs, tab["Matrices"]),
                 "gradient check": (self.tabs, tab["Gradient check"])}
        self.lesson = LessonView(state=s, parts=parts, tabs=self.tabs)

        def heading(text):
            return pn.pane.HTML(f"<h3>{text}</h3>", margin=(0, 10), stylesheets=[HEADING])
        self.sidebar = [heading("Network"), self.settings, self.copy_link,
                        heading("Display"), self.display, heading("Teaching"), self.teaching,
                        heading("Files"), self.files]
        self.main = [pn.Column(self.lesson, self.player, self.status, self.quiz, self.message, self.graph, self.tabs,
                               sizing_mode="stretch_width")]

    def __panel__(self):
        return pn.Row(pn.Column(*self.sidebar, width=320),
                      pn.Column(*self.main, sizing_mode="stretch_both"),
                      sizing_mode="stretch_both")

    # ---- the tabs' views ---------------------------------------------------------------
    def _make(self, name: str):
        s = self.state
        return {
            "training": lambda: TrainingView(trainer=self.trainer),
            "plane": lambda: PlaneView(state=s),
            "weight_images": lambda: WeightImagesView(state=s),
            "matrices": lambda: MatrixView(state=s),
            "gradcheck": lambda: GradientCheckView(checker=self.checker, graph=self.graph),
            "weight_editor": lambda: WeightEditor(state=s, graph=self.graph),
        }[name]()

    def view(self, name: str):
        """A tab's view by name (TABS), made on first use: hidden, until its tab is shown."""
        if name == "equation":
            return self.equation
        if name not in self._views:
            view = self._views[name] = self._make(name)
            show(view, False)
        return self._views[name]

    training = property(lambda self: self.view("training"))
    plane = property(lambda self: self.view("plane"))
    weight_images = property(lambda self: self.view("weight_images"))
    matrices = property(lambda self: self.view("matrices"))
    gradcheck = property(lambda self: self.view("gradcheck"))
    weight_editor = property(lambda self: self.view("weight_editor"))

    @property
    def clocks(self):
        """The clocks of the views made so far."""
        return [view.clock for view in self._views.values() if hasattr(view, "clock")]

    def _show_tab(self):
        """The shown tab's views are made (the first time) and put in it; views in hidden
        tabs skip their updates (stepping stays fast) until shown."""
        for index, (_, names) in enumerate(TABS):
            shown = index == self.tabs.active
            if shown:
                column = self.tabs[index]
                views = [self.view(name) for name in names]
                if len(column) != len(views):
                    column[:] = views
            for name in names:
                if name == "equation" or name in self._views:
                    show(self.view(name), shown)

    def _on_notice(self, *events):
        _, kind, text = self.state.notice
        # Messages quote links, file names and exceptions: the Alert renders Markdown.
        self.message.object = literal(text)
        self.message.alert_type = ALERT.get(kind, "info")
        self.message.visible = bool(text)
        notifications = pn.state.notifications
        if notifications is not None and text:
            getattr(notifications, kind)(literal(text), duration=0 if kind == "error" else 4000)

    def check(self, fn):
        """Check your own backprop ``fn(thetas, X, Y, lam)`` against this session's network
        and training data (engine.check_backprop): the verdict, the graph at the step of the
        first wrong quantity with what differs marked, and the report as a table.  For a
        notebook: it runs ``fn``, your code, here."""
        return CheckView(fn, state=self.state)

    @entry
    def close(self):
        """Release the session: stop clocks and training, drop the history.

        Called when the browser session ends (``pn.state.on_session_destroyed``).
        """
        self.state.playing = False
        self.trainer.cancel()
        self.checker.clear()
        for clock in self.clocks:
            clock.stop()
        self.state.stepper = None
