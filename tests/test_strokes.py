"""Tests for model/strokes.py on real files: JSON lines, a hand-written UNIPEN release, writer splits.

The last tests compare the UNIPEN reader with the shared JSONL conversion on the real data set; they
skip when ../shared/datasets/unipen1a (or $DIGITPAD_UNIPEN) is not there.
"""

from __future__ import annotations

import collections
import gzip
import json
import os
import random
import subprocess
import sys
import tarfile
import warnings
from pathlib import Path

import numpy as np
import pytest

from model.strokes import (
    Sample,
    StrokeDataError,
    append_sample,
    person,
    read_jsonl,
    read_strokes,
    read_unipen,
    split_samples,
    writer_split,
)

REPO = Path(__file__).resolve().parents[1]


def as_lists(sample: Sample) -> list[list[list[float]]]:
    return [s.tolist() for s in sample.strokes]


# ---------------------------------------------------------------------------------------------
# JSON lines

SEVEN = [np.array([[0.0, 0.0], [10.004, 0.0], [4.5, 12.126]])]
ONE = [[[1, 0], [1, 9]], [[0, 9], [2.5, 9]]]


def test_append_then_read_round_trip(tmp_path):
    path = tmp_path / "new" / "dir" / "drawn.jsonl"  # parent directories are created
    assert append_sample(path, 7, SEVEN, writer="me", source="app") == 1
    assert append_sample(path, 1, ONE) == 2
    assert append_sample(path, 0, [[(3, 4)]], writer="you", session=12) == 3

    samples = read_jsonl(path)
    assert [s.label for s in samples] == [7, 1, 0]
    assert [s.writer for s in samples] == ["me", "", "you"]
    assert [s.source for s in samples] == ["app", "", ""]
    assert samples[2].extra == {"session": 12}
    for s in samples:
        assert all(a.dtype == np.float32 and a.ndim == 2 and a.shape[1] == 2 for a in s.strokes)
    # Coordinates are stored rounded to 2 decimals.
    assert as_lists(samples[0]) == [np.float32([[0, 0], [10.0, 0], [4.5, 12.13]]).tolist()]
    assert as_lists(samples[1]) == [[[1, 0], [1, 9]], [[0, 9], [2.5, 9]]]
    assert as_lists(samples[2]) == [[[3, 4]]]
    # One complete line per sample, every line newline-terminated.
    text = path.read_text()
    assert text.endswith("\n") and text.count("\n") == 3
    assert json.loads(text.splitlines()[0])["writer"] == "me"


@pytest.mark.parametrize("name", ["digits.jsonl.gz", "digits.jsonl"])  # gzip is told by content
def test_read_gzip(tmp_path, name):
    rows = [
        {"label": 4, "writer": "lab/w", "source": "lab", "strokes": [[[0, 0], [0, 5.5]], [[1, 2]]]},
        {"label": 9, "strokes": [[[2, 3], [1e3, -4]]]},
    ]
    path = tmp_path / name
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    samples = read_jsonl(path)
    assert [(s.label, s.writer, s.source) for s in samples] == [(4, "lab/w", "lab"), (9, "", "")]
    assert [as_lists(s) for s in samples] == [r["strokes"] for r in rows]
    assert [s.label for s in read_strokes(path)] == [4, 9]


GOOD = '{"label": 1, "strokes": [[[0, 0], [0, 1]]]}'


