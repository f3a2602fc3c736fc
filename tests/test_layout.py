"""The rooms of the code and what each may import (README, "Layout"):

    engine  ←  explorer's model (no Panel)  ←  explorer's views  ←  the app

Checked on the source, so a change that crosses a wall fails here first.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = {"state", "budget", "files", "links", "trainer", "training_pool", "checker", "graph", "plane",
         "equations", "literal", "lazy", "status", "tapes", "presenter", "notation", "quiz", "lesson"}
APP = {"app_layout", "page", "dashboard", "app", "cli", "serving", "collection", "bokeh_cost", "classroom",
       "deploy"}
VIEWS = {p.stem for p in (ROOT / "explorer").glob("*.py")} - MODEL - APP - {"__init__"}


def imports(path):
    """(module, names) of every import in the file: relative ones as "explorer.x"."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = path.parent.relative_to(ROOT).parts
                base = ".".join(package[:len(package) - node.level + 1] + ((base,) if base else ()))
            out.append((base, [a.name for a in node.names]))
    return out


def top(module):
    return module.split(".")[0]


@pytest.mark.parametrize("path", sorted((ROOT / "engine").rglob("*.py")), ids=lambda p: p.name)
def test_the_engine_imports_no_ui_and_nothing_of_the_explorer(path):
    for module, _ in imports(path):
        assert top(module) not in {"panel", "bokeh", "param", "tornado", "explorer"}, module


@pytest.mark.parametrize("name", sorted(MODEL))
def test_the_explorers_model_imports_no_panel_and_no_view(name):
    for module, names in imports(ROOT / "explorer" / f"{name}.py"):
        assert top(module) not in {"panel", "tornado"}, module
        assert not module.startswith("bokeh") or module == "bokeh.palettes", module  # colours only
        inner = module.split(".")[1] if module.startswith("explorer.") else None
        if module == "explorer":
            inner = names[0]
        assert inner is None or inner in MODEL, f"{name} imports the view or app module {inner}"


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_do_not_import_the_app(name):
    for module, names in imports(ROOT / "explorer" / f"{name}.py"):
        inner = module.split(".")[1] if module.startswith("explorer.") else None
        assert inner not in APP, f"{name} imports {module}"


@pytest.mark.parametrize("path", sorted([*(ROOT / "engine").rglob("*.py"),
                                         *(ROOT / "explorer").glob("*.py")]),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_another_modules_private_names(path):
    for module, names in imports(path):
        if top(module) in {"engine", "explorer"}:
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{path.name} imports {private} from {module}"


def test_every_module_is_in_a_room():
    assert VIEWS == {"addressbar", "player", "entry", "live_html", "colour_bars", "features_view",
                     "files_view", "gradcheck_view", "graph_view", "keyboard", "matrix_view", "plane_view",
                     "settings_view", "status_view", "training_view", "weight_editor", "quiz_view", "lesson_view",
                     "export", "check_view"}
