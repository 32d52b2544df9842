"""A class under load: simulated students send drawings to the real app's class server; prints the figures.

    nice -n 19 python benchmarks/bench_class.py                     # 40 students, one drawing each 2 s, 5 minutes
    nice -n 19 python benchmarks/bench_class.py --minutes 0.5       # a quick look

The app runs for real in this process: its pygame loop at 60 frames a second under the dummy video
driver, the Class view open, its server on 127.0.0.1 (never another address). Students are asyncio
tasks with aiohttp's client in a thread of their own: each joins with the code, then sends a drawing
of the digit asked for every 2 s (offsets spread over the 2 s), resending with the same id after a
failure, as the student page does. Printed at the end:

* lost: drawings acknowledged to a phone but missing from the wall or the data set;
* duplicated: a drawing id found twice on the wall or in the data set;
* send to wall: from the phone starting its request to the first frame that showed the drawing (p50, p99);
* frames: time of the app's step() (events, reading, painting the wall) while the class sends (p50, p99),
  on the clock and in CPU time of the app's thread (what the frame cost, whatever else the machine ran);
* send to wall minute by minute: whether it grows as the lesson's drawings pile up;
* the app's CPU time per drawing (all its threads: serving, checking, reading, saving, the wall);
* the machine's load average before and after, since the machine is shared.

A benchmark, not a test: nothing here asserts, it reports.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def pad(digit: int, rng: np.random.Generator) -> list:
    from model.sketches import sketch

    strokes = sketch(digit, size=rng.uniform(0.6, 0.9), shear=rng.uniform(-0.2, 0.2))
    shift = rng.uniform(-0.05, 0.05, 2)
    return [np.clip(s + shift, 0, 1).round(4).tolist() for s in strokes]


async def student(http, base: str, code: str, k: int, every: float, t_end: float, log: dict, rng) -> None:
    import aiohttp

    async with http.post(base + "/api/join", json={"code": code}) as r:
        joined = await r.json()
    token, prompt = joined["token"], None
    await asyncio.sleep(k * every / 40 % every)
    n = 0
    while time.perf_counter() < t_end:
        due = time.perf_counter() + every
        n += 1
        sent_id = f"{k:04x}{n:08x}"
        if prompt is None:
            async with http.post(base + "/api/state", json={"token": token}) as r:
                prompt = (await r.json()).get("prompt")
        body = {"token": token, "id": sent_id, "strokes": pad(prompt if prompt is not None else n % 10, rng),
                "label": prompt}
        started = time.perf_counter()
        for _attempt in range(20):
            try:
                async with http.post(base + "/api/drawing", json=body) as r:
                    reply = await r.json()
                    status = r.status
            except (aiohttp.ClientError, asyncio.TimeoutError):
                log["retries"] += 1
                await asyncio.sleep(0.5)
                continue
            if status == 429:
                log["slowed"] += 1
                await asyncio.sleep(1.0)
                continue
            break
        else:
            log["gave_up"] += 1
            continue
        if status == 200:
            log["acked"][sent_id] = (started, reply["drawing"]["id"], time.perf_counter())
            prompt = reply.get("prompt")
        else:
            log["refused"].append((status, reply.get("error")))
            prompt = None
        await asyncio.sleep(max(due - time.perf_counter(), 0))


def students(base: str, code: str, count: int, every: float, seconds: float, log: dict) -> None:
    import aiohttp

    async def main() -> None:
        rng = np.random.default_rng(0)
        t_end = time.perf_counter() + seconds
        limits = aiohttp.TCPConnector(limit=count + 4)
        async with aiohttp.ClientSession(connector=limits, timeout=aiohttp.ClientTimeout(total=10)) as http:
            await asyncio.gather(*(student(http, base, code, k, every, t_end, log, rng) for k in range(count)))

    asyncio.run(main())


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=40)
    p.add_argument("--every", type=float, default=2.0, help="seconds between one student's drawings")
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--size", default="1920x1080")
    p.add_argument("--every-frame", action="store_true",
                   help="draw 60 frames a second whatever happens (the worst case); default: the app's own "
                        "loop, which draws a frame when something changed (a drawing arrived)")
    args = p.parse_args()
    if not 1 <= args.students <= 200:
        p.error("--students: 1 to 200 (the class server's limit)")

    import pygame

    from app.app import App
    from app.loop import IDLE_WAIT_MS, _wait_for_event
    from app.panels import CLASS
    from model.config import BUNDLED_WEIGHTS
    from model.jsonl import read_jsonl
    from model.recognise import Recogniser

    os.environ["DIGITPAD_HOME"] = tempfile.mkdtemp(prefix="digitpad-bench-class-")
    w, h = (int(v) for v in args.size.split("x"))
    load_before = os.getloadavg()
    app = App(Recogniser.from_file(BUNDLED_WEIGHTS), classroom=True, size=(w, h), fullscreen=False,
              host="127.0.0.1", port=0)
    app.show_view(CLASS)
    session = app.panels[CLASS].session
    classroom = session.classroom
    classroom.start_round("given")
    panel = app.panels[CLASS]
    log: dict = {"acked": {}, "retries": 0, "slowed": 0, "gave_up": 0, "refused": []}
    seconds = args.minutes * 60
    crowd = threading.Thread(target=students, args=(session.url.rstrip("/"), classroom.code, args.students,
                                                    args.every, seconds, log), daemon=True)
    loop = "every frame drawn" if args.every_frame else "the app loop"
    print(f"{args.students} students, one drawing each {args.every:g} s, {args.minutes:g} min, window {w}x{h}, "
          f"{loop}, load before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    frames: list[float] = []
    frames_cpu: list[float] = []
    clock = pygame.time.Clock()
    cpu0 = time.process_time()
    crowd.start()
    t0 = time.perf_counter()
    while crowd.is_alive() or time.perf_counter() - t0 < 2:
        # As App.run does: when nothing is going on, wait for an event (a drawing arriving posts one)
        # and draw no frame unless the screen would change; --every-frame draws all 60.
        if not args.every_frame and app._idle():
            event = _wait_for_event(IDLE_WAIT_MS)
            if event.type != pygame.NOEVENT:
                app.handle(event)
            if not app._needs_frame():
                continue
        start, start_cpu = time.perf_counter(), time.thread_time()
        app.step()
        frames.append(time.perf_counter() - start)
        frames_cpu.append(time.thread_time() - start_cpu)
        clock.tick(60)
        if len(frames) % 600 == 0 and frames:
            print(f"  {time.perf_counter() - t0:5.0f} s: {len(log['acked'])} acknowledged", flush=True)
    for _ in range(10):  # the last frames show the last drawings
        app.step()
    cpu = time.process_time() - cpu0  # includes the simulated students' thread: an upper bound
    load_after = os.getloadavg()

    acked = log["acked"]
    wall = classroom.wall()
    on_wall = [e.sent_id for e in wall]
    rows = read_jsonl(session.samples_file, policy="strict")
    in_file = [r.extra["sent_id"] for r in rows]
    lost_wall = [i for i in acked if i not in set(on_wall)]
    lost_file = [i for i in acked if i not in set(in_file)]
    dup_wall = len(on_wall) - len(set(on_wall))
    dup_file = len(in_file) - len(set(in_file))
    to_wall = [panel.seen[entry] - started for started, entry, _ in acked.values() if entry in panel.seen]
    replies = [done - started for started, _, done in acked.values()]
    ms = 1000
    print(f"drawings acknowledged {len(acked)}; on the wall {len(on_wall)}; in the data set {len(in_file)}")
    print(f"lost: {len(lost_wall)} from the wall, {len(lost_file)} from the data set; "
          f"duplicated: {dup_wall} on the wall, {dup_file} in the data set")
    print(f"retries {log['retries']}, slowed down (429) {log['slowed']}, gave up {log['gave_up']}, "
          f"refused {len(log['refused'])} {log['refused'][:3]}")
    print(f"send to reply: p50 {pct(replies, 50) * ms:.1f} ms, p99 {pct(replies, 99) * ms:.1f} ms")
    print(f"send to wall:  p50 {pct(to_wall, 50) * ms:.1f} ms, p99 {pct(to_wall, 99) * ms:.1f} ms, "
          f"max {max(to_wall, default=float('nan')) * ms:.1f} ms ({len(to_wall)} drawings)")
    print(f"frames: {len(frames)}, p50 {pct(frames, 50) * ms:.2f} ms, p99 {pct(frames, 99) * ms:.2f} ms, "
          f"max {max(frames) * ms:.1f} ms on the clock; CPU time p50 {pct(frames_cpu, 50) * ms:.2f} ms, "
          f"p99 {pct(frames_cpu, 99) * ms:.2f} ms")
    by_minute: dict[int, list[float]] = {}
    for (started, entry, _) in acked.values():
        if entry in panel.seen:
            by_minute.setdefault(int((started - t0) // 60), []).append(panel.seen[entry] - started)
    print("send to wall by minute: " + ", ".join(
        f"{m + 1}: p50 {pct(v, 50) * ms:.0f} / p99 {pct(v, 99) * ms:.0f} ms" for m, v in sorted(by_minute.items())))
    print(f"CPU time of this process {cpu:.1f} s: {cpu / max(len(acked), 1) * ms:.1f} ms per drawing "
          f"(app and simulated students together)")
    print(f"load average after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} "
          f"on {os.cpu_count()} cores")
    app.quit()
    pygame.quit()


if __name__ == "__main__":
    main()
