"""The class's web server: serves the student page and its small JSON API, in a background thread.

aiohttp runs its own asyncio loop in a daemon thread beside the pygame loop. Reading and saving a
drawing (NumPy, an fsync) run on one worker thread, so the asyncio loop keeps answering phones and
the app's frames never wait for the network: the app only looks at `Classroom.version` once a frame.

Endpoints (all JSON; every body passes model/classroom.py's checks first):

    GET  /                the student page (app/static/), and its script and style by fixed names
    POST /api/join        {code, nickname?, token?}   -> {token, student, round, prompt, mine}
    POST /api/state       {token}                     -> {student, round, prompt, mine}
    POST /api/drawing     {token, id, strokes, label?} -> {ok, drawing: {kind, top, ...}, round, prompt, mine}

Nothing a client sends names a file: the static files are a fixed table. Answers are JSON read by the
page with textContent, never inserted as markup. Each client (address) and each student is limited
to a steady rate of requests; beyond it the answer is 429 with Retry-After.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
import time
from dataclasses import dataclass
from importlib import resources

from aiohttp import web

from model.classroom import DEFAULT_PORT, MAX_BODY, Classroom, Refused, parse_json

STATIC = {  # URL path -> (file in app/static, content type): the only files the server ever sends
    "/": ("index.html", "text/html; charset=utf-8"),
    "/pad.js": ("pad.js", "text/javascript; charset=utf-8"),
    "/pad.css": ("pad.css", "text/css; charset=utf-8"),
}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class Bucket:
    """A token bucket: `burst` requests at once, then `rate` a second."""

    burst: float
    rate: float
    tokens: float = -1.0
    at: float = 0.0

    def take(self, now: float) -> float:
        """0 if allowed (and counted), else the seconds to wait."""
        if self.tokens < 0:
            self.tokens, self.at = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


# Per address: generous, since in a test (or behind one school NAT) a whole class shares one address;
# per student: a drawing a second at most, with a small burst for a phone sending what it kept offline.
PER_ADDRESS = (400.0, 100.0)
PER_STUDENT = (8.0, 1.0)
WRONG_CODES = (10.0, 0.2)  # wrong join codes per address: 10, then one every 5 s


class Limits:
    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._lock = threading.Lock()

    def check(self, kind: str, key: str, limit: tuple[float, float]) -> None:
        with self._lock:
            if len(self._buckets) > 50_000:  # a flood of made-up keys must not eat the memory
                self._buckets.clear()
            b = self._buckets.setdefault((kind, key), Bucket(*limit))
            wait = b.take(time.monotonic())
        if wait:
            raise Refused(429, f"too many requests: wait {wait:.0f} s")

    def peek(self, kind: str, key: str, limit: tuple[float, float]) -> None:
        """Refuse if `key` has no allowance left, without spending any."""
        with self._lock:
            b = self._buckets.get((kind, key))
            if b is None:
                return
            b.tokens = min(b.burst, b.tokens + (time.monotonic() - b.at) * b.rate)
            b.at = time.monotonic()
            left = b.tokens
        if left < 1:
            raise Refused(429, "too many wrong codes from this device: wait a minute")


class ClassServer:
    """Start with `start()` (returns None, or one line saying why it cannot listen); `stop()` ends it."""

    def __init__(self, classroom: Classroom, host: str = "0.0.0.0", port: int = DEFAULT_PORT) -> None:
        self.classroom = classroom
        self.host, self.port = host, port
        self.limits = Limits()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._work = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="digitpad-class-work")
        self.requests = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def url(self) -> str:
        """The address students type: this machine's address on the local network, and the port."""
        host = self.host if self.host not in ("0.0.0.0", "", "::") else local_address()
        return f"http://{host}:{self.port}/"

    def start(self, timeout: float = 10.0) -> str | None:
        if self.running:
            return None
        started = threading.Event()
        outcome: list[str | None] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._listen())
                outcome.append(None)
            except OSError as e:
                outcome.append(cannot_listen(self.host, self.port, e))
                loop.close()
                return
            finally:
                started.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._runner.cleanup())
                loop.close()

        self._thread = threading.Thread(target=serve, daemon=True, name="digitpad-class-server")
        self._thread.start()
        started.wait(timeout)
        error = outcome[0] if outcome else f"the class server did not start within {timeout:.0f} s"
        if error:
            self._thread.join(timeout=1)
            self._thread = None
        return error

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening; returns once the port is free. Drawings being saved are finished first."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None
        self._work.shutdown(wait=True)
        self._work = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="digitpad-class-work")

    async def _listen(self) -> None:
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._guard])
        app.router.add_get("/", self._static)
        app.router.add_get("/pad.js", self._static)
        app.router.add_get("/pad.css", self._static)
        app.router.add_post("/api/join", self._join)
        app.router.add_post("/api/state", self._state)
        app.router.add_post("/api/drawing", self._drawing)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True, backlog=128)
        await site.start()
        if self.port == 0:  # an ephemeral port (tests): say which one it got
            self.port = site._server.sockets[0].getsockname()[1]

    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        self.requests += 1
        try:
            self.limits.check("address", request.remote or "?", PER_ADDRESS)
            response = await handler(request)
        except Refused as e:
            response = web.json_response({"error": str(e)}, status=e.status)
            if e.status == 429:
                response.headers["Retry-After"] = "2"
        except web.HTTPRequestEntityTooLarge:
            response = web.json_response({"error": f"request too large: at most {MAX_BODY} bytes"}, status=413)
        except web.HTTPException as e:
            response = web.json_response({"error": e.reason}, status=e.status)
        response.headers.update(HEADERS)
        return response

    async def _static(self, request: web.Request) -> web.Response:
        name, kind = STATIC[request.path]
        body = resources.files("app").joinpath("static", name).read_bytes()
        return web.Response(body=body, headers={"Content-Type": kind})

    async def _body(self, request: web.Request) -> dict:
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise Refused(413, f"request too large: at most {MAX_BODY} bytes")
        return parse_json(await request.read())

    async def _join(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        address = request.remote or "?"
        self.limits.peek("wrong-code", address, WRONG_CODES)
        try:
            return web.json_response(await self._run(self.classroom.join, body))
        except Refused as e:
            if e.status == 403:
                self.limits.check("wrong-code", address, WRONG_CODES)
            raise

    async def _state(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        return web.json_response(self.classroom.state(body.get("token")))

    async def _drawing(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        student = self.classroom.student(body.get("token"))
        self.limits.check("student", str(student.number), PER_STUDENT)
        return web.json_response(await self._run(self.classroom.submit, body))

    async def _run(self, work, *args):
        """Run on the worker thread: reading (NumPy) and saving (fsync) never hold up the asyncio loop."""
        return await asyncio.get_running_loop().run_in_executor(self._work, work, *args)


def local_address() -> str:
    """This machine's address on the local network (no packet is sent), or 127.0.0.1 without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # UDP connect only picks the outgoing interface
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def cannot_listen(host: str, port: int, e: OSError) -> str:
    import errno

    if e.errno == errno.EADDRINUSE:
        why = f"port {port} is in use (another program, or another Digitpad); start with --port to pick another"
    elif e.errno in (errno.EACCES, errno.EPERM):
        why = f"no permission to listen on port {port}; use --port above 1024"
    elif e.errno == errno.EADDRNOTAVAIL or isinstance(e, socket.gaierror):
        why = f"{host} is not an address of this computer; use --host 0.0.0.0 or one of its addresses"
    else:
        why = e.strerror or str(e)
    return f"The class server cannot listen on {host}:{port}: {why}."
