"""Screenshots of the Class view for the README: a phone's page and the wall with thirty drawings.

    python -m app.class_preview --out assets/screenshots

The app runs for real under SDL_VIDEODRIVER=dummy at 1920x1080 (classroom look), its server on
127.0.0.1. First a phone (Debian's Chromium at 390x844 with touch, through selenium: the test extra)
joins, draws a digit with its finger in a free round and sends it: `class-phone.png` is what it
shows. Then thirty students join and each sends one drawing in a "draw the digit given" round: real
people's digits from UNIPEN ($DIGITPAD_UNIPEN) when it is there, else the hand-made sketches of
model/sketches.py: `class-wall-1920x1080.png` is the projector. tests/test_class_browser.py uses the
same browser helpers.
"""

from __future__ import annotations

import argparse
import json
import os
import urllib.request
from pathlib import Path

import numpy as np

from model.config import BUNDLED_WEIGHTS


def pad_strokes(strokes: list[np.ndarray], rng: np.random.Generator) -> list[list[list[float]]]:
    """Strokes in any units, fitted into the pad (0..1) as a phone user would draw: centred, ~70% tall."""
    pts = np.concatenate(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    scale = rng.uniform(0.55, 0.8) / max(float((hi - lo).max()), 1e-6)
    centre = (lo + hi) / 2
    offset = np.array([0.5, 0.5]) + rng.uniform(-0.06, 0.06, 2)
    return [np.clip((s - centre) * scale + offset, 0, 1).round(4).tolist() for s in strokes]


def class_digits(n: int, seed: int = 0):
    """n (label, strokes) pairs from n different UNIPEN writers, or from the sketches without it."""
    rng = np.random.default_rng(seed)
    folder = os.environ.get("DIGITPAD_UNIPEN")
    path = Path(folder) / "unipen1a-digits.jsonl.gz" if folder else None
    if path is not None and path.is_file():
        from model.jsonl import read_jsonl

        samples = read_jsonl(path)
        by_writer: dict[str, list] = {}
        for s in samples:
            by_writer.setdefault(s.writer, []).append(s)
        writers = sorted(by_writer)
        picked = rng.choice(len(writers), size=n, replace=n > len(writers))  # different people where possible
        return [(lambda s: (s.label, s.strokes))(by_writer[writers[i]][rng.integers(len(by_writer[writers[i]]))])
                for i in picked]
    from model.sketches import sketch

    out = []
    for _ in range(n):
        d = int(rng.integers(10))
        out.append((d, sketch(d, size=rng.uniform(0.8, 1.1), shear=rng.uniform(-0.25, 0.25))))
    return out


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PHONE = (390, 844)  # CSS pixels: a small phone in portrait
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")


def chromium(size: tuple[int, int] = PHONE, touch: bool = True, binary: str = CHROMIUM,
             driver: str = CHROMEDRIVER):
    """Headless Chromium with a fresh profile, as a phone (touch, mobile metrics) or a laptop window."""
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='digitpad-chromium-')}"):
        opts.add_argument(flag)
    if touch:
        opts.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": size[0], "height": size[1], "pixelRatio": 2.0, "touch": True},
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Mobile Safari/537.36"})
    else:
        opts.add_argument(f"--window-size={size[0]},{size[1]}")
    browser = webdriver.Chrome(options=opts, service=Service(driver))
    browser.set_page_load_timeout(20)
    return browser


def draw(browser, strokes: list, pointer: str = "touch") -> None:
    """Draw strokes (0..1 of the pad) on the page's pad with a finger (touch) or the mouse: W3C actions."""
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    from selenium.webdriver.common.by import By

    pad = browser.find_element(By.ID, "pad")
    r = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width];",
                               pad)
    kind = interaction.POINTER_TOUCH if pointer == "touch" else interaction.POINTER_MOUSE
    builder = ActionBuilder(browser, mouse=PointerInput(kind, pointer))
    for stroke in strokes:
        pts = [(round(r[0] + x * r[2]), round(r[1] + y * r[2])) for x, y in stroke]
        builder.pointer_action.move_to_location(*pts[0])
        builder.pointer_action.pointer_down()
        for p in pts[1::2]:
            builder.pointer_action.move_to_location(*p)
        builder.pointer_action.pointer_up()
    builder.perform()


