"""KeyboardShortcuts in a real browser: → ← Space R reach Python; text fields and modifiers don't."""
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from conftest import artifact_path, serve_script

APP = "tests/browser/apps/keyboard_app.py"
LISTENING = '[data-keyboard-shortcuts="listening"]'


@pytest.fixture(scope="module")
def keyboard_app():
    with serve_script(APP) as url:
        yield url


@pytest.fixture
def app_page(page, keyboard_app):
    """The keyboard app, loaded with every non-localhost request blocked and recorded."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(keyboard_app))
    external, errors = [], []

    def only_local(route):
        if route.request.url.startswith((origin, "data:", "blob:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(keyboard_app)
    try:
        page.locator(LISTENING).wait_for(state="attached", timeout=20000)
    except Exception:
        page.screenshot(path=artifact_path("keyboard-not-listening.png"))
        raise
    yield page
    assert external == [], f"the app requested non-local URLs: {external}"
    assert errors == [], f"JavaScript errors: {errors}"


def status(page):
    return page.locator("pre", has_text="presses=")


def test_keys_reach_python(app_page):
    page = app_page
    expect(status(page)).to_have_text("next=0 previous=0 play=0 reset=0 presses=0 last=- clicks=0")
    page.keyboard.press("ArrowRight")
    expect(status(page)).to_contain_text("next=1 previous=0 play=0 reset=0 presses=1 last=next")
    page.keyboard.press("ArrowLeft")
    expect(status(page)).to_contain_text("next=1 previous=1 play=0 reset=0 presses=2 last=previous")
    page.keyboard.press("Space")
    expect(status(page)).to_contain_text("next=1 previous=1 play=1 reset=0 presses=3 last=play")
    page.keyboard.press("r")
    expect(status(page)).to_contain_text("next=1 previous=1 play=1 reset=1 presses=4 last=reset")
    page.keyboard.press("Shift+R")
    expect(status(page)).to_contain_text("reset=2 presses=5 last=reset")
    # the same key twice still counts twice
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(status(page)).to_contain_text("next=3 previous=1 play=1 reset=2 presses=7 last=next")


def test_modifier_keys_are_ignored(app_page):
    page = app_page
    for combo in ("Control+ArrowRight", "Alt+ArrowLeft", "Meta+ArrowRight", "Control+Space"):
        page.keyboard.press(combo)
    # Messages arrive in order, so once this press shows, the ones above were dropped.
    page.keyboard.press("ArrowLeft")
    expect(status(page)).to_contain_text("next=0 previous=1 play=0 reset=0 presses=1 last=previous")


def test_typing_in_a_text_input_is_not_a_shortcut(app_page):
    page = app_page
    field = page.get_by_placeholder("type here")
    field.click()
    field.press_sequentially("r R")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    expect(field).to_have_value("r R")
    field.blur()
    page.keyboard.press("r")
    expect(status(page)).to_contain_text("next=0 previous=0 play=0 reset=1 presses=1 last=reset")


def test_space_on_a_focused_button_plays_instead_of_clicking(app_page):
    page = app_page
    button = page.get_by_role("button", name="Count clicks")
    button.click()
    expect(status(page)).to_contain_text("clicks=1")
    button.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    expect(status(page)).to_contain_text("next=1 previous=0 play=1 reset=0 presses=2 last=next clicks=1")
    expect(button).to_be_focused()


def test_listener_is_removed_with_the_component(app_page):
    page = app_page
    # Count what the component sends, in the browser: once the component is
    # removed, Python ignores messages from it anyway, so only this shows
    # that the document listener is gone.
    page.evaluate("""() => {
        const model = Bokeh.documents[0].get_model_by_name("KeyboardShortcuts")
        const trigger = model.trigger_event.bind(model)
        window.__keyboard_sent = 0
        model.trigger_event = (event) => { window.__keyboard_sent += 1; trigger(event) }
    }""")
    page.keyboard.press("ArrowRight")
    expect(status(page)).to_contain_text("next=1 ")
    assert page.evaluate("window.__keyboard_sent") == 1
    page.get_by_role("button", name="Remove shortcuts").click()
    expect(page.locator(LISTENING)).to_have_count(0)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("r")
    page.keyboard.press("Space")
    page.get_by_role("button", name="Count clicks").click()
    expect(status(page)).to_contain_text("next=1 previous=0 play=0 reset=0 presses=1 last=next clicks=1")
    assert page.evaluate("window.__keyboard_sent") == 1
