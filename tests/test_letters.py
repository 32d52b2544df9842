"""Real letters and symbols (UNIPEN 1b-1d) as "not a digit": the reader, the rule for which count, the
doodles, and their way through train.py, evaluate.py and the Learn view's jobs."""

import os
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from model.config import NOT_A_DIGIT
from model.coverage import LETTER_COPIES, letter_inputs, non_digit_samples
from model.letters import LIKE_A_DIGIT, LOOKALIKES, RELEASE, char_of, find_release, is_no_digit, letters_of, pick
from model.nondigits import KINDS, SEEDS, make
from model.preprocess import Style
from model.sample import Sample
from model.split import person, split_samples, writer_split
from model.strokes import read_strokes
from model.unipen import read_unipen

ROOT = Path(__file__).resolve().parents[1]

INK = """\
.COORD X Y T
.WRITER_ID {writer}
.PEN_DOWN
0 0 1
0 {k} 2
.PEN_DOWN
0 10 3
5 {k} 4
.PEN_DOWN
1 1 5
2 2 6
3 {k} 7
"""

# A letter, an escaped at sign, an escaped backslash, an escaped double quote, a word (ignored), a digit
# label inside a letters section (ignored: digits are section 1a's).
DATA = """\
.VERSION 1.0
.INCLUDE {lab}/data/{writer}.dat
.SEGMENT CHARACTER 0 ? "R"
.SEGMENT CHARACTER 1 ? "\\@"
.SEGMENT CHARACTER 2 ? "\\\\"
.SEGMENT CHARACTER 0-1 ? "\\""
.SEGMENT WORD 0-2 ? "Rx"
.SEGMENT CHARACTER 2:0-2:1 ? "7"
"""


def write_letters(root: Path, writers: list[tuple[str, str]], section: str = "1b") -> Path:
    for k, (lab, writer) in enumerate(writers):  # each writer's ink its own: repeats are dropped
        ink = root / "include" / lab / "data" / f"{writer}.dat"
        ink.parent.mkdir(parents=True, exist_ok=True)
        ink.write_text(INK.format(writer=writer, k=10 + k))
        data = root / "data" / section / lab / f"{writer}.dat"
        data.parent.mkdir(parents=True, exist_ok=True)
        data.write_text(DATA.format(lab=lab, writer=writer))
    return root


def test_letters_are_read_with_their_characters_and_a_time_column_left_out(tmp_path):
    samples = read_unipen(write_letters(tmp_path / "raw", [("lab", "w1")]))
    assert [char_of(s) for s in samples] == ["R", "@", "\\", '"']
    assert {s.label for s in samples} == {NOT_A_DIGIT}
    assert all(s.writer == "lab/w1" and s.source == "lab" and s.extra["section"] == "1b" for s in samples)
    # .COORD X Y T: the third number of a point is its time, not the next point's x.
    r = samples[0].strokes[0]
    assert r.shape == (2, 2) and r.tolist() == [[0, 10], [0, 0]]  # y flipped to grow downward


def test_a_release_with_digits_and_letters_gives_both_and_the_digits_are_unchanged(tmp_path):
    from tests.test_strokes import EXPECTED, summary, write_release

    root = write_release(tmp_path / "raw")
    write_letters(root, [("lab", "w9")])
    samples = read_strokes(root)
    digits = [s for s in samples if not char_of(s)]
    assert summary(digits) == EXPECTED
    assert len(letters_of(samples)) == 4


def test_a_point_that_does_not_fit_the_coord_line_names_the_file(tmp_path):
    from model.sample import StrokeDataError

    root = write_letters(tmp_path / "raw", [("lab", "w1")])
    ink = root / "include/lab/data/w1.dat"
    ink.write_text(ink.read_text().replace("0 10 2\n", "0 10\n", 1))
    with pytest.raises(StrokeDataError, match=r"w1\.dat:3: .*not a multiple of the 3"):
        read_unipen(root)


def test_the_rule_for_which_characters_count_as_no_digit():
    # Written like a digit in many hands: left out.
    for c in "OoDQ0lI|Zz2Ss5bG6B&8gqa9()[]{}.,-_'":
        assert not is_no_digit(c), c
    # No digit is written like these (the issue's R, Y, a heart's friends ? + among them).
    for c in "ACEFHJKLMNPRTUVWXYcdefhijkmnprtuvwxy?!+=*#%@$<>":
        assert is_no_digit(c), c
    assert all(LOOKALIKES[c] == d for d, chars in LIKE_A_DIGIT.items() for c in chars)
    assert not is_no_digit("") and not is_no_digit("ab")


