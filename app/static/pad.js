// Digitpad's student page: join with the code, draw with finger, stylus or mouse, send.
// Everything the server says is shown with textContent, never as markup.
"use strict";
(function () {
  const TOKEN = "digitpad-class-token", OUTBOX = "digitpad-class-outbox";
  const MAX_STROKES = 30, MAX_POINTS = 1000, POLL_MS = 3000, RETRY_MS = 2000;
  const $ = (id) => document.getElementById(id);
  const pad = $("pad"), ctx = pad.getContext("2d");
  let strokes = [], current = null, state = null, sending = false;
  let sent = [];  // the drawing just sent, shown faded beside its answer until the next stroke

  const store = {
    get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode: kept in memory only */ } },
    del(k) { try { localStorage.removeItem(k); } catch (e) { /* ignore */ } },
  };

  function randomId() {
    const a = new Uint8Array(12);
    crypto.getRandomValues(a);  // crypto.randomUUID needs https; this works on a plain school network
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function post(path, body) {
    const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                  body: JSON.stringify(body), cache: "no-store" });
    let data = {};
    try { data = await r.json(); } catch (e) { data = {}; }
    return { status: r.status, data };
  }

  // -- joining ----------------------------------------------------------------------------------
  function showJoin(message) {
    $("pad-screen").hidden = true;
    $("join").hidden = false;
    $("join-error").textContent = message || "";
    const fromLink = decodeURIComponent(location.hash.slice(1)).replace(/[^A-Za-z]/g, "").toUpperCase();
    if (fromLink && !$("code").value) $("code").value = fromLink;
  }

  $("join").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("join-button").disabled = true;
    try {
      const { status, data } = await post("/api/join", { code: $("code").value, nickname: $("nickname").value });
      if (status === 200) { store.set(TOKEN, data.token); show(data); }
      else showJoin(data.error || "Could not join (" + status + ")");
    } catch (e) {
      showJoin("No connection to the class: is this device on the school network?");
    } finally {
      $("join-button").disabled = false;
    }
  });

  // -- what the class is doing ------------------------------------------------------------------
  function show(s) {
    state = s;
    $("join").hidden = true;
    $("pad-screen").hidden = false;
    const who = "You are student " + s.student + (s.nickname ? " (" + s.nickname + ")" : "");
    $("who").textContent = who;
    let prompt;
    if (!s.round) prompt = "Wait for the teacher to start a round";
    else if (s.round.kind === "given") prompt = "Draw the digit " + s.prompt;
    else prompt = "Draw any digit, and see what the network reads";
    $("prompt").textContent = prompt;
    $("send").disabled = !s.round;
  }

  async function refresh() {
    const token = store.get(TOKEN);
    if (!token) { showJoin(); return; }
    try {
      const { status, data } = await post("/api/state", { token });
      if (status === 200) show(data);
      else if (status === 401) { store.del(TOKEN); showJoin(data.error); }
    } catch (e) {
      $("prompt").textContent = "Connection lost: your drawings are kept and sent when it is back";
    }
  }

  // -- the pad ----------------------------------------------------------------------------------
  function point(ev) {
    const r = pad.getBoundingClientRect();
    const x = Math.min(Math.max((ev.clientX - r.left) / r.width, 0), 1);
    const y = Math.min(Math.max((ev.clientY - r.top) / r.height, 0), 1);
    return [Math.round(x * 10000) / 10000, Math.round(y * 10000) / 10000];
  }

  pad.addEventListener("pointerdown", (ev) => {
    if (strokes.length >= MAX_STROKES) return;
    ev.preventDefault();
    pad.setPointerCapture(ev.pointerId);
    sent = [];
    current = { id: ev.pointerId, points: [point(ev)] };
    pad.dataset.pointer = ev.pointerType;  // "touch", "pen" or "mouse": which one drew last
    strokes.push(current.points);
    $("answer").textContent = "";
    paint();
  });
  pad.addEventListener("pointermove", (ev) => {
    if (!current || ev.pointerId !== current.id) return;
    ev.preventDefault();
    const events = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [ev];
    for (const e of (events.length ? events : [ev])) {
      if (current.points.length < MAX_POINTS) current.points.push(point(e));
    }
    paint();
  });
  const end = (ev) => { if (current && ev.pointerId === current.id) current = null; };
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointercancel", end);

  function paint() {
    ctx.clearRect(0, 0, pad.width, pad.height);
    ctx.lineWidth = pad.width * 0.045; ctx.lineCap = "round"; ctx.lineJoin = "round";
    ink(sent, "#b8b8b8");
    ink(strokes, "#111");
  }

  function ink(list, colour) {
    ctx.strokeStyle = colour;
    for (const s of list) {
      ctx.beginPath();
      ctx.moveTo(s[0][0] * pad.width, s[0][1] * pad.height);
      if (s.length === 1) ctx.lineTo(s[0][0] * pad.width + 0.1, s[0][1] * pad.height);
      for (const p of s.slice(1)) ctx.lineTo(p[0] * pad.width, p[1] * pad.height);
      ctx.stroke();
    }
  }

  $("undo").addEventListener("click", () => { strokes.pop(); current = null; paint(); });
  $("clear").addEventListener("click", () => {
    strokes = []; sent = []; current = null; paint(); $("answer").textContent = "";
  });

  // -- sending: kept in an outbox until the server says it arrived, so nothing sent is lost --------
  function outbox() { try { return JSON.parse(store.get(OUTBOX) || "[]"); } catch (e) { return []; } }

  $("send").addEventListener("click", () => {
    if (!strokes.length) { say("Draw something first", "unsure"); return; }
    const item = { token: store.get(TOKEN), id: randomId(), strokes,
                   label: state && state.round && state.round.kind === "given" ? state.prompt : null };
    store.set(OUTBOX, JSON.stringify(outbox().concat([item])));
    sent = strokes; strokes = []; current = null; paint();
    say("Sending\u2026", "");
    flush();
  });

  async function flush() {
    if (sending) return;
    sending = true;
    try {
      let box = outbox();
      while (box.length) {
        const item = box[0];
        let reply;
        try {
          reply = await post("/api/drawing", item);
        } catch (e) {
          say("No connection \u2014 your drawing is kept and will be sent", "unsure");
          setTimeout(flush, RETRY_MS);
          return;
        }
        if (reply.status === 429 || reply.status >= 500) { setTimeout(flush, RETRY_MS); return; }
        box = outbox().filter((x) => x.id !== item.id);
        store.set(OUTBOX, JSON.stringify(box));
        if (reply.status === 200) { answered(reply.data.drawing); show(reply.data); }
        else if (reply.status === 401) { store.del(TOKEN); store.del(OUTBOX); showJoin(reply.data.error); return; }
        else { say(reply.data.error || "Not sent (" + reply.status + ")", "not-digit"); refresh(); }
      }
    } finally {
      sending = false;
    }
  }

  function answered(d) {
    const words = d.kind === "not-digit" ? "not a digit"
      : d.kind === "sure" ? d.top + " (sure)" : d.top + ", not sure (or " + d.runner_up + ")";
    if (d.label === null || d.label === undefined) say("The network reads: " + words, d.kind);
    else {
      const right = d.kind !== "not-digit" && d.top === d.label;
      say("Sent! Your " + d.label + " was read as " + words + (right ? " \u2714" : ""), right ? "sure" : "unsure");
    }
  }

  function say(text, kind) {
    const a = $("answer");
    a.textContent = text;
    a.className = "answer " + (kind || "");
  }

  refresh().then(flush);
  setInterval(() => { if (!$("pad-screen").hidden) refresh(); }, POLL_MS);
  window.addEventListener("online", flush);
})();