@pytest.mark.parametrize(
    "bad, problem",
    [
        ("this is not json", "invalid JSON"),
        ('{"label": 1, "strokes": [[[0, 0]]]}}', "invalid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"strokes": [[[0, 0]]]}', "label"),
        ('{"label": 10, "strokes": [[[0, 0]]]}', "label"),
        ('{"label": "3", "strokes": [[[0, 0]]]}', "label"),
        ('{"label": true, "strokes": [[[0, 0]]]}', "label"),
        ('{"label": 3}', "strokes"),
        ('{"label": 3, "strokes": []}', "strokes"),
        ('{"label": 3, "strokes": [[]]}', "stroke 0"),
        ('{"label": 3, "strokes": [[[0, 0]], [[1, 2, 3]]]}', "stroke 1"),
        ('{"label": 3, "strokes": [[[0, "1"]]]}', "finite number"),
        ('{"label": 3, "strokes": [[[0, NaN]]]}', "invalid JSON"),
        ('{"label": 3, "strokes": [[[0, 1e999]]]}', "finite number"),
        ('{"label": 3, "writer": 5, "strokes": [[[0, 1]]]}', "writer"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path, bad, problem):
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{GOOD}\n{bad}\n{GOOD}\n")
    with pytest.raises(StrokeDataError, match=f"bad.jsonl:2: .*{problem}"):
        read_jsonl(path)


def test_malformed_final_line_with_newline_is_an_error(tmp_path):
    # Only a line that stops early is crash debris; a complete bad last line is still an error.
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{GOOD}\nnot json at all\n")
    with pytest.raises(StrokeDataError, match="bad.jsonl:2:"):
        read_jsonl(path)


def test_crash_mid_append_loses_only_the_partial_line(tmp_path):
    path = tmp_path / "drawn.jsonl"
    append_sample(path, 3, SEVEN)
    append_sample(path, 5, ONE)
    # Simulate a crash half way through writing a third line: a prefix of a real line, no newline.
    full = json.dumps({"label": 8, "strokes": [[[1.5, 2.25], [3.0, 4.0]]]})
    with open(path, "a") as f:
        f.write(full[: len(full) // 2])

    with pytest.warns(UserWarning, match="drawn.jsonl:3: .*truncated"):
        assert [s.label for s in read_jsonl(path)] == [3, 5]

    # The next append closes off the debris with a newline and is itself readable.
    assert append_sample(path, 6, ONE) == 3  # counts samples, not the debris line
    assert path.read_bytes().endswith(b"}\n")
    with pytest.warns(UserWarning, match="drawn.jsonl:3: .*truncated"):
        samples = read_jsonl(path)
    assert [s.label for s in samples] == [3, 5, 6]
    assert as_lists(samples[2]) == ONE
    assert append_sample(path, 9, ONE) == 4


def test_any_unterminated_final_garbage_is_skipped(tmp_path):
    path = tmp_path / "drawn.jsonl"
    append_sample(path, 2, ONE)
    with open(path, "ab") as f:
        f.write(b"\x7b\x22lab#garbage")
    with pytest.warns(UserWarning, match=":2: "):
        assert [s.label for s in read_jsonl(path)] == [2]


def test_complete_final_line_without_newline_is_read(tmp_path):
    path = tmp_path / "hand.jsonl"
    path.write_text(f"{GOOD}\n{GOOD}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_jsonl(path)) == 2
    assert append_sample(path, 4, ONE) == 3
    assert [s.label for s in read_jsonl(path)] == [1, 1, 4]


@pytest.mark.parametrize(
    "label, strokes",
    [(10, ONE), (True, ONE), (3, []), (3, [[]]), (3, [[[0, 1, 2]]]), (3, [[[0, float("nan")]]])],
)
def test_append_rejects_bad_samples_and_leaves_the_file_alone(tmp_path, label, strokes):
    path = tmp_path / "drawn.jsonl"
    append_sample(path, 1, ONE)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        append_sample(path, label, strokes)
    assert path.read_bytes() == before


def test_append_refuses_a_gzip_file(tmp_path):
    path = tmp_path / "digits.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write(GOOD + "\n")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="gzip"):
        append_sample(path, 1, ONE)
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# UNIPEN: a tiny release written by hand, laid out like train_r01_v07 (data/1a + include/)

LAB_DOC = """\
.VERSION 1.0
.DATA_SOURCE tiny lab
.COMMENT numbers in a comment are no ink:
         12 34
         56 78
.COORD X Y
.X_POINTS_PER_MM 10
"""

# Components, numbered across the expanded stream (empty blocks are not numbered):
# 0 down, 1 down, 2 up (hover), 3 down, 4 down, 5 down, 6 down, 7 down, 8 down.
W1_INK = """\
.INCLUDE lab/lab.doc
.WRITER_ID\tw1
.STYLE PRINTED
.PEN_DOWN
\t10 20
\t12 25
\t14 30
.PEN_UP
.PEN_DOWN
0 0
10 0
.PEN_UP
10 0
0 -10
.DT 120
.PEN_DOWN
0 -10
10 -10
.PEN_UP
.START_BOX
.PEN_DOWN
5 5
5 15
.PEN_DOWN
100 100
.PEN_DOWN
0 5
10 5
.PEN_DOWN
0 0
1 1
2 2
3 3
.PEN_DOWN
7 7
8 8
"""

W1_DATA = """\
.VERSION 1.0
.INCLUDE lab/data/w1.dat
.SEGMENT CHARACTER 0 ? "1"
.SEGMENT CHARACTER 1-3 OK "4"
.SEGMENT CHARACTER 4,6 ? "7"
.SEGMENT CHARACTER 7:1-8:0 ? "0"
.SEGMENT CHARACTER 0 ? "1"
.SEGMENT CHARACTER 5 ? "A"
"""

W2_INK = """\
.WRITER_ID w2
.PEN_DOWN
110 220
112 225
114 230
.PEN_UP
114 230
200 200
.PEN_DOWN
1 1
1 3
"""

W2_DATA = """\
.VERSION 1.0
.INCLUDE lbb/data/w2.dat
.SEGMENT CHARACTER 0 ? "2"
.SEGMENT CHARACTER 1-2 ? "9"
"""

# Expected: y flipped (y' = max y - y), x shifted to min 0, hover left out, repeats dropped.
EXPECTED = [
    (1, "lab/w1", [[[0, 10], [2, 5], [4, 0]]]),
    (4, "lab/w1", [[[0, 0], [10, 0]], [[0, 10], [10, 10]]]),
    (7, "lab/w1", [[[5, 10], [5, 0]], [[0, 10], [10, 10]]]),
    (0, "lab/w1", [[[0, 6], [1, 5], [2, 4]], [[6, 0]]]),
    # segment 4 repeats segment 0 and is dropped; "A" is not a digit; w2's "2" repeats the first ink
    (9, "lbb/w2", [[[0, 2], [0, 0]]]),
]


def write_release(root: Path) -> Path:
    files = {
        "README.md": "tiny release\n",
        "include/lab/lab.doc": LAB_DOC,
        "include/lab/data/w1.dat": W1_INK,
        "include/lbb/data/w2.dat": W2_INK,
        "data/1a/lab/w1.dat": W1_DATA,
        "data/1a/lbb/w2.dat": W2_DATA,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def summary(samples: list[Sample]) -> list[tuple[int, str, list]]:
    return [(s.label, s.writer, as_lists(s)) for s in samples]


def test_unipen_directory(tmp_path):
    samples = read_unipen(write_release(tmp_path / "raw"))
    assert summary(samples) == EXPECTED
    assert [s.source for s in samples] == ["lab"] * 4 + ["lbb"]
    for s in samples:
        assert all(a.dtype == np.float32 and a.shape[1] == 2 for a in s.strokes)
        ink = np.concatenate(s.strokes)
        assert ink[:, 0].min() == 0 and ink[:, 1].min() == 0


def test_unipen_tarball_nested_in_a_folder(tmp_path):
    write_release(tmp_path / "raw")
    tar_path = tmp_path / "release.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(tmp_path / "raw", arcname="raw")
    assert summary(read_unipen(tar_path)) == EXPECTED
    assert summary(read_strokes(tar_path)) == EXPECTED
    assert summary(read_strokes(tmp_path / "raw")) == EXPECTED


def test_unipen_errors_name_the_file(tmp_path):
    root = write_release(tmp_path / "raw")
    (root / "data/1a/lbb/w2.dat").write_text('.INCLUDE lbb/data/w2.dat\n.SEGMENT CHARACTER 0-9 ? "2"\n')
    with pytest.raises(StrokeDataError, match=r"w2\.dat:2: .*out of range"):
        read_unipen(root)
    (root / "data/1a/lbb/w2.dat").write_text('.INCLUDE lbb/data/missing.dat\n.SEGMENT CHARACTER 0 ? "2"\n')
    with pytest.raises(StrokeDataError, match="missing.dat not found"):
        read_unipen(root)
    with pytest.raises(StrokeDataError, match="no UNIPEN section 1a"):
        read_unipen(tmp_path / "raw" / "include")


# ---------------------------------------------------------------------------------------------
# Writer splits


def test_writer_split_is_stable_across_processes():
    # Pinned: changing the split would silently move test writers into training.
    pinned = {"syn/jel-dig14": "train", "apb/Kenny_Wee": "train", "aga/amywldrp": "test"}
    pinned |= {"syn/cam": "test", "ibm/r04-04": "train", "syn/zc": "train"}
    assert {w: writer_split(w) for w in pinned} == pinned
    # Python's str hash() changes with PYTHONHASHSEED; the split must not.
    code = "import sys; from model.strokes import writer_split; print(*map(writer_split, sys.argv[1:]))"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, *pinned],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.split() == list(pinned.values())


def test_one_person_with_several_writer_ids_stays_in_one_split():
    # IBM recorded each writer in several sessions (rSS-WW); gmd's kast repeats alek's digits.
    for ww in ("04", "07", "11", "15"):
        assert len({writer_split(f"ibm/r{ss}-{ww}") for ss in ("00", "01", "02", "03", "04")}) == 1
    assert writer_split("gmd/kast") == writer_split("gmd/alek")
    assert person("ibm/r03-12") == "ibm/12" and person("syn/cam") == "syn/cam"


def test_writer_split_proportions_on_random_names():
    rng = random.Random(7)
    names = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789_-/", k=10)) for _ in range(20000)]
    share = collections.Counter(map(writer_split, names))
    assert set(share) == {"train", "val", "test"}
    assert abs(share["test"] / len(names) - 0.20) < 0.015
    assert abs(share["val"] / len(names) - 0.10) < 0.01
    assert abs(share["train"] / len(names) - 0.70) < 0.015


def test_split_samples_is_writer_disjoint_and_complete():
    one = [np.zeros((1, 2), np.float32)]
    samples = [Sample(i % 10, one, writer=f"lab/writer{i % 97}") for i in range(1000)]
    parts = {p: split_samples(samples, p) for p in ("train", "val", "test")}
    assert sum(map(len, parts.values())) == len(samples)
    writers = {p: {s.writer for s in ss} for p, ss in parts.items()}
    assert all(writers[p] for p in writers)
    assert not writers["train"] & writers["val"] and not writers["train"] & writers["test"]
    assert not writers["val"] & writers["test"]
    with pytest.raises(ValueError):
        split_samples(samples, "dev")


# ---------------------------------------------------------------------------------------------
# The real data set


def unipen_dir() -> Path:
    env = os.environ.get("DIGITPAD_UNIPEN")
    return Path(env) if env else (REPO / "../shared/datasets/unipen1a").resolve()


@pytest.fixture(scope="module")
def real_data():
    d = unipen_dir()
    jsonl, raw = d / "unipen1a-digits.jsonl.gz", d / "unipen1a-raw.tar.gz"
    if not (jsonl.is_file() and raw.is_file()):
        pytest.skip(f"UNIPEN 1a data not found in {d} (set DIGITPAD_UNIPEN to the unipen1a folder)")
    return read_jsonl(jsonl), read_unipen(raw)


def test_real_unipen_release_matches_the_jsonl(real_data):
    from_jsonl, from_raw = real_data
    assert len(from_jsonl) == len(from_raw) == 15467
    assert [s.label for s in from_raw] == [s.label for s in from_jsonl]
    assert [s.writer for s in from_raw] == [s.writer for s in from_jsonl]
    assert [s.source for s in from_raw] == [s.source for s in from_jsonl]
    differ = [
        i
        for i, (a, b) in enumerate(zip(from_jsonl, from_raw, strict=True))
        if len(a.strokes) != len(b.strokes)
        or not all(
            x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a.strokes, b.strokes, strict=True)
        )
    ]
    assert differ == []
    assert len({s.writer for s in from_raw}) == 268
    assert collections.Counter(s.label for s in from_raw).most_common(1)[0][1] < 1800


def test_real_split_sizes(real_data):
    samples = real_data[0]
    sizes = {p: len(split_samples(samples, p)) for p in ("train", "val", "test")}
    assert sizes == {"train": 9814, "val": 1979, "test": 3674}
