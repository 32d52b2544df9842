"""Look inside the network: the numbers the inside view shows, as pure NumPy (no pygame).

For a drawing, one forward pass gives everything the live reading needs (`read`) and, from that same
pass, how the answer comes about (`explain`):

- the way in: the preprocessing steps as small images, and what the network would answer on the raw
  canvas shrunk to 28x28 without them (`way_in`, `Forward.raw_probs`);
- the hidden layer: every unit's activation and how many are active;
- the votes: a hidden unit's contribution to class k is its activation times its outgoing weight, and
  the contributions plus the output bias add up to the logit *exactly* (`Votes`);
- the evidence: per input pixel, x_i * d(logit[top] - logit[other]) / dx_i. For a ReLU network the
  logits are piecewise linear in x, so these add up, with the biases of the units that fired, to the
  logit difference *exactly* (`Evidence`);
- the output: softmax(logits / T), which is what the bars show.

Works for any MLP that `model.weights.load` returns. A network with one hidden layer (the bundled
784-925-10) is explained fully. Deeper ones degrade gracefully: the voters are the last hidden layer
(the contributions identity still holds exactly), the evidence map is still input x gradient (exact
for relu and leaky_relu), and a unit's picture is the product of the weights below it, i.e. what it
would see if every unit in between passed its input straight through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from model.answer import Answer, Kind, Ranked, doubt, split
from model.config import FIELD, INPUTS, NOT_A_DIGIT
from model.mlp import ACTIVATIONS, MLP, softmax
from model.preprocess import BOX, Strokes, Style, as_strokes, strokes_to_input

PIECEWISE_LINEAR = ("relu", "leaky_relu")  # where input x gradient plus biases is exact
SUPERSAMPLE = 4  # the way-in pictures are for looking at; 4x anti-aliasing is plenty
DEFAULT_STYLE = Style()  # a module-level default: ruff (B008) wants no calls in argument defaults


# ---------------------------------------------------------------------------------------------
# One forward pass: the live reading, and everything the inside view reads from it.


@dataclass(frozen=True)
class Forward(Ranked):
    """One drawing through the network. `probs` is what the bars show."""

    x: np.ndarray  # (784,) float32: the input that is explained (the first rendering)
    hidden: tuple[np.ndarray, ...]  # each hidden layer's activations for x, first layer first
    logits: np.ndarray  # (10,) for x; (11,) for a network with a "not a digit" output
    temperature: float
    probs: np.ndarray  # (10,) digit probabilities: softmax(logits / T), averaged over the renderings
    raw_probs: np.ndarray | None = None  # (10,) the answer on the raw canvas shrunk to 28x28, if asked
    raw_x: np.ndarray | None = None  # (784,) that raw canvas image
    raw_side: float | None = None  # the canvas side it was shrunk from, when `read` made it
    pen: float | None = None  # the pen width x was rendered with, when `read` made it
    not_digit: float = 0.0  # P(not a digit), for a network with that output (model/answer.py)
    raw_not_digit: float = 0.0  # the same for the raw canvas, when asked

    @property
    def image(self) -> np.ndarray:
        """The 28x28 input the network saw."""
        return self.x.reshape(FIELD, FIELD)

    @property
    def active(self) -> int:
        """How many units of the last hidden layer fire (activation > 0) for this drawing."""
        return int(np.count_nonzero(self.hidden[-1] > 0)) if self.hidden else 0

    @property
    def raw_top(self) -> int | None:
        return None if self.raw_probs is None else int(self.raw_probs.argmax())


def forward(model: MLP, images: np.ndarray, temperature: float = 1.0, raw: np.ndarray | None = None) -> Forward:
    """The network on one or more renderings of a drawing (and optionally the raw canvas), in one call.

    The probabilities are computed exactly as `Recogniser.read` does (softmax of logits / T per
    rendering, averaged, renormalised), so with one rendering they are softmax(logits / T) and the
    bars and the inside view can never disagree. The raw canvas image rides along in the same batch:
    one network call answers both questions.
    """
    x = np.asarray(images, np.float32).reshape(-1, INPUTS)
    n = len(x)
    batch = x if raw is None else np.concatenate([x, np.asarray(raw, np.float32).reshape(1, INPUTS)])
    *inputs, logits = model.layers(batch)
    probs_all = softmax(logits / temperature)
    probs = probs_all[:n].mean(axis=0)
    digits, other = split(probs / probs.sum())
    raw_split = None if raw is None else split(probs_all[n])
    return Forward(
        x=batch[0],
        hidden=tuple(h[0] for h in inputs[1:]),
        logits=logits[0],
        temperature=float(temperature),
        probs=digits,
        raw_probs=None if raw_split is None else raw_split[0],
        raw_x=None if raw is None else batch[n],
        not_digit=float(other),
        raw_not_digit=0.0 if raw_split is None else float(raw_split[1]),
    )


def read(
    model: MLP,
    strokes: Strokes,
    style: Style = DEFAULT_STYLE,
    temperature: float = 1.0,
    pens: Sequence[float] | None = None,
    raw_side: float | None = None,
) -> Forward:
    """Render a drawing the way `Recogniser.read` does and run the network once.

    `pens`: the pen widths the recogniser averages over (None: just the style's). `raw_side`: the
    canvas side in the strokes' units; when given, the raw canvas shrunk to 28x28 is answered too
    (`Forward.raw_probs`). ValueError if nothing is drawn, like `strokes_to_input`.
    """
    pens = [style.pen] if pens is None else list(pens)
    images = np.stack([strokes_to_input(strokes, replace(style, pen=p)) for p in pens])
    raw = None if raw_side is None else raw_canvas(strokes, raw_side, style)
    return replace(forward(model, images, temperature, raw), pen=pens[0], raw_side=raw_side)


# ---------------------------------------------------------------------------------------------
# The units: their pictures and how much each matters. Depends on the model only: compute once.


@dataclass(frozen=True)
class Units:
    """The last hidden layer's units: what each looks for, how much each matters, gallery order."""

    images: np.ndarray  # (H, 28, 28) incoming weights (deeper nets: weights multiplied through)
    out_weights: np.ndarray  # (H, 10) outgoing weights: a unit's vote per unit of activation
    importance: np.ndarray  # (H,) typical activation x sum of |outgoing weights|
    order: np.ndarray  # (H,) unit indices, most important first: the gallery's order
    scale: float  # a strong activation (99th percentile over the reference): full colour in the views

    @property
    def count(self) -> int:
        return len(self.order)


def units(model: MLP, reference: np.ndarray | None = None) -> Units:
    """Pictures and importance of the last hidden layer's units.

    Importance = mean activation over `reference` inputs x sum_k |outgoing weight to class k|: the
    average total size of the unit's votes, i.e. how much the logits would move if it went silent.
    Weights alone are a poor guide (a unit with big weights may hardly ever fire): on the bundled
    model the weights-only measure |w_in| x |w_out| ranks units with Spearman 0.49 against this
    measure on 5000 MNIST digits, while the default reference below, the 30 sketches of
    `model.sketches` (no data needed), reaches 0.8. Pass real inputs (n, 784) when you have them.
    """
    if reference is None:
        reference = _sketch_inputs()
    *below, last = model.weights
    effective = below[0] if below else np.eye(INPUTS, dtype=last.dtype)
    for w in below[1:]:
        effective = effective @ w
    images = np.ascontiguousarray(effective.T).reshape(-1, FIELD, FIELD).astype(np.float32)
    *inputs, _ = model.layers(np.asarray(reference, np.float32).reshape(-1, INPUTS))
    acts = inputs[-1]  # the last hidden layer's activations (the input itself if there is none)
    importance = (acts.mean(axis=0) * np.abs(last).sum(axis=1)).astype(np.float64)
    order = np.lexsort((np.arange(len(importance)), -importance))  # ties: lower index first
    firing = acts[acts > 0]
    scale = float(np.percentile(firing, 99)) if firing.size else 1.0
    return Units(images=images, out_weights=last, importance=importance, order=order, scale=scale)


@cache
def _sketch_inputs() -> np.ndarray:
    """The 30 reference sketches as inputs, rendered once per process (about 30 ms)."""
    from model.sketches import reference_sketches  # here: only the default reference needs them

    x = np.stack([strokes_to_input(s) for s in reference_sketches()]).reshape(-1, INPUTS)
    x.flags.writeable = False  # shared by every call
    return x


# ---------------------------------------------------------------------------------------------
# Votes: activation x outgoing weight, per unit and class.


@dataclass(frozen=True)
class Voter:
    unit: int
    activation: float
    vote: float  # activation x outgoing weight to the class being explained
    image: np.ndarray  # (28, 28) what the unit looks for (a view into Units.images)


@dataclass(frozen=True)
class Votes:
    contributions: np.ndarray  # (H, 10): unit j's contribution to logit k; sum over j + bias = logits
    bias: np.ndarray  # (10,) the output layer's bias
    cls: int  # the class the voters are for / against
    voters_for: tuple[Voter, ...]  # strongest positive contributions to `cls`, strongest first
    voters_against: tuple[Voter, ...]  # strongest negative ones


def votes(f: Forward, u: Units, bias: np.ndarray, cls: int | None = None, n: int = 6) -> Votes:
    """Who votes for and against `cls` (default: the top class); only units that fired can vote."""
    cls = f.top if cls is None else int(cls)
    h = f.hidden[-1] if f.hidden else f.x
    contributions = h[:, None] * u.out_weights
    column = contributions[:, cls]

    def pick(idx: np.ndarray) -> tuple[Voter, ...]:
        return tuple(Voter(int(j), float(h[j]), float(column[j]), u.images[j]) for j in idx)

    strongest = np.argsort(-column, kind="stable")
    pos = strongest[: min(n, int(np.count_nonzero(column > 0)))]
    weakest = np.argsort(column, kind="stable")
    neg = weakest[: min(n, int(np.count_nonzero(column < 0)))]
    return Votes(contributions, np.asarray(bias), cls, pick(pos), pick(neg))


# ---------------------------------------------------------------------------------------------
# Evidence: which pixels push towards the top class rather than the runner-up.


@dataclass(frozen=True)
class Evidence:
    map: np.ndarray  # (28, 28) x * gradient of (logit[top] - logit[other]); > 0 pushes to `top`
    top: int
    other: int
    difference: float  # logit[top] - logit[other]
    baseline: float  # the part of the difference that comes from biases, not from pixels
    exact: bool  # True for relu/leaky_relu: map.sum() + baseline == difference exactly


def evidence(model: MLP, f: Forward, top: int | None = None, other: int | None = None) -> Evidence:
    """Input x gradient of logit[top] - logit[other] (defaults: top digit vs runner-up). Either may be
    NOT_A_DIGIT (10) for a network with that output.

    Backpropagating a +1/-1 direction through the layers with each unit's local slope gives the
    gradient; for piecewise-linear activations the network *is* linear around x (each unit either
    passes or scales its input), so logit(x) = x . gradient + the biases pushed through the same
    gates, and the map plus `baseline` is the difference exactly.
    """
    top = f.top if top is None else int(top)
    other = f.runner_up if other is None else int(other)
    act_grad = ACTIVATIONS[model.activation][1]
    direction = np.zeros(len(f.logits), np.float32)  # 10 outputs, or 11 with "not a digit"
    direction[top] += 1.0
    direction[other] -= 1.0
    layers = list(zip(model.weights, model.biases))
    # The slope of every hidden unit at x: act_grad(y, 1) (for relu, 1 where it fired, else 0).
    slopes = [act_grad(h.copy(), np.ones_like(h)) for h in f.hidden]
    g = direction
    for i in reversed(range(len(layers))):
        # A matrix-vector product (gemv): 0.03 ms for 784x925, where a BLAS gemm with one
        # row takes 0.7 ms.
        g = layers[i][0] @ g
        if i > 0:
            g = g * slopes[i - 1]
    emap = (f.x.astype(np.float64) * g).reshape(FIELD, FIELD)
    difference = float(f.logits[top]) - float(f.logits[other])
    exact = model.activation in PIECEWISE_LINEAR
    if exact:
        # The network's output for input 0 with the gates frozen as they are for x.
        z = layers[0][1].astype(np.float64)  # input 0: the first layer's output is its bias
        for i, (w, b) in enumerate(layers[1:], start=1):
            z = (z * slopes[i - 1]) @ w + b
        baseline = float(z[top] - z[other])
    else:  # smooth activations: the pixels explain the difference only to first order
        baseline = difference - float(emap.sum())
    return Evidence(emap.astype(np.float32), top, other, difference, baseline, exact)


# ---------------------------------------------------------------------------------------------
# The way in: what preprocessing does, step by step, and the raw canvas the network would get
# without it.


@dataclass(frozen=True)
class Step:
    name: str  # short label under the picture
    image: np.ndarray  # (28, 28) float32 in [0, 1], white ink on black


def raw_canvas(strokes: Strokes, side: float, style: Style = DEFAULT_STYLE) -> np.ndarray:
    """The whole canvas shrunk to 28x28, ink where it was drawn, at the input's pen width.

    The pen width is the input's own (not the drawing brush shrunk 20-fold, which would be a
    hairline), so the only thing missing compared to the real input is cropping, fitting and
    centring: exactly what the class should see matter.
    """
    k = FIELD / float(side)
    return _render([p * k for p in as_strokes(strokes)], style)


def way_in(
    strokes: Strokes,
    side: float,
    style: Style = DEFAULT_STYLE,
    as_drawn: np.ndarray | None = None,
    the_input: np.ndarray | None = None,
) -> tuple[Step, ...]:
    """The preprocessing as four 28x28 pictures; the last is exactly the network's input.

    1. as drawn: the canvas shrunk to 28x28 (what the raw answer is computed on);
    2. cropped: the ink's bounding box, enlarged to fill the picture;
    3. fitted: the longer side scaled to 20 px, the box centred in 28x28;
    4. centred: moved so the ink's centre of mass is at the middle (MNIST's rule): the input.
    (Styles that deskew straighten the strokes before step 4; steps 2-3 show them unstraightened.)
    `as_drawn` and `the_input`: steps 1 and 4 when they are already rendered (see `explain`).
    """
    pts = as_strokes(strokes)
    lo = np.min([p.min(axis=0) for p in pts], axis=0)
    hi = np.max([p.max(axis=0) for p in pts], axis=0)
    extent = float((hi - lo).max())

    def fit(box: float) -> np.ndarray:
        scale = (box - style.pen) / extent if extent > 0 else 1.0
        return _render([(p - (lo + hi) / 2) * scale + FIELD / 2 for p in pts], style)

    first = raw_canvas(pts, side, style) if as_drawn is None else np.asarray(as_drawn).reshape(FIELD, FIELD)
    last = strokes_to_input(pts, style) if the_input is None else np.asarray(the_input).reshape(FIELD, FIELD)
    return (
        Step("as drawn", first),
        Step("cropped", fit(FIELD)),
        Step(f"fitted {BOX}\u00d7{BOX}", fit(BOX)),
        Step("centred", last),
    )


def _render(strokes: list[np.ndarray], style: Style) -> np.ndarray:
    """Round-capped polylines (coordinates in 28x28 pixels), anti-aliased and blurred like the input.

    A picture for the way-in strip and the raw answer, so it only needs to look like the input's
    rendering, not match it bit for bit; the input itself always comes from `strokes_to_input`.
    """
    s = SUPERSAMPLE
    canvas = Image.new("L", (FIELD * s, FIELD * s), 0)
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(style.pen * s))
    r = width / 2
    for p in strokes:
        q = [(float(x) * s, float(y) * s) for x, y in p]
        if len(q) > 1:
            draw.line(q, fill=255, width=width)
        for x, y in q:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    img = np.asarray(canvas.reduce(s), np.float32) / 255.0
    if style.sigma > 0:
        img = ndimage.gaussian_filter(img, style.sigma, mode="constant")
    peak = float(img.max())
    return (img / peak if peak > 0 else img).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Everything the inside view shows for one drawing, and one unit's response for the gallery.


