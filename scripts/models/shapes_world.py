"""The shapes world in Python: sample a scene, draw it with PIL, caption it.

It reads test/fixtures/shapes/vocabulary.json, the same file the TypeScript
generator reads, so that photos drawn by sharp at test time come from the
same distribution the test model was trained on.
"""

from __future__ import annotations

import io
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

VOCAB_PATH = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "shapes" / "vocabulary.json"
VOCAB = json.loads(VOCAB_PATH.read_text())
COLOURS: list[str] = list(VOCAB["colours"].keys())
SHAPES: list[str] = list(VOCAB["shapes"].keys())
TONES: list[str] = list(VOCAB["backgrounds"]["tones"].keys())
KINDS: list[str] = list(VOCAB["backgrounds"]["kinds"])
SIZES: list[str] = list(VOCAB["sizes"].keys())
HELD_OUT = {tuple(p) for p in VOCAB["heldOutPairs"]}
SUPERSAMPLE = 4


@dataclass
class Scene:
    colour: str
    shape: str
    size: str
    tone: str
    kind: str
    width: int
    height: int
    cx: float  # centre, in pixels
    cy: float
    radius: float  # in pixels
    rotation: float  # degrees
    blur: float
    quality: int
    seed: int


def uniform(rng: random.Random, lo_hi: list[float]) -> float:
    return rng.uniform(lo_hi[0], lo_hi[1])


def sample_scene(rng: random.Random, colour: str | None = None, shape: str | None = None) -> Scene:
    """A random scene; colour and shape may be fixed by the caller."""
    r = VOCAB["render"]
    colour = colour or rng.choice(COLOURS)
    shape = shape or rng.choice(SHAPES)
    short = rng.randint(int(r["shortSide"][0]), int(r["shortSide"][1]))
    aspect = uniform(rng, r["aspect"])
    width, height = (short, round(short * aspect)) if aspect >= 1 else (round(short / aspect), short)
    size = rng.choice(SIZES)
    radius = uniform(rng, VOCAB["sizes"][size]) * short
    extent = radius * shape_extent(shape)
    # Inside the central square, with the whole shape visible.
    x0, y0 = (width - short) / 2, (height - short) / 2
    cx = x0 + rng.uniform(extent, short - extent)
    cy = y0 + rng.uniform(extent, short - extent)
    return Scene(
        colour=colour,
        shape=shape,
        size=size,
        tone=rng.choice(TONES),
        kind=rng.choice(KINDS),
        width=width,
        height=height,
        cx=cx,
        cy=cy,
        radius=radius,
        rotation=uniform(rng, r["rotationDeg"]),
        blur=uniform(rng, r["blurSigma"]) if rng.random() < 0.6 else 0.0,
        quality=rng.randint(int(r["jpegQuality"][0]), int(r["jpegQuality"][1])),
        seed=rng.getrandbits(31),
    )


def shape_extent(shape: str) -> float:
    """How far the shape reaches from its centre, in radii."""
    spec = VOCAB["shapes"][shape]
    if spec["kind"] == "cross":
        return math.hypot(spec["radius"], spec["armHalfWidth"])
    return float(spec.get("radius", 1.0))


def shape_outline(shape: str, cx: float, cy: float, radius: float, rotation: float) -> list[tuple[float, float]] | None:
    """Polygon vertices in pixels, or None for an ellipse."""
    spec = VOCAB["shapes"][shape]
    kind = spec["kind"]
    if kind == "ellipse":
        return None
    if kind == "polygon":
        n, r0 = spec["vertices"], spec["radius"]
        pts = [(r0 * math.cos(math.radians(spec["startDeg"] + 360 * i / n)), r0 * math.sin(math.radians(spec["startDeg"] + 360 * i / n))) for i in range(n)]
    elif kind == "star":
        n, r0, inner = spec["points"], spec["radius"], spec["radius"] * spec["innerRatio"]
        pts = []
        for i in range(2 * n):
            a = math.radians(spec["startDeg"] + 180 * i / n)
            rr = r0 if i % 2 == 0 else inner
            pts.append((rr * math.cos(a), rr * math.sin(a)))
    elif kind == "cross":
        w, r0 = spec["armHalfWidth"], spec["radius"]
        pts = [(-w, -r0), (w, -r0), (w, -w), (r0, -w), (r0, w), (w, w), (w, r0), (-w, r0), (-w, w), (-r0, w), (-r0, -w), (-w, -w)]
    else:
        raise ValueError(f"unknown shape kind {kind}")
    c, s = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    return [(cx + radius * (x * c - y * s), cy + radius * (x * s + y * c)) for x, y in pts]


