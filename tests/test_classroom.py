"""The class's state and checks (model/classroom.py), headless: joining, rounds, what phones may send,
the wall's numbers, and keeping and deleting a class's drawings in real files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from model import classroom as cr
from model.classroom import FREE, GIVEN, Classroom, Look, Refused, tally
from model.jobs import split_by_writer
from model.jsonl import read_jsonl
from model.sketches import sketch

ONE = [[[0.2, 0.1], [0.5, 0.9]]]


def fixed_reader(top: int = 3, kind: str = "sure"):
    return lambda strokes: Look(kind, top, (top + 1) % 10, 0.9)


def pad(digit: int) -> list:
    return [np.clip(s, 0, 1).round(4).tolist() for s in sketch(digit, size=0.8)]


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    return tmp_path / "home" / "my-digits.jsonl"


def make(samples: Path | None = None, read=None) -> Classroom:
    save = None if samples is None else (lambda e, s: cr.save_entry(samples, e, s))
    return Classroom(read or fixed_reader(), save=save, code="ACDE", seed=0)


def test_joining_needs_the_code_and_numbers_students_in_order():
    c = make()
    with pytest.raises(Refused) as e:
        c.join({"code": "XXXX"})
    assert e.value.status == 403 and c.joined == 0
    a = c.join({"code": "acde", "nickname": "  Ana  Lu "})  # any case, spaces tidied
    b = c.join({"code": "ACDE"})
    assert (a["student"], a["nickname"], b["student"], b["nickname"]) == (1, "Ana Lu", 2, "")
    assert a["token"] != b["token"] and len(a["token"]) >= 20
    # A phone that kept its token comes back as the same student, not a new one.
    again = c.join({"code": "ACDE", "token": a["token"]})
    assert again["student"] == 1 and c.joined == 2


@pytest.mark.parametrize("nick", ["<b>x</b>", "a" * 21, "Ana\u0000", "Robert'); DROP", "\u202eevil", 7, ["x"],
                                  "-dash", "x\u0007y", "x_"])
def test_bad_nicknames_are_refused_with_400(nick):
    c = make()
    with pytest.raises(Refused) as e:
        c.join({"code": "ACDE", "nickname": nick})
    assert e.value.status == 400 and c.joined == 0


@pytest.mark.parametrize("strokes, why", [
    (None, "non-empty list"),
    ([], "non-empty list"),
    ("abc", "non-empty list"),
    ([[]], "non-empty list of"),
    ([[[0.1]]], "not [x, y]"),
    ([[[0.1, 0.2, 0.3]]], "not [x, y]"),
    ([[[0.1, "0.2"]]], "outside 0..1"),
    ([[[0.1, True]]], "outside 0..1"),
    ([[[0.1, 1.5]]], "outside 0..1"),
    ([[[-0.01, 0.5]]], "outside 0..1"),
    ([[[0.1, float("nan")]]], "outside 0..1"),
    ([[[0.1, float("inf")]]], "outside 0..1"),
    ([[[0.1, 1e308]]], "outside 0..1"),
    ([[[0.5, 0.5]]] * (cr.MAX_STROKES + 1), "too many strokes"),
    ([[[0.5, 0.5]] * (cr.MAX_POINTS + 1)], "too many points"),
    ([[[0.5, 0.5]] * 900] * 5, "at most 4000"),
    ({"0": [[0.1, 0.1]]}, "non-empty list"),
])
def test_bad_strokes_are_refused_and_change_nothing(strokes, why, samples):
    c = make(samples)
    token = c.join({"code": "ACDE"})["token"]
    c.start_round(GIVEN)
    version = c.version
    with pytest.raises(Refused) as e:
        c.submit({"token": token, "id": "00aa11bb", "strokes": strokes})
    assert e.value.status == 400 and why in str(e.value)
    assert c.entries == [] and c.version == version and not samples.exists()


@pytest.mark.parametrize("body, status", [
    ({"id": "00aa11bb", "strokes": ONE}, 401),  # no token
    ({"token": "x" * 30, "id": "00aa11bb", "strokes": ONE}, 401),  # a token nobody was given
    ({"token": "../../etc/passwd", "id": "00aa11bb", "strokes": ONE}, 401),
    ({"token": None, "id": "00aa11bb", "strokes": ONE}, 401),
])
def test_unknown_students_are_refused(body, status):
    c = make()
    c.start_round(FREE)
    with pytest.raises(Refused) as e:
        c.submit(body)
    assert e.value.status == status and not c.entries


@pytest.mark.parametrize("bad_id", [None, "", "xyz", "0" * 33, "../a", 12345678, "DEADBEEF"])
def test_a_drawing_needs_a_proper_id(bad_id):
    c = make()
    token = c.join({"code": "ACDE"})["token"]
    c.start_round(FREE)
    with pytest.raises(Refused) as e:
        c.submit({"token": token, "id": bad_id, "strokes": ONE})
    assert e.value.status == 400 and not c.entries


@pytest.mark.parametrize("body", [b"", b"[]", b"nul", b"{", b'{"a": NaN}', b"\xff\xfe", b"[" * 100_000,
                                  b'"x"', b"{}" + b" " * cr.MAX_BODY])
def test_parse_json_refuses_what_is_not_a_small_json_object(body):
    with pytest.raises(Refused) as e:
        cr.parse_json(body)
    assert e.value.status in (400, 413)


def test_no_drawing_outside_a_round_and_given_rounds_ask_each_digit_once_in_shuffled_order():
    c = make()
    a, b = (c.join({"code": "ACDE"})["token"] for _ in range(2))
    with pytest.raises(Refused) as e:
        c.submit({"token": a, "id": "00000001", "strokes": ONE})
    assert e.value.status == 409
    c.start_round(GIVEN)
    asked = []
    for k in range(10):
        prompt = c.state(a)["prompt"]
        reply = c.submit({"token": a, "id": f"{k:08x}", "strokes": ONE, "label": prompt})
        assert reply["drawing"]["label"] == prompt
        asked.append(prompt)
    assert sorted(asked) == list(range(10)) and asked != list(range(10))
    assert c.students[b].order != c.students[a].order  # each student their own order
    # A phone that still shows the old prompt is told, not mislabelled.
    with pytest.raises(Refused) as e:
        c.submit({"token": a, "id": "ffff0000", "strokes": ONE, "label": (c.state(a)["prompt"] + 1) % 10})
    assert e.value.status == 409


def test_a_resent_drawing_is_not_a_duplicate(samples):
    c = make(samples)
    token = c.join({"code": "ACDE"})["token"]
    c.start_round(FREE)
    first = c.submit({"token": token, "id": "0123abcd", "strokes": ONE})
    again = c.submit({"token": token, "id": "0123abcd", "strokes": ONE})
    assert first == again and len(c.entries) == 1
    assert first["drawing"]["kind"] == "sure" and first["drawing"]["top"] == 3
    lines = (samples.parent / cr.FREE_FILE).read_text().splitlines()
    assert len(lines) == 1


def test_a_student_sees_only_their_own_drawings():
    c = make()
    a, b = (c.join({"code": "ACDE"})["token"] for _ in range(2))
    c.start_round(FREE)
    c.submit({"token": a, "id": "000000a1", "strokes": ONE})
    c.submit({"token": b, "id": "000000b1", "strokes": ONE})
    c.submit({"token": b, "id": "000000b2", "strokes": ONE})
    assert [m["id"] for m in c.state(a)["mine"]] == [1]
    assert [m["id"] for m in c.state(b)["mine"]] == [2, 3]
    assert "token" not in c.state(a)  # the token goes out once, at joining


def test_labelled_drawings_join_the_data_set_with_round_and_student_number_only(samples):
    c = make(samples)
    ana = c.join({"code": "ACDE", "nickname": "Ana"})["token"]
    anon = c.join({"code": "ACDE"})["token"]
    c.start_round(GIVEN)
    for k, t in enumerate((ana, anon)):
        c.submit({"token": t, "id": f"{k:08x}", "strokes": pad(c.state(t)["prompt"])})
    rows = read_jsonl(samples, policy="strict")  # what train.py and the Learn view read
    assert len(rows) == 2
    assert [r.extra["student"] for r in rows] == [1, 2] and {r.extra["round"] for r in rows} == {1}
    assert rows[0].extra["nickname"] == "Ana" and "nickname" not in rows[1].extra
    assert rows[0].writer == f"class-{c.session}/s1" and rows[0].source == "class"
    assert all(max(float(s.max()) for s in r.strokes) <= cr.SIDE for r in rows)


def test_delete_class_removes_its_lines_and_keeps_everything_else_byte_for_byte(samples):
    from model.jsonl import append_sample

    append_sample(samples, 4, [[[1.0, 2.0], [3.0, 4.0]]], source="digitpad")
    mine = samples.read_bytes()
    c = make(samples)
    token = c.join({"code": "ACDE"})["token"]
    for kind in (GIVEN, FREE):
        c.start_round(kind)
        for k in range(3):
            c.submit({"token": token, "id": f"{kind[0]}{k:07x}".replace("g", "a").replace("f", "b"),
                      "strokes": ONE})
    other = make(samples)  # another lesson's drawings stay
    ot = other.join({"code": "ACDE"})["token"]
    other.start_round(GIVEN)
    other.submit({"token": ot, "id": "cccccccc", "strokes": ONE})
    assert cr.delete_class(samples, c.session) == 6
    rows = read_jsonl(samples, policy="strict")
    assert [r.source for r in rows] == ["digitpad", "class"] and rows[1].extra["class"] == other.session
    assert samples.read_bytes().startswith(mine)
    assert (samples.parent / cr.FREE_FILE).read_text() == ""
    assert cr.delete_class(samples, c.session) == 0


def test_tally_counts_accuracy_and_confusions():
    looks = {1: Look("sure", 1, 7, 0.9), 4: Look("unsure", 9, 4, 0.5), 7: Look("not-digit", 1, 7, 0.1)}
    c = Classroom(lambda s: looks[round(s[0][0][0] * 10)], code="ACDE", seed=1)
    token = c.join({"code": "ACDE"})["token"]
    c.start_round(GIVEN)
    for k in range(10):
        prompt = c.state(token)["prompt"]
        which = 1 if prompt in (1, 2) else 4 if prompt in (4, 5, 6) else 7
        c.submit({"token": token, "id": f"{k:08x}", "strokes": [[[which / 10, 0.5]]], "label": prompt})
    t = tally(c.wall())
    # Right: the 1 (read 1). Wrong: 2->1, 4->9 5->9 6->9, and 0 3 7 8 9 read as not a digit (-1).
    assert (t.drawings, t.labelled, t.correct) == (10, 10, 1)
    assert math.isclose(t.accuracy, 0.1)
    assert (4, 9, 1) in t.confusions and (7, -1, 1) in t.confusions and len(t.confusions) == 9
    assert [e.label for e in c.wall() if not e.misread] == [1]


def test_rereading_the_wall_keeps_the_first_answers_for_before():
    c = make(read=fixed_reader(3))
    token = c.join({"code": "ACDE"})["token"]
    c.start_round(GIVEN)
    prompt = c.state(token)["prompt"]
    c.submit({"token": token, "id": "00000001", "strokes": ONE})
    c.reread(fixed_reader(prompt))
    assert tally(c.wall()).accuracy == 1.0
    assert tally(c.wall(), before=True).accuracy == (1.0 if prompt == 3 else 0.0)


def test_split_by_writer_keeps_each_student_on_one_side():
    writers = [f"class-x/s{k % 7}" for k in range(70)]
    train, held = split_by_writer(writers, 0.3, seed=0)
    assert len(train) + len(held) == 70 and len(held) > 0 and len(train) > 0
    assert not {writers[i] for i in train} & {writers[i] for i in held}
    assert split_by_writer(["a"] * 5, 0.3, 0)[1].size == 0  # one writer: nothing to hold out


def test_export_labelled_is_a_stroke_file_the_adapt_job_reads(tmp_path):
    c = make()
    tokens = [c.join({"code": "ACDE"})["token"] for _ in range(3)]
    c.start_round(GIVEN)
    for k, t in enumerate(tokens):
        c.submit({"token": t, "id": f"{k:08x}", "strokes": ONE})
    c.start_round(FREE)
    c.submit({"token": tokens[0], "id": "0000ffff", "strokes": ONE})
    n = cr.export_labelled(c.wall(), c.session, tmp_path / "x.jsonl")
    rows = read_jsonl(tmp_path / "x.jsonl", policy="strict")
    assert n == 3 == len(rows) and len({r.writer for r in rows}) == 3


class ClassMachine(RuleBasedStateMachine):
    """Random sequences of joins, rounds, sends, resends and deletes: the wall and the files agree."""

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.dir = Path(tempfile.mkdtemp())
        self.samples = self.dir / "my-digits.jsonl"
        self.c = make(self.samples)
        self.tokens: list[str] = []
        self.sent: dict[str, dict] = {}
        self.n = 0
        self.view = (-1, [], cr.Tallier())  # what a wall has taken from `news`, as the Class view does

    @rule(nick=st.sampled_from(["", "Ana", "Li Wei"]))
    def join(self, nick):
        self.tokens.append(self.c.join({"code": "ACDE", "nickname": nick})["token"])

    @rule(kind=st.sampled_from([GIVEN, FREE, None]))
    def round(self, kind):
        self.c.stop_round() if kind is None else self.c.start_round(kind)

    @rule(who=st.integers(0, 10), resend=st.booleans())
    def send(self, who, resend):
        if not self.tokens:
            return
        token = self.tokens[who % len(self.tokens)]
        if resend and self.sent:
            cid = sorted(self.sent)[who % len(self.sent)]
            reply = self.c.submit({"token": self.sent[cid]["token"], "id": cid, "strokes": ONE})
            assert reply == self.sent[cid]["reply"]
            return
        self.n += 1
        cid = f"{self.n:08x}"
        try:
            reply = self.c.submit({"token": token, "id": cid, "strokes": ONE})
        except Refused as e:
            assert e.status == 409 and self.c.round is None
            return
        self.sent[cid] = {"token": token, "reply": reply}

    @rule(top=st.integers(0, 9))
    def reread(self, top):
        self.c.reread(fixed_reader(top))

    @rule()
    def delete(self):
        cr.delete_class(self.samples, self.c.session)
        self.c.forget()
        self.sent.clear()

    @invariant()
    def files_match_the_wall(self):
        labelled = sum(e.label is not None for e in self.c.entries)
        free = len(self.c.entries) - labelled
        rows = read_jsonl(self.samples, policy="debris") if self.samples.exists() else []
        assert len(rows) == labelled
        free_file = self.dir / cr.FREE_FILE
        lines = free_file.read_text().splitlines() if free_file.exists() else []
        assert len(lines) == free and all(json.loads(x)["class"] == self.c.session for x in lines)
        ids = [e.id for e in self.c.entries]
        assert len(ids) == len(set(ids))

    @invariant()
    def the_walls_running_numbers_match_a_fresh_count(self):
        generation, shown, tallier = self.view
        generation, restart, new = self.c.news(generation, len(shown))
        if restart:
            shown, tallier = [], cr.Tallier()
        for e in new:
            shown.append(e)
            tallier.add(e)
        self.view = (generation, shown, tallier)
        assert shown == self.c.latest and tallier.tally() == tally(self.c.latest)


TestClassMachine = ClassMachine.TestCase
TestClassMachine.settings = settings(max_examples=25, stateful_step_count=30, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                               max_size=4), max_leaves=30))
@settings(max_examples=300, deadline=None)
def test_parse_strokes_accepts_only_what_it_can_read(value):
    try:
        strokes = cr.parse_strokes(value)
    except Refused as e:
        assert e.status == 400
        return
    assert strokes and all(s.ndim == 2 and s.shape[1] == 2 and np.isfinite(s).all() for s in strokes)
    assert all(((s >= 0) & (s <= 1)).all() for s in strokes)