def phone_screenshot(app, target: Path, strokes: list) -> None:
    """A phone joins, draws `strokes` with a finger in the running free round, sends; saves its screen.
    The app's loop runs in this thread meanwhile (the browser works in another)."""
    import threading
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from app.panels import CLASS

    session = app.panels[CLASS].session
    errors: list[BaseException] = []

    def phone() -> None:
        browser = chromium()
        try:
            browser.get(session.join_url())
            wait = WebDriverWait(browser, 15)
            wait.until(ec.visibility_of_element_located((By.ID, "nickname"))).send_keys("Ana")
            browser.find_element(By.ID, "join-button").click()
            wait.until(ec.visibility_of_element_located((By.ID, "pad")))
            draw(browser, strokes)
            browser.find_element(By.ID, "send").click()
            # The answer, beside the drawing just sent (shown faded until the next stroke).
            wait.until(lambda d: d.find_element(By.ID, "answer").text.startswith("The network reads"))
            browser.save_screenshot(str(target))
        except BaseException as e:  # noqa: BLE001 - reported by the caller's thread
            errors.append(e)
        finally:
            browser.quit()

    t = threading.Thread(target=phone)
    t.start()
    while t.is_alive():
        app.step()
        time.sleep(0.01)
    if errors:
        raise errors[0]


def post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m app.class_preview", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("class-preview"))
    p.add_argument("--weights", type=Path, default=BUNDLED_WEIGHTS)
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--no-phone", action="store_true", help="only the wall (no Chromium needed)")
    args = p.parse_args()
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import tempfile

    import pygame

    from app.app import App
    from app.panels import CLASS
    from model.recognise import Recogniser

    os.environ["DIGITPAD_HOME"] = tempfile.mkdtemp(prefix="digitpad-class-preview-")
    app = App(Recogniser.from_file(args.weights), classroom=True, size=(1920, 1080), fullscreen=False,
              host="127.0.0.1", port=0)
    app.show_view(CLASS)
    session = app.panels[CLASS].session
    base = session.url.rstrip("/")
    rng = np.random.default_rng(1)
    args.out.mkdir(parents=True, exist_ok=True)
    digits = class_digits(200, seed=3)
    if not args.no_phone:
        session.classroom.start_round("free")
        phone = args.out / "class-phone.png"
        seven = next(s for label, s in digits if label == 7)
        phone_screenshot(app, phone, pad_strokes(seven, rng))
        print(f"wrote {phone}")
    names = ["Ana", "", "Tom", "", "", "Mia", "", "Leo", "", "", "Zoe", "", "", "Sam", "", "", "Ivy", "", "",
             "Max", "", "", "Eva", "", "Ben", "", "", "Lia", "", ""]
    tokens = []
    for k in range(args.students - (0 if args.no_phone else 1)):  # the phone above is one of them
        tokens.append(post(base + "/api/join", {"code": session.classroom.code,
                                                "nickname": names[k % len(names)]})["token"])
    session.classroom.start_round("given")
    tokens += [t.token for t in session.classroom.students.values() if t.token not in tokens]
    by_label: dict[int, list] = {}
    for label, strokes in digits:
        by_label.setdefault(label, []).append(strokes)
    for k, token in enumerate(tokens):
        state = post(base + "/api/state", {"token": token})
        want = state["prompt"]
        pool = by_label.get(want) or [s for _, s in digits]
        strokes = pool[k % len(pool)]
        post(base + "/api/drawing", {"token": token, "id": f"{k:012x}", "strokes": pad_strokes(strokes, rng),
                                     "label": want})
    for _ in range(3):
        app.step()
    # The QR code stands for this machine's address; in the picture it shows 127.0.0.1, said as is.
    target = args.out / "class-wall-1920x1080.png"
    pygame.image.save(app.screen, str(target))
    print(f"wrote {target}")
    app.quit()
    pygame.quit()


if __name__ == "__main__":
    main()
