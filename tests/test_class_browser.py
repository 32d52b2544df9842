"""A real browser on the student page: Debian's Chromium, driven by selenium through chromedriver.

The app runs for real in this process (pygame loop under the dummy driver, its server on 127.0.0.1);
the browser, at a phone's size with touch, joins with the code, draws with touch and with the mouse,
and sends; the drawing must arrive on the app's wall. Skipped, saying why, where no Chromium is
installed (.ci/run installs it, so CI always runs it).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from app.app import App
from app.class_preview import CHROMEDRIVER, CHROMIUM, chromium, draw
from app.panels import CLASS
from model.classroom import FREE, GIVEN
from model.jsonl import read_jsonl
from model.recognise import Recogniser
from model.sketches import sketch

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def pump(app: App, until, seconds: float = 30.0) -> None:
    """Run the app's loop (this thread) until `until()` is true."""
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, "timed out"
        app.step()
        time.sleep(0.01)


def in_browser(app: App, work) -> None:
    """Run `work()` (selenium calls) in a thread while the app's loop runs here; re-raise its error."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as e:  # noqa: BLE001 - handed to the test's thread
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    pump(app, lambda: not t.is_alive(), seconds=120)
    t.join()
    if errors:
        raise errors[0]


@pytest.fixture
def class_app(model_file: Path, home: Path):
    a = App(Recogniser.from_file(model_file), size=(1280, 800), host="127.0.0.1", port=0)
    a.show_view(CLASS)
    a.step()
    yield a
    a.quit()
    pygame.quit()


def test_a_phone_joins_draws_with_a_finger_sends_and_the_drawing_is_on_the_wall(class_app, home):
    session = class_app.panels[CLASS].session
    classroom = session.classroom
    classroom.start_round(GIVEN)
    panel = class_app.panels[CLASS]
    seen: dict = {}

    def phone() -> None:
        driver = chromium()
        try:
            driver.get(session.join_url())  # as the QR code gives it: the code comes filled in
            wait = WebDriverWait(driver, 15)
            code = wait.until(ec.visibility_of_element_located((By.ID, "code")))
            assert code.get_attribute("value") == classroom.code
            driver.find_element(By.ID, "nickname").send_keys("Ana")
            driver.find_element(By.ID, "join-button").click()
            prompt = wait.until(ec.visibility_of_element_located((By.ID, "prompt")))
            wait.until(lambda d: prompt.text.startswith("Draw the digit"))
            digit = int(prompt.text.split()[-1])
            seen["digit"] = digit
            # Pad and buttons fit a small phone's width, and the pad is square.
            size = driver.execute_script(
                "const r = document.getElementById('pad').getBoundingClientRect();"
                "return [r.width, r.height, document.documentElement.scrollWidth, window.innerWidth];")
            assert abs(size[0] - size[1]) < 2 and size[2] <= size[3]
            draw(driver, [np.array([[0.1, 0.1], [0.9, 0.9]])])  # a slip of the finger ...
            driver.find_element(By.ID, "undo").click()  # ... taken back
            draw(driver, sketch(digit, size=0.8))
            assert driver.find_element(By.ID, "pad").get_attribute("data-pointer") == "touch"
            driver.find_element(By.ID, "send").click()
            answer = driver.find_element(By.ID, "answer")
            wait.until(lambda d: answer.text.startswith("Sent!"))
            seen["answer"] = answer.text
            seen["who"] = driver.find_element(By.ID, "who").text
        finally:
            driver.quit()

    in_browser(class_app, phone)
    pump(class_app, lambda: len(panel.tiles) == 1)
    entry = panel.tiles[0][1]
    assert entry.nickname == "Ana" and entry.label == seen["digit"] and entry.student == 1
    assert len(entry.strokes) == len(sketch(seen["digit"]))  # the undone slip is not in it
    assert f"Your {seen['digit']} was read as" in seen["answer"] and seen["who"] == "You are student 1 (Ana)"
    rows = read_jsonl(home / "my-digits.jsonl", policy="strict")
    assert [r.label for r in rows] == [seen["digit"]]


def test_a_laptop_draws_with_the_mouse_in_a_free_round_and_sees_the_networks_answer(class_app):
    session = class_app.panels[CLASS].session
    classroom = session.classroom
    classroom.start_round(FREE)
    panel = class_app.panels[CLASS]
    seen: dict = {}

    def laptop() -> None:
        driver = chromium((1280, 800), touch=False)
        try:
            driver.get(session.url)
            wait = WebDriverWait(driver, 15)
            wait.until(ec.visibility_of_element_located((By.ID, "code"))).send_keys(classroom.code.lower())
            driver.find_element(By.ID, "join-button").click()
            wait.until(ec.visibility_of_element_located((By.ID, "pad")))
            driver.find_element(By.ID, "send").click()  # nothing drawn yet: told so, nothing sent
            assert driver.find_element(By.ID, "answer").text == "Draw something first"
            draw(driver, sketch(7, size=0.8), pointer="mouse")
            assert driver.find_element(By.ID, "pad").get_attribute("data-pointer") == "mouse"
            driver.find_element(By.ID, "send").click()
            answer = driver.find_element(By.ID, "answer")
            wait.until(lambda d: answer.text.startswith("The network reads:"))
            seen["answer"], seen["class"] = answer.text, answer.get_attribute("class")
            # The page keeps its token: a reload is the same student, not a new one.
            driver.refresh()
            wait.until(lambda d: d.find_element(By.ID, "who").text == "You are student 1")
        finally:
            driver.quit()

    in_browser(class_app, laptop)
    pump(class_app, lambda: len(panel.tiles) == 1)
    look = panel.tiles[0][1].look
    words = {"sure": f"{look.top} (sure)", "unsure": f"{look.top}, not sure (or {look.runner_up})",
             "not-digit": "not a digit"}[look.kind]
    assert seen["answer"] == f"The network reads: {words}" and look.kind in seen["class"]
    assert classroom.joined == 1
