"""QuizBox: predict first, then reveal, in the page (README "Teaching with it").

With ``ExplorerState.quiz`` on, each frame of the step tape carries the question
``quiz.question`` draws from that step's numbers.  The player holds the step
back and hands the question to this box; the student answers, presses
"Reveal", the box marks the answer with a one-line reason and counts the score
(this iteration, and in all), and the player shows the step.  All of it happens
in the page (js/quiz.js): no round trip between a question and its answer.
"""
from __future__ import annotations

from pathlib import Path

import panel as pn
import param
from panel.viewable import Viewer

from .presenter import sizes
from .state import ExplorerState


class QuizBox(pn.custom.JSComponent):
    _esm = Path(__file__).parent / "js" / "quiz.js"

    _stylesheets = ["""
    .quiz { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 14px;
            padding: 6px 12px; border-left: 5px solid #ffd92f; background: #fffbe6; }
    .quiz.asking { border-left-color: #2166ac; background: #eef4fb; }
    .quiz-question { flex: 1 1 100%; font-weight: 600; }
    .quiz-answers { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
    .quiz-answers button { font-size: inherit; padding: 2px 14px; min-height: 2em; }
    .quiz-answers button.chosen { box-shadow: 0 0 0 3px #ffd92f !important;
                                  background: #0b3d91 !important; color: white !important; }
    .quiz-answers button:disabled { opacity: 0.45; cursor: not-allowed; }
    .quiz-answers input { font-size: inherit; width: 8em; padding: 2px 6px; }
    .quiz-result .right { color: #1a7f37; }
    .quiz-result .wrong { color: #b35806; }
    .quiz-score { margin-left: auto; color: #444444; }
    """]


class QuizView(Viewer):
    """The quiz box, shown while predict-first is on."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.box = QuizBox(sizing_mode="stretch_width", margin=(0, 10))
        self.state.param.watch(self._sync, ["quiz", "present"])
        self._sync()

    def __panel__(self):
        return self.box

    def _sync(self, *events):
        s = self.state
        self.box.param.update(visible=s.quiz, min_height=int(66 * sizes(s.present).text),
                              styles={"font-size": f"{int(17 * sizes(s.present).text)}px"})