@dataclass(frozen=True, eq=False)
class Inside:
    """Everything the inside view shows for one drawing. A new object per reading, so a view may
    cache what it drew from one by identity."""

    forward: Forward
    votes: Votes
    evidence: Evidence
    steps: tuple[Step, ...]
    model: MLP
    units: Units

    def response(self, unit: int) -> Response:
        """How one unit responds to this drawing (for the gallery; cheap, computed on demand)."""
        return response(self.model, self.forward, self.units, unit)


def explain(
    model: MLP,
    f: Forward,
    u: Units,
    strokes: Strokes,
    side: float,
    style: Style = DEFAULT_STYLE,
    n_voters: int = 6,
    classes: tuple[int, int] | None = None,
) -> Inside:
    """All the inside view's numbers for a drawing already read with `read` (no further forward pass);
    `style` is the one `read` rendered with. `classes`: the output explained and the one it is told
    from (default: the top digit and the runner-up; see `explained`)."""
    top, other = classes if classes is not None else (f.top, f.runner_up)
    v = votes(f, u, model.biases[-1], cls=top, n=n_voters)
    # Reuse the renderings `read` made when they are the same pictures: saves two of five renders.
    the_input = f.x if f.pen == style.pen else None
    as_drawn = f.raw_x if f.raw_side == side else None
    steps = way_in(strokes, side, style, as_drawn, the_input)
    return Inside(f, v, evidence(model, f, top, other), steps, model, u)


