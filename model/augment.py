"""On-the-fly augmentation of 28x28 digit images, a whole batch at a time.

Every image gets its own random affine map (rotation, scale, shear, shift), an elastic distortion
(Simard, Steinkraus & Platt 2003: a random displacement field smoothed by a gaussian), and a change
of stroke thickness, since people draw with thinner and thicker pens than MNIST's. The geometric part
is composed into one displacement field per image and resampled by one bilinear gather, so an epoch
of 60,000 images costs a fraction of one pass of the network.

Why it is written the way it is (all measured; `benchmarks/bench_train.py --only augmenter` times it,
and `tests/test_augment.py` checks it against a per-image version built from SciPy's filters):
* Images go through in blocks of about a hundred, each step writing into the same preallocated
  buffers: fresh temporaries of a few MB each cost page faults that took longer than the arithmetic.
* Every step is one long contiguous pass (NumPy is slow on 28-pixel rows): the dilation runs over
  the whole zero-bordered block as one flat array, the affine map is three coefficients per
  coordinate times a fixed basis (row, column, 1), one small einsum for the block.
* The bilinear gather uses flat indices into the zero-bordered block, computed in float32 (exact
  below 2**24) and cast once; the four neighbours are four `take`s of the same indices from views
  shifted by 0, 1, one row and one row + 1, so no index array is built twice.
* Thinning is thickening of the negated image, so every image needs the same four comparisons.
* No BLAS: a product with BLAS threads here would fight the training step's.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

SIDE = 28
BLOCK = 128  # images per block: its buffers (5 MB) stay in cache; smaller blocks add Python overhead
PAD = 2  # zero border around each image: far-out coordinates are clipped into it and read 0
PADDED = SIDE + 2 * PAD


@dataclass(frozen=True)
class Augment:
    rotate: float = 12.0  # degrees, either way
    scale: float = 0.12  # relative, either way
    shear: float = 0.25  # x shift per unit of y, either way
    shift: float = 2.0  # pixels, either way
    elastic_alpha: float = 20.0  # Simard et al. used 34 with sigma 4; that smears many digits
    elastic_sigma: float = 4.0
    thickness: float = 0.7  # at most this fraction of a pixel-wide dilation or erosion

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class _Draws:
    """Every random number of one call, drawn up front so results do not depend on how the images
    are split into blocks or between threads."""

    amount: np.ndarray  # (n, 1) thickness: > 0 thickens, < 0 thins
    affine: np.ndarray  # (n, 2, 3) output (row, column, 1) about the centre -> padded input (y, x)
    pick: np.ndarray  # (n,) which elastic field from the bank
    strength: np.ndarray  # (n, 1, 1) its signed strength


class Augmenter:
    """Applies `Augment` to batches of (n, 28, 28) float32 images, reproducibly from a seed.

    `workers` > 1 splits the blocks of a call between that many threads (NumPy releases the GIL);
    the output is the same whatever the number of workers.
    """

    def __init__(self, params: Augment = Augment(), seed: int = 0, bank: int = 4096, workers: int = 1) -> None:
        self.p = params
        self.rng = np.random.default_rng(seed)
        # Smoothing a fresh random field per image would cost more than the training step; a bank of
        # smoothed fields, each drawn with a random strength and orientation, is as varied in practice.
        raw = self.rng.uniform(-1, 1, size=(bank, 2, SIDE, SIDE)).astype(np.float32)
        s = params.elastic_sigma
        smooth = ndimage.gaussian_filter(raw, sigma=(0, 0, s, s), mode="constant")
        self.fields = smooth * (params.elastic_alpha / max(float(smooth.std()), 1e-8) * _SIMARD_STD)
        self.fields = self.fields.reshape(bank, 2, SIDE * SIDE)  # (y, x) displacement of each output pixel
        self.workers = max(1, workers)
        # The calling thread is one of the workers: the pool holds the others.
        self._pool = ThreadPoolExecutor(self.workers - 1, thread_name_prefix="augment") if self.workers > 1 else None
        self._spaces = [_Workspace() for _ in range(self.workers)]

    def __call__(self, images: np.ndarray) -> np.ndarray:
        n = len(images)
        x = images.astype(np.float32, copy=False).reshape(n, SIDE, SIDE)
        d = self._draw(n)
        out = np.empty((n, SIDE * SIDE), np.float32)
        blocks = [slice(s, s + BLOCK) for s in range(0, n, BLOCK)]
        workers = max(1, min(self.workers, len(blocks)))
        jobs = [self._pool.submit(self._worker, k, x, d, blocks[k::workers], out) for k in range(1, workers)]
        self._worker(0, x, d, blocks[::workers], out)
        for job in jobs:
            job.result()
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _worker(self, k: int, x: np.ndarray, d: _Draws, blocks: list[slice], out: np.ndarray) -> None:
        for b in blocks:
            self._spaces[k].run(x[b], self.fields, d, b, out[b])

    def _draw(self, n: int) -> _Draws:
        p, rng = self.p, self.rng
        amount = rng.uniform(-p.thickness, p.thickness, n).astype(np.float32)
        theta = np.deg2rad(rng.uniform(-p.rotate, p.rotate, n))
        zoom = 1 + rng.uniform(-p.scale, p.scale, n)
        sh = rng.uniform(-p.shear, p.shear, n)
        shift = ((SIDE - 1) / 2 + rng.uniform(-p.shift, p.shift, (n, 2))).astype(np.float32)
        pick = rng.integers(0, len(self.fields), n)
        sign = rng.choice(np.array([-1.0, 1.0], np.float32), (n, 1, 1, 1))
        strength = sign * rng.uniform(0.5, 1.5, (n, 1, 1, 1)).astype(np.float32)
        strength = strength.reshape(n, 1, 1)
        # Output pixel -> input pixel: in = A (out - c) + c + t + elastic(out). Sampling A directly
        # (rather than inverting it) is fine because the parameter ranges are symmetric.
        cos, sin = np.cos(theta) / zoom, np.sin(theta) / zoom
        # rows: (y_in, x_in) from (y_out, x_out); shear moves x in proportion to y.
        a = np.stack([np.stack([cos, -sin], 1), np.stack([sin + sh * cos, cos - sh * sin], 1)], 1)
        affine = np.concatenate([a.astype(np.float32), shift[:, :, None] + np.float32(PAD)], axis=2)
        return _Draws(amount[:, None], affine, pick, strength)


class _Workspace:
    """The buffers one thread reuses for block after block (allocated at its first block)."""

    def __init__(self) -> None:
        self.size = 0

    def _allocate(self, m: int) -> None:
        self.size = m
        self.padded = np.zeros((m, PADDED, PADDED), np.float32)  # the border stays zero for good
        self.grown = np.zeros((m, PADDED * PADDED), np.float32)
        self.coords = np.empty((m, 2, SIDE * SIDE), np.float32)  # input (y, x) of every output pixel
        self.floor = np.empty((m, 2, SIDE * SIDE), np.float32)
        self.index = np.empty((m, SIDE * SIDE), np.intp)
        self.corners = np.empty((4, m, SIDE * SIDE), np.float32)
        self.starts = np.arange(m, dtype=np.float32)[:, None] * PADDED * PADDED

    def run(self, x: np.ndarray, fields: np.ndarray, d: _Draws, b: slice, out: np.ndarray) -> None:
        """Augments the images x (d's rows b, elastic fields from the bank `fields`) into out."""
        m = len(x)
        if m > self.size:
            self._allocate(max(m, BLOCK))
        padded, grown, coords, floor = self.padded[:m], self.grown[:m], self.coords[:m], self.floor[:m]
        index, corners = self.index[:m], self.corners[:, :m]

        # Thickness: x + a (dilate(x) - x), where thinning (a < 0) uses erode(x) = -dilate(-x) (zero
        # outside either way). With y = sign(a) x that is (sign(a) - a) y + a dilate(y): every image
        # gets the same plus-shaped dilation, four shifted maxima over the whole zero-bordered block.
        amount = d.amount[b]
        sign = np.where(amount < 0, np.float32(-1), np.float32(1))
        padded[:, PAD:-PAD, PAD:-PAD] = x
        image = padded.reshape(m, -1)
        image *= sign  # a contiguous pass: cheaper than multiplying into the strided inside
        flat, g = padded.reshape(-1), grown.reshape(-1)
        lo, hi = PADDED + 1, flat.size - PADDED - 1  # every pixel with four neighbours in the block
        np.maximum(flat[lo:hi], flat[lo - 1 : hi - 1], out=g[lo:hi])
        for offset in (1, -PADDED, PADDED):
            np.maximum(g[lo:hi], flat[lo + offset : hi + offset], out=g[lo:hi])
        grown *= amount
        grown *= _INSIDE  # the dilation spills into the border, which must stay zero
        image *= sign - amount
        image += grown

        # Where each output pixel reads from, in padded pixels: the picked elastic field times its
        # strength, plus the affine map (linear in row and column: three coefficients per coordinate).
        np.take(fields, d.pick[b], axis=0, out=coords)
        coords *= d.strength[b]
        np.einsum("nk,kp->np", d.affine[b].reshape(2 * m, 3), _BASIS, out=floor.reshape(2 * m, -1))
        coords += floor
        # Far-out points are clipped into the zero border, where all four neighbours read 0.
        np.clip(coords, 0, PADDED - 1.5, out=coords)
        np.floor(coords, out=floor)
        coords -= floor  # now the interpolation weights
        at = corners[0]  # flat index of the top-left neighbour, in float32 (exact below 2**24)
        np.einsum("nkp,k->np", floor, _ROW_COL, out=at)
        at += self.starts[:m]
        index[...] = at
        for corner, offset in zip(corners, (0, 1, PADDED, PADDED + 1)):
            np.take(flat[offset:], index, out=corner, mode="clip")  # mode="clip": no extra buffer
        top, top_right, bottom, bottom_right = corners
        wy, wx = coords[:, 0], coords[:, 1]
        top_right -= top
        top_right *= wx
        top += top_right
        bottom_right -= bottom
        bottom_right *= wx
        bottom += bottom_right
        bottom -= top
        bottom *= wy
        top += bottom
        np.clip(top, 0, 1, out=out)


_centred = np.arange(SIDE, dtype=np.float32) - (SIDE - 1) / 2
# Output pixel positions about the centre, one row per affine coefficient: row, column, constant.
_BASIS = np.stack([np.repeat(_centred, SIDE), np.tile(_centred, SIDE), np.ones(SIDE * SIDE, np.float32)])
_ROW_COL = np.array([PADDED, 1], np.float32)  # flat index = row * PADDED + column
_INSIDE = np.pad(np.ones((SIDE, SIDE), np.float32), PAD).reshape(-1)

# Std of a uniform(-1, 1) field after smoothing with sigma=4, as in Simard et al., so that
# `elastic_alpha` means what it means in their paper even though the fields are normalised above.
_SIMARD_STD = float(np.sqrt(1 / 3) / (2 * np.sqrt(np.pi) * 4.0))
