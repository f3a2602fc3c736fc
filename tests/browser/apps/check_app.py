"""Explorer(preset="debug").check(fn) as a notebook shows it, served for a browser test
(tests/browser/test_check_page.py): the example's deliberately
wrong backprop, returning every intermediate value."""
import sys
from pathlib import Path

import panel as pn

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))
import ex4_student  # noqa: E402

from explorer.app_layout import Explorer  # noqa: E402
from explorer.dashboard import extension  # noqa: E402

extension()
pn.panel(Explorer(preset="debug").check(ex4_student.backprop_steps)).servable()