def explained(a: Answer, outputs: int, digits: np.ndarray | None = None) -> tuple[int, int]:
    """Which output the inside view explains, and against which: (explained, other).

    For the answer "not a digit" from a network with that output, that output is explained (its
    voters, and the pixels that push to it rather than to the best digit): explaining the top digit
    would pretend a digit won. Otherwise the top digit against the runner-up; for "not a digit" from
    a ten-output network (ink too small) that is the network's best digit, which the view says did
    not win. When not sure whether it is a digit at all (`digits`, the ten digit probabilities,
    given), the top digit against "not a digit"."""
    if a.kind == Kind.NOT_DIGIT and outputs > NOT_A_DIGIT:
        return NOT_A_DIGIT, a.top
    if digits is not None and outputs > NOT_A_DIGIT and doubt(a, digits) == NOT_A_DIGIT:
        return a.top, NOT_A_DIGIT
    return a.top, a.runner_up


@dataclass(frozen=True)
class Response:
    unit: int
    activation: float  # how strongly it fires for the drawing (0: silent)
    preactivation: float  # its input before the ReLU: how far it is from firing
    votes: np.ndarray  # (outputs,) its contribution to each logit, 'not a digit' too if the model has it
    map: np.ndarray  # (28, 28) input x its weights: which pixels excite (>0) or inhibit (<0) it
    rank: int  # its place in the gallery order, 0 = most important


