"""Digitpad's model side: network, preprocessing, data, training (pure NumPy and SciPy, no pygame).

Importing it sets one OpenBLAS option, before SciPy loads its OpenBLAS (the library that runs every
training product, see model/fast.py): idle BLAS threads sleep after 2**20 cycles (~0.4 ms, still
longer than any gap inside a training step) instead of spinning for 2**28 (~0.1 s). Augmentation
runs between chunks, right after the last product, and a thread spinning that long took a core from
it: an augmented epoch took 1.56-2.17 s with the default and 1.44-1.57 s with this (quiet 2-core
machine, default recipe). OpenBLAS reads the option when it is loaded, so it only applies when
nothing loaded SciPy's linear algebra before `model`; a value already in the environment wins.
"""

import os

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")