def sample(char: str, writer: str, n: int) -> Sample:
    return Sample(NOT_A_DIGIT, [np.array([[0, 0], [n, 1]], np.float32)], writer, "lab", {"char": char})


def test_pick_balances_characters_leaves_lookalikes_out_and_is_reproducible():
    pool = [sample("e", "lab/a", i) for i in range(50)] + [sample("#", "lab/a", i) for i in range(3)]
    pool += [sample("O", "lab/a", i) for i in range(20)]
    got = pick(pool, 10, seed=0)
    assert Counter(char_of(s) for s in got) == {"e": 10, "#": 3}
    assert [s.strokes[0].tolist() for s in got] == [s.strokes[0].tolist() for s in pick(pool, 10, seed=0)]
    assert [s.strokes[0].tolist() for s in got] != [s.strokes[0].tolist() for s in pick(pool, 10, seed=1)]


def test_letter_inputs_are_rendered_non_digits():
    pool = [sample(c, "lab/a", i + 2) for c in "RY" for i in range(4)]
    x, y = letter_inputs(pool, 3, seed=0, style=Style(), copies=LETTER_COPIES)
    assert x.shape == (2 * 3 * LETTER_COPIES, 784) and set(y.tolist()) == {NOT_A_DIGIT}
    assert np.isfinite(x).all() and x.max() > 0.5


DOODLES = ("heart", "smiley", "face", "star", "sun", "house", "tree", "cloud", "arrow", "question-mark",
           "exclamation", "sign", "tick", "cross-mark", "spiral", "word", "initials", "crossed-digit")


def test_every_doodle_the_issue_names_is_drawn_as_strokes_in_about_a_unit_box():
    assert set(DOODLES) <= set(KINDS)
    rng = np.random.default_rng(0)
    for kind in DOODLES:
        for _ in range(20):
            strokes = make(kind, rng)
            pts = np.concatenate(strokes)
            assert np.isfinite(pts).all() and all(s.ndim == 2 and s.shape[1] == 2 for s in strokes), kind
            assert pts.min() > -0.6 and pts.max() < 1.6, kind
            assert (pts.max(axis=0) - pts.min(axis=0)).max() > 0.3, kind  # big enough to be read, not a dot


def test_doodles_for_training_and_for_testing_differ():
    train = non_digit_samples(2, SEEDS["train"], kinds=DOODLES)
    test = non_digit_samples(2, SEEDS["test"], kinds=DOODLES)
    assert len(train) == len(test) == 2 * len(DOODLES)
    assert not any(np.array_equal(a.strokes[0], b.strokes[0]) for a, b in zip(train, test))


# ---------------------------------------------------------------------------------------------
# Through the tools, on a small release of real-looking letters (the real one is 106,000)


def letters_release(tmp_path: Path) -> Path:
    """A tarball with letters of writers in every split."""
    names = [f"w{i}" for i in range(60)]
    root = write_letters(tmp_path / "raw", [("lab", n) for n in names])
    assert {writer_split(f"lab/{n}") for n in names} == {"train", "val", "test"}
    tar = tmp_path / RELEASE
    with tarfile.open(tar, "w:gz") as t:
        t.add(root, arcname="raw")
    return tar


def test_evaluate_reports_letters_per_character_on_the_test_writers(tmp_path):
    tar = letters_release(tmp_path)
    r = subprocess.run([sys.executable, "evaluate.py", str(tar)], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "real letters and symbols of the test writers" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(("R ", "@ ", "\\ ", '" '))}
    assert {"R", "@"} <= set(rows)
    n_test = sum(writer_split(f"lab/w{i}") == "test" for i in range(60))
    assert rows["R"].split()[2] == str(n_test)  # only the test writers' Rs
    assert "(like 1)" in rows["\\"] and "(like part)" in rows['"']  # listed apart, not in the figures
    assert out.strip().splitlines()[-1].startswith("no-digit letters and symbols, mean over 2 characters: ")


