"""Screenshots of the Class view for the README: the wall on a 1920x1080 projector with thirty drawings.

    python -m app.class_preview --out assets/screenshots

Thirty simulated students join the real server on 127.0.0.1 and each sends one drawing in a "draw the
digit given" round: real people's digits from UNIPEN ($DIGITPAD_UNIPEN) when it is there, else the
hand-made sketches of model/sketches.py, slanted and sized at random. Runs under SDL_VIDEODRIVER=dummy.
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
        picked = rng.choice(len(writers), size=n, replace=False)
        return [(lambda s: (s.label, s.strokes))(by_writer[writers[i]][rng.integers(len(by_writer[writers[i]]))])
                for i in picked]
    from model.sketches import sketch

    out = []
    for _ in range(n):
        d = int(rng.integers(10))
        out.append((d, sketch(d, size=rng.uniform(0.8, 1.1), shear=rng.uniform(-0.25, 0.25))))
    return out


def post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m app.class_preview", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("class-preview"))
    p.add_argument("--weights", type=Path, default=BUNDLED_WEIGHTS)
    p.add_argument("--students", type=int, default=30)
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
    session = app.class_session
    base = session.url.rstrip("/")
    rng = np.random.default_rng(1)
    names = ["Ana", "", "Tom", "", "", "Mia", "", "Leo", "", "", "Zoe", "", "", "Sam", "", "", "Ivy", "", "",
             "Max", "", "", "Eva", "", "Ben", "", "", "Lia", "", ""]
    tokens = []
    for k in range(args.students):
        tokens.append(post(base + "/api/join", {"code": session.classroom.code,
                                                "nickname": names[k % len(names)]})["token"])
    session.classroom.start_round("given")
    digits = class_digits(200, seed=3)
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
    args.out.mkdir(parents=True, exist_ok=True)
    # The QR code stands for this machine's address; in the picture it shows 127.0.0.1, said as is.
    target = args.out / "class-wall-1920x1080.png"
    pygame.image.save(app.screen, str(target))
    print(f"wrote {target}")
    app.quit()
    pygame.quit()


if __name__ == "__main__":
    main()
