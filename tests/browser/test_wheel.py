"""The wheel works outside the checkout: built, installed in a fresh virtual
environment (not editable), served from a folder that is not the repository,
and opened in Chromium with the digits preset and the app's CSS."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import artifact_path, bokeh_data
from test_explorer import open_app

from engine import presets
from harness.browser import REPO_ROOT, free_port, served

pytestmark = pytest.mark.slow  # builds a wheel and a virtual environment (about 30 s)


def source_files():
    """The working tree as git sees it: tracked and new files, nothing ignored."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                         cwd=REPO_ROOT, check=True, capture_output=True).stdout
    return [name for name in out.decode().split("\0") if name and (REPO_ROOT / name).is_file()]


def run(*args, **kwargs):
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# Session-scoped: pytest runs the browser tests grouped by browser, so a module-scoped
# fixture would be built twice when another module's browser test runs in between.
@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """A fresh venv with the wheel installed; yields its bin directory."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    for name in source_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, src / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", str(tmp / "dist"), str(src))
    wheel, = (tmp / "dist").glob("backprop_explorer-*.whl")
    shutil.rmtree(src)  # nothing of the source is left to fall back on
    run(sys.executable, "-m", "venv", str(tmp / "venv"))
    bin_dir = tmp / "venv" / "bin"
    run(str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel))
    yield bin_dir, tmp


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_the_installed_packages_and_data_come_from_the_new_environment(installed):
    bin_dir, tmp = installed
    out = run(str(bin_dir / "python"), "-c",
              "import engine, explorer, engine.presets as p; print(engine.__file__); "
              "print(explorer.__file__); print(p.DIGITS_PATH); print(p.load('digits').X.shape); "
              "from explorer import lesson; print(lesson.builtin_names()); "
              "print(len(lesson.builtin('notes').chapters))",
              cwd=tmp, env=clean_env())
    engine_file, explorer_file, digits, shape, lessons, chapters = out.splitlines()
    assert "notes" in lessons and int(chapters) >= 12  # the lessons are in the wheel
    venv = str(tmp / "venv")
    assert engine_file.startswith(venv) and explorer_file.startswith(venv) and digits.startswith(venv)
    assert shape == "(1438, 64)"
    assert not Path(engine_file).is_relative_to(REPO_ROOT)


def test_the_installed_app_serves_the_digits_with_its_css(installed, page):
    bin_dir, tmp = installed
    port = free_port()
    url = f"http://localhost:{port}/app"
    with served([str(bin_dir / "backprop-explorer"), "--port", str(port)], url,
                artifact_path("server-wheel.log"), cwd=tmp, repository_on_path=False):
        open_app(page, url, "digits")
        nodes = bokeh_data(page, "nodes")
        inputs = [u for l, u in zip(nodes["layer"], nodes["unit"]) if l == 1 and u > 0]
        assert len(inputs) == 64
        image = bokeh_data(page, "input_image")
        np.testing.assert_allclose(np.flipud(np.array(image["image"][0])).ravel(),
                                   presets.load("digits").X[0], atol=1e-12)
        # assets/explorer.css is applied: its font and its base size.
        style = page.evaluate("""() => { const s = getComputedStyle(document.documentElement);
            return [s.getPropertyValue('--body-font'), s.getPropertyValue('--type-ramp-base-font-size')] }""")
        assert "DejaVu Sans" in style[0] and style[1].strip() == "16px"
        # The page's own components come with their JavaScript (explorer/js, package data):
        # the player's buttons step in the page, and the colour bars are drawn.
        page.get_by_role("button", name="Next step", exact=True).click()
        page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('nodes')"
                               ".data.a.some((a, k, all) => !Number.isNaN(a) && "
                               "Bokeh.documents[0].get_model_by_name('nodes').data.layer[k] === 2)")
        page.locator(".colour-bar[data-scale=delta_scale]").wait_for()