def response(model: MLP, f: Forward, u: Units, unit: int) -> Response:
    """How one unit of the last hidden layer responds to the current drawing."""
    j = int(unit)
    if not 0 <= j < u.count:
        raise ValueError(f"unit {j} out of range: this layer has {u.count} units (0..{u.count - 1})")
    h = f.hidden[-1][j] if f.hidden else f.x[j]
    below = f.hidden[-2] if len(f.hidden) > 1 else f.x
    pre = float((below * model.weights[-2][:, j]).sum() + model.biases[-2][j]) if f.hidden else float(h)
    rank = int(np.flatnonzero(u.order == j)[0])
    emap = f.image * u.images[j]
    return Response(j, float(h), pre, h * u.out_weights[j], emap.astype(np.float32), rank)


# ---------------------------------------------------------------------------------------------
# Colour: a diverging map that colour-blind viewers can read, as a lookup table.


def _diverging_lut(n: int = 257) -> np.ndarray:
    """Blue (negative) - black (zero) - orange (positive), (n, 3) uint8; n odd so 0 has its own entry.

    Blue against orange is the pair all common colour-vision deficiencies keep apart (they lose the
    red-green axis, or rarely the blue-yellow one, which the lightness ramp covers); both halves
    brighten the same way with |value|, so magnitude reads even in greyscale. Zero is black, the
    app's background: a silent pixel or weight simply disappears. Anchors after Paul Tol's and
    Okabe-Ito's blue and orange.
    """
    neg = np.array([[0, 0, 0], [0, 76, 153], [0, 114, 178], [86, 180, 233], [200, 232, 250]], float)
    pos = np.array([[0, 0, 0], [120, 50, 0], [213, 94, 0], [230, 159, 0], [255, 230, 170]], float)
    t = np.linspace(-1, 1, n)
    out = np.empty((n, 3))
    for side, anchors in ((t < 0, neg), (t >= 0, pos)):
        a = np.abs(t[side]) * (len(anchors) - 1)
        i = np.minimum(a.astype(int), len(anchors) - 2)
        frac = (a - i)[:, None]
        out[side] = anchors[i] * (1 - frac) + anchors[i + 1] * frac
    return np.round(out).astype(np.uint8)


DIVERGING = _diverging_lut()


def to_rgb(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Signed values as RGB (..., 3) uint8 through DIVERGING; +-limit (default max |value|) saturate."""
    v = np.asarray(values, np.float64)
    if limit is None:
        limit = float(np.abs(v).max()) if v.size else 0.0
    limit = limit if limit > 0 else 1.0
    idx = np.round((np.clip(v / limit, -1, 1) + 1) * 0.5 * (len(DIVERGING) - 1)).astype(np.intp)
    return DIVERGING[idx]