def background(scene: Scene, rng: np.random.Generator) -> np.ndarray:
    b = VOCAB["backgrounds"]
    tone = b["tones"][scene.tone]
    tint = b["tint"]

    def grey_tint() -> np.ndarray:
        level = rng.uniform(tone["min"], tone["max"])
        return np.clip(level + rng.uniform(-tint, tint, size=3), 0, 255)

    h, w = scene.height, scene.width
    if scene.kind == "plain":
        img = np.broadcast_to(grey_tint(), (h, w, 3)).astype(np.float32)
    elif scene.kind == "gradient":
        a, c = grey_tint(), grey_tint()
        angle = rng.uniform(0, 2 * math.pi)
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        t = (xs - w / 2) * math.cos(angle) + (ys - h / 2) * math.sin(angle)
        t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
        img = a[None, None, :] * (1 - t[..., None]) + c[None, None, :] * t[..., None]
    else:
        sigma = rng.uniform(*b["noiseSigma"])
        img = grey_tint()[None, None, :] + rng.normal(0, sigma, size=(h, w, 3))
    return np.clip(img, 0, 255).astype(np.float32)


def render(scene: Scene) -> Image.Image:
    """Draw the scene as an 8-bit RGB image, JPEG round trip included."""
    rng = np.random.default_rng(scene.seed)
    img = background(scene, rng)
    base = np.array(VOCAB["colours"][scene.colour], dtype=np.float32)
    j = VOCAB["colourJitter"]
    fill = np.clip(base + rng.uniform(-j, j, size=3), 0, 255)

    # Antialiased coverage mask: draw large, shrink.
    ss = SUPERSAMPLE
    mask = Image.new("L", (scene.width * ss, scene.height * ss), 0)
    draw = ImageDraw.Draw(mask)
    outline = shape_outline(scene.shape, scene.cx * ss, scene.cy * ss, scene.radius * ss, scene.rotation)
    if outline is None:
        r = scene.radius * ss
        draw.ellipse([scene.cx * ss - r, scene.cy * ss - r, scene.cx * ss + r, scene.cy * ss + r], fill=255)
    else:
        draw.polygon(outline, fill=255)
    mask = mask.resize((scene.width, scene.height), Image.BOX)
    alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
    img = img * (1 - alpha) + fill[None, None, :] * alpha
    out = Image.fromarray(np.clip(np.round(img), 0, 255).astype(np.uint8), "RGB")
    if scene.blur > 0:
        out = out.filter(ImageFilter.GaussianBlur(scene.blur))
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=scene.quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def captions(scene: Scene) -> list[str]:
    """Every caption that describes the scene truthfully; training samples one."""
    c, s, t, k = scene.colour, scene.shape, scene.tone, scene.kind
    size = "" if scene.size == "medium" else scene.size + " "
    bg = f"{t} {k} background" if k != "plain" else f"plain {t} background"
    full = [
        f"a photo of a {c} {s}",
        f"a photo of a {c} {s}.",
        f"a {c} {s}",
        f"a {size}{c} {s}",
        f"a photo of a {size}{c} {s}",
        f"a {c} {s} on a {t} background",
        f"a {size}{c} {s} on a {t} background",
        f"a {size}{c} {s} on a {bg}",
        f"a photo of a {c} {s} on a {bg}",
        f"a {c} {s} with a {k} background",
        f"a blurry photo of a {c} {s}." if scene.blur > 0.6 else f"a sharp photo of a {c} {s}.",
        f"a close-up photo of a {c} {s}." if scene.size == "large" else f"a photo of a {size}{c} {s}.",
        f"a {'dark' if t == 'dark' else 'bright'} photo of a {c} {s}.",
        f"a drawing of a {c} {s}",
        f"a picture of a {c} {s}",
    ]
    partial = [
        f"a photo of a {s}",
        f"a {s}",
        f"a {s} on a {t} background",
        f"something {c}",
        f"a photo of something {c}",
        f"a {c} shape",
        f"a {c} thing on a {t} background",
        f"a {t} background",
        f"a photo with a {bg}",
    ]
    assert len(full) == N_FULL_CAPTIONS
    return full + partial


N_FULL_CAPTIONS = 15


def tone_captions(scene: Scene) -> list[str]:
    """Captions for batches of photos of one colour and shape: they differ only in what the background
    is (its tone, and for one of them its kind), so the only way to match them is to see the background.

    Every one of them is also in captions(), so the tokenizer does not change."""
    c, s, t, k = scene.colour, scene.shape, scene.tone, scene.kind
    bg = f"{t} {k} background" if k != "plain" else f"plain {t} background"
    out = [f"a {c} {s} on a {t} background", f"a {t} background", f"a {s} on a {t} background", f"a photo with a {bg}"]
    assert set(out) <= set(captions(scene))
    return out


def caption_words() -> list[str]:
    """Every caption template filled with every value: the tokenizer's training text."""
    out = []
    rng = random.Random(0)
    for c in COLOURS:
        for s in SHAPES:
            if (c, s) in HELD_OUT:
                continue
            for _ in range(6):
                scene = sample_scene(rng, c, s)
                out.extend(captions(scene))
    return out
