"""The class server for real: aiohttp listening on 127.0.0.1, spoken to over sockets and HTTP.

Bad input and mischief get a 4xx and change nothing; a phone that drops off and comes back, and a
server restarted mid-round, lose and duplicate nothing; the data set stays valid JSON lines.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app
from app.class_server import ClassServer
from model import classroom as cr
from model.classroom import FREE, GIVEN, Classroom, Look
from model.jsonl import read_jsonl

ONE = [[[0.2, 0.1], [0.5, 0.9]]]


def call(base: str, path: str, body: object = None, raw: bytes | None = None, method: str | None = None,
         headers: dict | None = None) -> tuple[int, dict, dict]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, _json(r.read()), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, _json(e.read()), dict(e.headers)


def _json(data: bytes) -> dict:
    try:
        return json.loads(data)
    except ValueError:
        return {"raw": data[:100]}


class Running:
    def __init__(self, home: Path, port: int = 0) -> None:
        self.samples = home / "my-digits.jsonl"
        self.classroom = Classroom(lambda s: Look("sure", 3, 8, 0.9),
                                   save=lambda e, s: cr.save_entry(self.samples, e, s), code="ACDE")
        self.server = ClassServer(self.classroom, "127.0.0.1", port)
        assert self.server.start() is None
        self.base = f"http://127.0.0.1:{self.server.port}"

    def join(self, nickname: str = "") -> str:
        status, body, _ = call(self.base, "/api/join", {"code": "ACDE", "nickname": nickname})
        assert status == 200, body
        return body["token"]


@pytest.fixture
def running(tmp_path: Path):
    r = Running(tmp_path / "home")
    yield r
    r.server.stop()


def test_the_page_and_its_files_come_from_the_app_with_strict_headers(running):
    for path, kind in (("/", "text/html"), ("/pad.js", "javascript"), ("/pad.css", "text/css")):
        with urllib.request.urlopen(running.base + path) as r:
            text = r.read().decode()
            assert r.status == 200 and kind in r.headers["Content-Type"]
            assert "default-src 'self'" in r.headers["Content-Security-Policy"]
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert "http://" not in text and "https://" not in text  # no CDN, nothing from outside
    html = urllib.request.urlopen(running.base + "/").read().decode()
    assert '<script src="/pad.js">' in html and "<script>" not in html  # no inline script: CSP holds


@pytest.mark.parametrize("path", ["/../../etc/passwd", "/static/pad.js", "/app.py", "/pad.js%00", "/%2e%2e/app.py",
                                  "/index.html", "/api/../pad.js/..", "//etc/passwd"])
def test_no_client_path_reaches_a_file(running, path):
    s = socket.create_connection(("127.0.0.1", running.server.port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    reply = b""
    while chunk := s.recv(65536):
        reply += chunk
    s.close()
    status = int(reply.split()[1])
    body = reply.split(b"\r\n\r\n", 1)[1]
    ours = {(Path(app.__file__).parent / "static" / name).read_bytes() for name in ("index.html", "pad.js", "pad.css")}
    # aiohttp resolves dot segments before routing: what reaches us is 404, or one of our three files.
    assert status == 404 or (status == 200 and body in ours), reply[:200]
    assert b"root:" not in reply


BAD_REQUESTS = [
    # (what, method, path, body bytes, expected status)
    ("join with GET", "GET", "/api/join", None, 405),
    ("unknown endpoint", "POST", "/api/admin", b"{}", 404),
    ("not JSON", "POST", "/api/join", b"code=ACDE", 400),
    ("JSON but a list", "POST", "/api/join", b'["ACDE"]', 400),
    ("NaN in JSON", "POST", "/api/join", b'{"code": NaN}', 400),
    ("not UTF-8", "POST", "/api/join", b'{"code": "\xff"}', 400),
    ("deep nesting", "POST", "/api/join", b"[" * 50_000, 400),
    ("body over 64 KiB", "POST", "/api/join", b'{"code": "' + b"A" * 70_000 + b'"}', 413),
    ("code not text", "POST", "/api/join", b'{"code": 1234}', 400),
    ("code far too long", "POST", "/api/join", b'{"code": "' + b"A" * 40 + b'"}', 400),
    ("wrong code", "POST", "/api/join", b'{"code": "ZZZZ"}', 403),
    ("markup nickname", "POST", "/api/join", b'{"code": "ACDE", "nickname": "<img src=x onerror=alert(1)>"}', 400),
    ("state without token", "POST", "/api/state", b"{}", 401),
    ("state with a made-up token", "POST", "/api/state", b'{"token": "AAAAAAAAAAAAAAAAAAAAAAAA"}', 401),
    ("drawing without token", "POST", "/api/drawing", b'{"strokes": [[[0.1, 0.1]]], "id": "00000001"}', 401),
]


@pytest.mark.parametrize("what, method, path, body, status", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_requests_get_a_clear_4xx_and_change_nothing(running, what, method, path, body, status):
    running.classroom.start_round(GIVEN)
    version = running.classroom.version
    got, reply, headers = call(running.base, path, raw=body, method=method)
    assert got == status, (what, reply)
    assert isinstance(reply.get("error"), str) and reply["error"]  # a sentence, for the page to show
    assert "application/json" in headers["Content-Type"]
    assert running.classroom.version == version and running.classroom.joined == 0
    assert not running.samples.exists()


@pytest.mark.parametrize("strokes", [[[[0.1, 2.0]]], [[[0.1, "x"]]], [[[0.5, 0.5]]] * 31, [], "strokes",
                                     [[[0.5, 0.5]] * 1001], [[[0.1, 1e999]]]])
def test_bad_drawings_from_a_joined_student_are_refused(running, strokes):
    token = running.join()
    running.classroom.start_round(FREE)
    raw = json.dumps({"token": token, "id": "00000001", "strokes": strokes}).encode().replace(b"Infinity", b"1e999")
    status, reply, _ = call(running.base, "/api/drawing", raw=raw)
    assert status == 400, reply
    assert running.classroom.entries == [] and not (running.samples.parent / cr.FREE_FILE).exists()


def test_wrong_codes_are_slowed_down_per_device(running):
    statuses = [call(running.base, "/api/join", {"code": "ZZZZ"})[0] for _ in range(14)]
    assert statuses[:10] == [403] * 10 and statuses[10:] == [429] * 4
    status, reply, headers = call(running.base, "/api/join", {"code": "ACDE"})
    assert status == 429 and "Retry-After" in headers  # even the right code waits: no guessing at speed


def test_one_student_sending_too_fast_is_slowed_down_and_nothing_is_lost(running):
    token = running.join()
    running.classroom.start_round(FREE)
    got = [call(running.base, "/api/drawing", {"token": token, "id": f"{k:08x}", "strokes": ONE})[0]
           for k in range(12)]
    assert got.count(200) >= 8 and 429 in got
    assert len(running.classroom.entries) == got.count(200)  # every acknowledged drawing, none other
    lines = (running.samples.parent / cr.FREE_FILE).read_text().splitlines()
    assert len(lines) == got.count(200)


def test_a_phone_that_drops_mid_send_resends_without_duplicates(running):
    token = running.join()
    running.classroom.start_round(GIVEN)
    body = json.dumps({"token": token, "id": "feedface", "strokes": ONE}).encode()
    s = socket.create_connection(("127.0.0.1", running.server.port))
    s.sendall(b"POST /api/drawing HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    s.close()  # the phone went into a tunnel before the answer came
    deadline = time.monotonic() + 5
    while not running.classroom.entries and time.monotonic() < deadline:
        time.sleep(0.02)
    status, reply, _ = call(running.base, "/api/drawing", raw=body)  # back online: the outbox sends again
    assert status == 200 and reply["drawing"]["id"] == 1
    assert len(running.classroom.entries) == 1 and len(read_jsonl(running.samples, policy="strict")) == 1


def test_a_server_restarted_mid_round_keeps_the_class(tmp_path):
    r = Running(tmp_path / "home")
    token = r.join("Ana")
    r.classroom.start_round(GIVEN)
    first = call(r.base, "/api/drawing", {"token": token, "id": "00000001", "strokes": ONE})
    port = r.server.port
    r.server.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()  # really stopped
    r.server = ClassServer(r.classroom, "127.0.0.1", port)
    assert r.server.start() is None
    try:
        again = call(r.base, "/api/drawing", {"token": token, "id": "00000001", "strokes": ONE})
        assert again[1] == first[1]  # the resend after the restart is recognised
        state = call(r.base, "/api/state", {"token": token})
        assert state[0] == 200 and state[1]["student"] == 1 and len(state[1]["mine"]) == 1
        assert call(r.base, "/api/drawing", {"token": token, "id": "00000002", "strokes": ONE})[0] == 200
        assert len(read_jsonl(r.samples, policy="strict")) == 2
    finally:
        r.server.stop()


def test_a_taken_port_is_one_line_and_nothing_else(tmp_path):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        server = ClassServer(Classroom(lambda s: Look("sure", 1, 2, 1.0)), "127.0.0.1", port)
        error = server.start()
        assert error is not None and "\n" not in error and f"port {port} is in use" in error and "--port" in error
        assert not server.running
        server.stop()  # harmless
    finally:
        blocker.close()


def test_an_address_that_is_not_this_computers_is_one_line():
    server = ClassServer(Classroom(lambda s: Look("sure", 1, 2, 1.0)), "192.0.2.123", 0)
    error = server.start()
    assert error is not None and "192.0.2.123" in error and "\n" not in error


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=40)
fields = st.fixed_dictionaries({}, optional={
    "code": st.sampled_from(["ACDE", "acde", "ZZZZ", ""]) | json_values,
    "nickname": st.text(max_size=30) | json_values,
    "token": json_values,
    "id": st.from_regex(r"[0-9a-f]{8,32}", fullmatch=True) | json_values,
    "strokes": st.lists(st.lists(st.lists(st.floats(-0.5, 1.5), min_size=2, max_size=2), min_size=1, max_size=5),
                        max_size=4) | json_values,
    "label": json_values,
})


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    r = Running(tmp_path_factory.mktemp("fuzz") / "home")
    r.token = r.join()
    r.classroom.start_round(GIVEN)
    yield r
    r.server.stop()


@given(path=st.sampled_from(["/api/join", "/api/state", "/api/drawing"]), body=fields, use_token=st.booleans(),
       junk=st.binary(max_size=200) | st.none())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_requests_never_break_the_server_or_the_data_set(fuzzed, path, body, use_token, junk):
    if use_token:
        body = {**body, "token": fuzzed.token}
    raw = junk if junk is not None else json.dumps(body, allow_nan=False).encode()
    before = len(fuzzed.classroom.entries)
    status, reply, _ = call(fuzzed.base, path, raw=raw)
    assert status in (200, 400, 401, 403, 409, 413, 429), (status, reply)
    if status != 200:
        assert isinstance(reply.get("error"), str)
        assert len(fuzzed.classroom.entries) == before
    if fuzzed.samples.exists():
        read_jsonl(fuzzed.samples, policy="strict")  # every line a valid sample, always