def test_train_uses_training_writers_letters_and_chooses_on_validation_writers(tmp_path):
    tar = letters_release(tmp_path)
    out = tmp_path / "m.npz"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "train.py", "--strokes", str(tar), "--limit", "300", "--epochs", "1",
                        "--hidden", "16", "--not-digits", "2", "--letters", "5", "--no-styles", "--quiet",
                        "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    if "MNIST" in r.stderr and r.returncode:
        pytest.skip(f"MNIST not on this machine: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
    text = r.stdout + r.stderr
    n_train = sum(writer_split(f"lab/w{i}") == "train" for i in range(60))
    assert "letters and symbols: " in text
    # R and @ of every training writer (the \\ is like a 1, the " a speck), at most 5 of each, two pens each.
    assert f"letters and symbols: {2 * min(5, n_train) * LETTER_COPIES} training drawings" in text
    from model.weights import load

    _, meta = load(out)
    assert meta.recipe["letters"] == 5
    assert "val letters" in text  # validation writers' letters are watched, never trained on


def test_train_says_plainly_when_no_letters_were_given(tmp_path):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "train.py", "--limit", "200", "--epochs", "1", "--hidden", "8",
                        "--not-digits", "1", "--letters", "5", "--quiet", "--out", str(tmp_path / "m.npz")],
                       cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    if "MNIST" in r.stderr and r.returncode:
        pytest.skip(f"MNIST not on this machine: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
    assert "letters and symbols: none given" in r.stdout + r.stderr


def test_the_learn_view_finds_the_letters_where_train_py_would_and_says_what_it_used(tmp_path, monkeypatch):
    from model import jobs
    from model.trainer import RECIPES

    tar = letters_release(tmp_path)
    monkeypatch.setenv("DIGITPAD_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("DIGITPAD_UNIPEN_LETTERS", raising=False)
    assert find_release() is None
    x, y = np.zeros((3, 784), np.float32), np.zeros(3, np.int64)
    recipe = RECIPES["finetune"]
    _, y1, (said, missing) = jobs._with_non_digits(x, y, recipe, Style())
    assert missing and "not on this computer" in said and "DIGITPAD_UNIPEN_LETTERS" in said
    monkeypatch.setenv("DIGITPAD_UNIPEN_LETTERS", str(tar.parent))  # the folder holding it
    assert find_release() == tar
    _, y2, (said, missing) = jobs._with_non_digits(x, y, recipe, Style())
    assert not missing and "real letters and symbols" in said
    train_writers = {f"lab/w{i}" for i in range(60) if writer_split(f"lab/w{i}") == "train"}
    assert (y2 == NOT_A_DIGIT).sum() - (y1 == NOT_A_DIGIT).sum() == 2 * len(train_writers) * LETTER_COPIES
    # The validation non-digits the thresholds are chosen on include the validation writers' letters.
    val_writers = [w for i in range(60) if writer_split(w := f"lab/w{i}") == "val"]
    with_letters = jobs._validation_non_digits(recipe, Style())
    monkeypatch.delenv("DIGITPAD_UNIPEN_LETTERS")
    without = jobs._validation_non_digits(recipe, Style())
    assert len(with_letters) - len(without) == 2 * len(val_writers)


# ---------------------------------------------------------------------------------------------
# The real release, when it is on this machine


def real_release() -> Path | None:
    """The release where the product finds it, or beside the checkout as the developers keep it."""
    beside = ROOT.parent / "shared" / "datasets" / "unipen1bcd" / RELEASE
    return find_release() or (beside if beside.is_file() else None)


def test_real_letters_split_by_person_as_the_digits_are():
    path = real_release()
    if path is None:
        pytest.skip("UNIPEN 1b-1d not on this machine (set DIGITPAD_UNIPEN_LETTERS to unipen1bcd-raw.tar.gz)")
    letters = read_unipen(path)
    assert len(letters) > 100_000 and all(char_of(s) for s in letters)
    assert Counter(s.extra["section"] for s in letters) == {"1c": 60226, "1b": 27253, "1d": 16178}
    parts = {p: split_samples(letters, p) for p in ("train", "val", "test")}
    people = {p: {person(s.writer) for s in v} for p, v in parts.items()}
    assert not (people["train"] & people["test"]) and not (people["train"] & people["val"])
    assert len(people["test"]) >= 50  # enough held-out writers to score on
    chars = {char_of(s) for s in letters}
    assert sum(is_no_digit(c) for c in chars) >= 45


def test_a_lab_that_labels_pen_lines_at_signs_is_left_out(tmp_path):
    # kai labelled delayed strokes and ligatures '\@' and cut letters out of cursive words: its letters
    # are left out of training and scoring alike (model/letters.py LEFT_OUT_LABS).
    root = write_letters(tmp_path / "raw", [("kai", "k1"), ("lab", "w1")])
    samples = read_unipen(root)
    assert {s.source for s in samples} == {"kai", "lab"}
    assert {s.source for s in letters_of(samples)} == {"lab"}
