#!/usr/bin/env python3
"""Build Lumen's test models. Run by hand (see scripts/models/README.md), never by CI.

Default: train `shapes-clip`, a small CLIP of the real architecture's shape, from
scratch with the paper's symmetric contrastive loss on procedurally generated
captioned photos of the shapes world, and export it in the Hugging Face /
Transformers.js ONNX layout to test/fixtures/models/shapes-clip/.

--full-size: write a ViT-B/32 CLIP with random weights (the real model's shapes
and FLOPs) and an int8 dynamically quantised vision model to a cache folder
outside the repository, for benchmarks.

Needs Debian's python3-torch, python3-pil, python3-numpy, python3-onnx, python3-regex.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import multiprocessing as mp
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shapes_world as world  # noqa: E402
from bpe_tokenizer import Tokenizer, train_merges  # noqa: E402
from clip_model import Clip, ClipDims  # noqa: E402
from onnx_export import convert_fp16, export_towers, quantize_dynamic_int8  # noqa: E402
from onnx_import import load_onnx_weights  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

SHAPES_DIMS = ClipDims(
    image_size=64,
    patch_size=8,
    vision_width=96,
    vision_layers=6,
    vision_heads=3,
    text_width=96,
    text_layers=4,
    text_heads=3,
    context_length=32,
    vocab_size=0,  # set from the trained tokenizer
    embed_dim=64,
    stem="conv",
)

VIT_B32_DIMS = ClipDims(
    image_size=224,
    patch_size=32,
    vision_width=768,
    vision_layers=12,
    vision_heads=12,
    text_width=512,
    text_layers=12,
    text_heads=8,
    context_length=77,
    vocab_size=49408,
    embed_dim=512,
)


# ---------------------------------------------------------------- preprocessing

def clip_preprocess(img: Image.Image, size: int) -> np.ndarray:
    """CLIPImageProcessor: shortest edge -> size (PIL bicubic), centre crop, as uint8 HWC."""
    w, h = img.size
    if w <= h:
        nw, nh = size, int(size * h / w)
    else:
        nw, nh = int(size * w / h), size
    img = img.resize((nw, nh), Image.BICUBIC)
    top, left = (nh - size) // 2, (nw - size) // 2
    return np.asarray(img.crop((left, top, left + size, top + size)), dtype=np.uint8)


def to_pixels(batch_u8: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(batch_u8).float().div_(255.0).permute(0, 3, 1, 2)
    mean = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    return (x - mean) / std


# ---------------------------------------------------------------- data

def _render(args: tuple[int, int, str | None, str | None]) -> tuple[np.ndarray, dict]:
    """One scene, preprocessed. Without a fixed pair, held-out pairs are redrawn."""
    seed, size, colour, shape = args
    rng = random.Random(seed)
    scene = world.sample_scene(rng, colour, shape)
    while colour is None and (scene.colour, scene.shape) in world.HELD_OUT:
        scene = world.sample_scene(rng)
    return clip_preprocess(world.render(scene), size), scene.__dict__


def make_dataset(n: int, size: int, seed: int, workers: int) -> tuple[np.ndarray, list[dict]]:
    """n training scenes (held-out pairs excluded), rendered and preprocessed."""
    jobs = [(seed * 1_000_003 + i, size, None, None) for i in range(n)]
    with mp.Pool(workers) as pool:
        out = pool.map(_render, jobs, chunksize=256)
    return np.stack([o[0] for o in out]), [o[1] for o in out]


def make_eval_set(per_pair: int, size: int, seed: int, workers: int) -> tuple[np.ndarray, list[dict]]:
    """per_pair scenes for each of the 48 colour-shape pairs, held-out pairs included."""
    jobs = [(seed * 7919 + i * 131 + j, size, c, s) for i, (c, s) in enumerate((c, s) for c in world.COLOURS for s in world.SHAPES) for j in range(per_pair)]
    with mp.Pool(workers) as pool:
        out = pool.map(_render, jobs, chunksize=64)
    return np.stack([o[0] for o in out]), [o[1] for o in out]


def _load(args: tuple[str, int]) -> np.ndarray:
    path, size = args
    with Image.open(path) as img:
        return clip_preprocess(img.convert("RGB"), size)


def load_photo_folder(folder: Path, size: int, workers: int, training: bool = False) -> tuple[np.ndarray, list[dict]]:
    """Photos the TypeScript generator drew with sharp (`npm run fixtures:photos`, which writes the
    manifest), preprocessed. The manifest records what the captions need (colour, shape, size, tone,
    background, blur) but not the shape's geometry, which training does not use. A training folder
    with a held-out pair is refused before anything is decoded."""
    manifest = json.loads((folder / "manifest.json").read_text())
    if training and any((m["colour"], m["shape"]) in world.HELD_OUT for m in manifest):
        raise SystemExit(f"--photos: {folder} has photos of held-out pairs (write it with --pairs trained)")
    with mp.Pool(workers) as pool:
        images = pool.map(_load, [(str(folder / m["file"]), size) for m in manifest], chunksize=256)
    nan = float("nan")
    scenes = [
        world.Scene(colour=m["colour"], shape=m["shape"], size=m["size"], tone=m["tone"], kind=m["background"], width=m["width"], height=m["height"], cx=nan, cy=nan, radius=nan, rotation=nan, blur=m["blur"], quality=0, seed=0).__dict__
        for m in manifest
    ]
    return np.stack(images), scenes


def load_training_folders(folders: list[Path], size: int, workers: int) -> tuple[np.ndarray, list[dict]]:
    parts = [load_photo_folder(f, size, workers, training=True) for f in folders]
    return np.concatenate([p[0] for p in parts]), [s for p in parts for s in p[1]]


def batch_tokens(tok: Tokenizer, texts: list[str], ctx: int) -> tuple[torch.Tensor, torch.Tensor]:
    seqs = [tok.encode(t, ctx) for t in texts]
    n = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), n), tok.eos_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return ids, mask


# ---------------------------------------------------------------- evaluation

@torch.no_grad()
def zero_shot(model: Clip, tok: Tokenizer, images: np.ndarray, scenes: list[dict]) -> dict:
    """Top-1 over the 48 prompts 'a photo of a {colour} {shape}'."""
    model.eval()
    # Every metric below compares these same image embeddings with different texts.
    img = torch.cat([model.encode_image(to_pixels(images[i : i + 512])) for i in range(0, len(images), 512)])
    # Shape alone, from the shape's name: what the core phase trains.
    ids, mask = batch_tokens(tok, world.SHAPES, model.dims.context_length)
    names = model.encode_text(ids, mask)
    word_hits = sum(world.SHAPES[p] == sc["shape"] for p, sc in zip((img @ names.t()).argmax(dim=1).tolist(), scenes))
    pairs = [(c, s) for c in world.COLOURS for s in world.SHAPES]
    prompt = world.VOCAB["zeroShotPrompt"]
    ids, mask = batch_tokens(tok, [prompt.format(colour=c, shape=s) for c, s in pairs], model.dims.context_length)
    txt = model.encode_text(ids, mask)
    preds = (img @ txt.t()).argmax(dim=1).tolist()
    res = {"colour": 0, "shape": 0, "pair": 0, "n": 0, "held_pair": 0, "held_n": 0, "seen_pair": 0, "seen_n": 0}
    per_held: dict[str, list[int]] = {}
    mistakes: dict[str, collections.Counter] = {}
    for p, sc in zip(preds, scenes):
        c, s = pairs[p]
        ok = c == sc["colour"] and s == sc["shape"]
        if (sc["colour"], sc["shape"]) in world.HELD_OUT:
            per_held.setdefault(f"held_{sc['colour']}_{sc['shape']}", [0, 0])[ok] += 1
            if not ok:
                mistakes.setdefault(f"{sc['colour']} {sc['shape']}", collections.Counter())[f"{c} {s}"] += 1
        res["colour"] += c == sc["colour"]
        res["shape"] += s == sc["shape"]
        res["pair"] += ok
        res["n"] += 1
        key = "held" if (sc["colour"], sc["shape"]) in world.HELD_OUT else "seen"
        res[f"{key}_pair"] += ok
        res[f"{key}_n"] += 1
    tone = tone_metrics(model, tok, img, scenes)
    tags = tag_metrics(model, tok, img, scenes)
    model.train()
    # What the held-out pairs are called instead: a pair taken for another shape (a blue cross for a
    # star) costs a tag's precision, one taken for another colour of its own shape does not.
    if mistakes:
        print("held-out mistakes: " + "; ".join(f"{k} as " + ", ".join(f"{w} x{n}" for w, n in v.most_common(3)) for k, v in sorted(mistakes.items())), flush=True)
    return {
        **tone,
        **tags,
        "shape_word_top1": word_hits / len(images),
        "colour_top1": res["colour"] / res["n"],
        "shape_top1": res["shape"] / res["n"],
        "pair_top1": res["pair"] / res["n"],
        "held_out_pair_top1": res["held_pair"] / max(res["held_n"], 1),
        "seen_pair_top1": res["seen_pair"] / max(res["seen_n"], 1),
        # Each held-out pair on its own: an average hides a pair that is always called something else.
        **{k: v[1] / sum(v) for k, v in sorted(per_held.items())},
    }


@torch.no_grad()
def tone_metrics(model: Clip, tok: Tokenizer, img: torch.Tensor, scenes: list[dict]) -> dict:
    """How well the model tells dark backgrounds from light ones.

    tone_top1: the right one of "a {colour} {shape} on a dark/light background" for each photo;
    dark_auc: ROC AUC of the score for "a dark background" as a detector of dark photos."""
    ctx = model.dims.context_length
    pairs = [(c, s, t) for c in world.COLOURS for s in world.SHAPES for t in ("dark", "light")]
    txt = model.encode_text(*batch_tokens(tok, [f"a {c} {s} on a {t} background" for c, s, t in pairs], ctx))
    index = {p: i for i, p in enumerate(pairs)}
    right = 0
    for i, sc in enumerate(scenes):
        other = "light" if sc["tone"] == "dark" else "dark"
        right += float(img[i] @ txt[index[(sc["colour"], sc["shape"], sc["tone"])]]) > float(img[i] @ txt[index[(sc["colour"], sc["shape"], other)]])
    dark = (img @ model.encode_text(*batch_tokens(tok, ["a dark background"], ctx))[0]).numpy()
    truth = np.array([sc["tone"] == "dark" for sc in scenes])
    auc = float((dark[truth][:, None] > dark[~truth][None, :]).mean())
    return {"tone_top1": right / len(scenes), "dark_auc": auc}


# The tagging test's categories (test/core/tags/tagger.test.ts): each one's prompts, averaged as the
# tagger averages them, and which photos are truly in it. A template is filled as
# electron/core/tags/prompt-templates.ts fills it, read from there so the two cannot drift apart.
PHOTO_TEMPLATES = re.findall(r"^  '(.*\{\}.*)',$", (REPO / "electron/core/tags/prompt-templates.ts").read_text(), re.M)
TAG_CATEGORIES = {
    "red": (["something red", "a photo of something red", "a red shape"], lambda sc: sc["colour"] == "red"),
    "star": ([t.replace("{}", "star" if "the {}" in t else "a star") for t in PHOTO_TEMPLATES], lambda sc: sc["shape"] == "star"),
}


@torch.no_grad()
def tag_metrics(model: Clip, tok: Tokenizer, img: torch.Tensor, scenes: list[dict]) -> dict:
    """Whether a threshold can tag each category with the issue's bar, whatever the zero-shot top-1:
    a photo's top-1 is an argmax across prompts, a tag is one score against one threshold, and a
    model can win the first while a category's scores overlap the rest (measured 2026-11-29).

    {name}_p_at_r90: precision where the threshold keeps 90% of the category's photos (the best a
    calibration can do at that recall); {name}_gap: the category's lowest score minus the highest of
    the rest (positive when some threshold separates them outright)."""
    out = {}
    for name, (prompts, truth_of) in TAG_CATEGORIES.items():
        txt = model.encode_text(*batch_tokens(tok, prompts, model.dims.context_length))
        vec = torch.nn.functional.normalize(txt.mean(dim=0), dim=0)
        score = (img @ vec).numpy()
        truth = np.array([truth_of(sc) for sc in scenes])
        threshold = np.quantile(score[truth], 0.1)
        kept = score >= threshold
        out[f"{name}_p_at_r90"] = float(truth[kept].mean())
        out[f"{name}_gap"] = float(score[truth].min() - score[~truth].max())
    return out


# ---------------------------------------------------------------- training

# What a batch group is made of, and so how its photos are captioned.
LOOK_ALIKE, TONE, SHAPE, COLOUR, HARD = 0, 1, 2, 3, 4


def sample_batch(gen: np.random.Generator, pools: dict[int, list[np.ndarray]], shares: dict[int, float], size: int, group: int) -> tuple[np.ndarray, np.ndarray]:
    """A batch made of groups of look-alike photos.

    With random batches, colour and background explain most of the contrastive loss and shape is learnt
    very late. Each group here draws from one pool of photos that share colour (and, for the finer pools,
    background tone and kind), so inside a group mainly shape tells captions apart. The loss is still
    the paper's symmetric cross-entropy over the whole batch.

    With probability shares[TONE] a group comes instead from a pool of one colour and one shape, whose
    photos differ mainly in background tone, kind and size; those photos get captions that name the tone
    (pick_tone_caption). With probability shares[SHAPE] it comes from a pool of one background and every
    colour, captioned with the shape alone (pick_shape_caption), so that one caption has to match a shape
    in every colour. With probability shares[COLOUR] it comes from a pool of one shape and background tone
    in every colour, captioned with the colour alone (pick_colour_caption), so that inside the group only
    colour tells captions apart. With probability shares[HARD] it comes from a pool of one background
    and the shapes a category confuses (hard_shapes: stars, crosses, triangles), hue-turned and captioned
    with the shape alone like a shape group, so that its contrasts are all between those shapes. The
    second array gives each photo's group kind.
    """
    if size % group:
        raise SystemExit(f"--batch {size} must be a multiple of --group {group}")
    parts, kinds = [], []
    for _ in range(size // group):
        r, kind = gen.random(), LOOK_ALIKE
        for k in (TONE, SHAPE, COLOUR, HARD):
            if pools.get(k) and r < shares.get(k, 0.0):
                kind = k
                break
            r -= shares.get(k, 0.0)
        chosen = pools[kind]
        parts.append(gen.choice(chosen[gen.integers(len(chosen))], size=group, replace=False))
        kinds.append(np.full(group, kind))
    return np.concatenate(parts), np.concatenate(kinds)


def look_alike_pools(scenes: list[dict], group: int, hard_shapes: tuple[str, ...] = ()) -> dict[int, list[np.ndarray]]:
    """Pools by colour, and by colour + background tone + background kind; the tone pools, by colour +
    shape; the shape pools, by background tone + kind (every colour); the colour pools, by shape +
    background tone (every colour); the hard pools, by background tone + kind over the photos of
    hard_shapes only. Each at least a group large."""
    keys = {
        LOOK_ALIKE: lambda s: [(s["colour"],), (s["colour"], s["tone"], s["kind"])],
        TONE: lambda s: [(s["colour"], s["shape"])],
        SHAPE: lambda s: [(s["tone"], s["kind"])],
        COLOUR: lambda s: [(s["shape"], s["tone"])],
        HARD: lambda s: [(s["tone"], s["kind"])] if s["shape"] in hard_shapes else [],
    }
    out: dict[int, list[np.ndarray]] = {}
    for kind, key in keys.items():
        pools: dict[tuple, list[int]] = {}
        for i, s in enumerate(scenes):
            for k in key(s):
                pools.setdefault(k, []).append(i)
        out[kind] = [np.array(v) for v in pools.values() if len(v) >= group]
    return out


def pick_caption(gen: np.random.Generator, scene: dict, captions: list[str], core: bool) -> str:
    """A caption for a photo. In the core phase, the shape's name alone ("star"): six captions the text
    tower tells apart at once, so the image tower learns shape as fast as a classifier would (with full
    sentences from the start, shape stayed at chance for the first 600 steps in every attempt; colour
    is learnt within a few hundred steps of the full captions).
    Afterwards mostly a full description, sometimes a partial one (shape only, colour only, background)."""
    if core:
        return scene["shape"]
    n_full = world.N_FULL_CAPTIONS
    if gen.random() < 0.8:
        return captions[gen.integers(n_full)]
    return captions[n_full + gen.integers(len(captions) - n_full)]


def pick_tone_caption(gen: np.random.Generator, scene: dict, tone_captions: list[str]) -> str:
    """A caption for a photo in a tone group: half the time the tone's word alone ("dark", as the core
    phase uses the shape's name: a one-word caption leaves the text tower no way to overlook it),
    otherwise one of the captions that name the background's tone."""
    if gen.random() < 0.5:
        return scene["tone"]
    return tone_captions[gen.integers(len(tone_captions))]


_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_YIQ_INV = np.linalg.inv(_YIQ)
_COLOUR_NAMES = list(world.VOCAB["colours"])
_COLOUR_RGB = np.array([world.VOCAB["colours"][n] for n in _COLOUR_NAMES], dtype=np.float64)


def hue_rotation(theta: float, saturation: float = 1.0) -> np.ndarray:
    """RGB -> RGB matrix turning hue by theta radians about the grey axis and scaling saturation (in YIQ,
    so luminance stays: saturation 0 is the grey of the same brightness)."""
    c, s = math.cos(theta) * saturation, math.sin(theta) * saturation
    rot = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    return _YIQ_INV @ rot @ _YIQ


def nearest_colours(rgb: np.ndarray, k: int) -> list[str]:
    """The k named colours nearest to rgb."""
    d = np.sum((_COLOUR_RGB - rgb) ** 2, axis=1)
    return [_COLOUR_NAMES[i] for i in np.argsort(d, kind="stable")[:k]]


def recolour(gen: np.random.Generator, batch: np.ndarray, rows: np.ndarray, scenes: list[dict], idx: np.ndarray, fade: float = 0.0) -> np.ndarray:
    """The shape groups' photos with their hue turned by a random angle each, so that every shape is seen
    in many colours besides the eight named ones (their captions name only the shape).

    A model trained on the named colours alone learnt a cross detector for each colour it saw crosses in
    and none for blue (see scripts/models/README.md). An angle is refused when one of the two named
    colours nearest to the shape's turned colour is one the shape is held out with (a red star turned
    until it looks blue is a blue star, fine; a red cross turned to blue, or to a violet or teal between
    blue and its neighbours, is refused), so the held-out pairs still never appear: no cross shown is
    blue or half-way to it.

    With probability fade a photo is also faded towards grey by a random amount, so shapes are seen at
    every saturation too: hue turns never reach the white or black a shape may be held out with (white
    triangles), whose only difference from the colours a shape was seen in is saturation. The same
    refusal keeps a triangle from fading until white is one of its two nearest colours."""
    if not rows.any():
        return batch
    out = batch.copy()
    for r in np.flatnonzero(rows):
        scene = scenes[idx[r]]
        base = _COLOUR_RGB[_COLOUR_NAMES.index(scene["colour"])]
        for _ in range(20):
            # Without fading, no draws beyond the angle: the same seed then makes the same run as before
            # --shape-fade existed.
            m = hue_rotation(gen.uniform(0, 2 * math.pi), gen.uniform(0, 1) if fade and gen.random() < fade else 1.0)
            near = nearest_colours(np.clip(m @ base, 0, 255), 2)
            if not any((c, scene["shape"]) in world.HELD_OUT for c in near):
                out[r] = np.clip(batch[r].astype(np.float64) @ m.T, 0, 255).round().astype(np.uint8)
                break
    return out


def pick_shape_caption(gen: np.random.Generator, scene: dict) -> str:
    """A caption for a photo in a shape group: the shape's name alone, or a short sentence with it."""
    return [scene["shape"], f"a {scene['shape']}", f"a photo of a {scene['shape']}"][gen.integers(3)]


def pick_colour_caption(gen: np.random.Generator, scene: dict) -> str:
    """A caption for a photo in a colour group: the colour alone, in the phrasings a user types for a
    colour category ("something red", "a red shape")."""
    c = scene["colour"]
    return [c, f"something {c}", f"a photo of something {c}", f"a {c} shape", f"a {c} thing"][gen.integers(5)]


def caption_targets(texts: list[str]) -> torch.Tensor:
    """With --multi-positive, the loss's targets: every caption identical to a photo's own is a right
    answer for it, sharing the target equally. Group captions repeat within a batch (a shape group's 32
    photos share six shape names, a tone group's two tone words), and the paper's one-hot targets then
    push a photo away from the very caption it was given under a neighbour's index."""
    index = {t: i for i, t in enumerate(dict.fromkeys(texts))}
    ids = torch.tensor([index[t] for t in texts])
    same = (ids[:, None] == ids[None, :]).float()
    return same / same.sum(dim=1, keepdim=True)


def load_tokenizer(folder: Path) -> Tokenizer:
    """The tokenizer an exported model folder was trained with (its merges, hence its exact vocabulary)."""
    data = json.loads((folder / "tokenizer.json").read_text())
    tok = Tokenizer([tuple(m.split(" ")) for m in data["model"]["merges"]])
    if tok.vocab != data["model"]["vocab"]:
        raise SystemExit(f"{folder / 'tokenizer.json'}: its vocabulary is not the one its merges build")
    return tok


def train(args: argparse.Namespace) -> tuple[Clip, Tokenizer, dict]:
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    init = Path(args.init_from) if args.init_from else None
    tok = load_tokenizer(init) if init else Tokenizer(train_merges(world.caption_words(), args.merges))
    dims = ClipDims(**{**SHAPES_DIMS.to_dict(), "vocab_size": len(tok.vocab)})
    print(f"tokenizer: {len(tok.vocab)} tokens ({len(tok.merges)} merges)", flush=True)

    t0 = time.time()
    if args.photos:
        # Photos drawn by sharp, exactly as the tests draw theirs, instead of by PIL.
        root = Path(args.photos)
        train_dirs = sorted(p.parent for p in root.glob("train*/manifest.json"))
        if not train_dirs or not (root / "eval" / "manifest.json").exists():
            raise SystemExit(f"--photos {root}: expected train*/manifest.json and eval/manifest.json (see scripts/models/README.md)")
        images, scenes = load_training_folders(train_dirs, dims.image_size, args.workers)
        ev_images, ev_scenes = load_photo_folder(root / "eval", dims.image_size, args.workers)
    else:
        images, scenes = make_dataset(args.dataset, dims.image_size, args.seed, args.workers)
        ev_images, ev_scenes = make_eval_set(args.eval_per_pair, dims.image_size, args.seed + 1, args.workers)
    print(f"data: {len(images)} training photos, {len(ev_images)} evaluation photos in {time.time() - t0:.0f}s", flush=True)
    caption_sets = [world.captions(world.Scene(**s)) for s in scenes]
    tone_sets = [world.tone_captions(world.Scene(**s)) for s in scenes]

    model = Clip(dims, tok.eos_id, args.logit_scale_init)
    # Distinct token embeddings from the start make captions distinguishable before the text tower has
    # learnt anything (CLIP's 0.02 left every caption's embedding nearly the same for the first steps).
    torch.nn.init.normal_(model.text.token.weight, std=args.token_init_std)
    if init:
        load_onnx_weights(model, init)
        # Words the model learnt to ignore on both sides (the committed model embeds "on a dark
        # background" and "on a light background" alike, cosine 1.0000) sit at a saddle: with equal text
        # embeddings no gradient asks the image tower for tone, and without tone in the images none asks
        # the text tower to tell the words apart. Fresh random token embeddings did not break it (the
        # trained text tower still embedded "dark" and "light" alike after 200 steps, cosine 0.999,
        # even with a 30x learning rate on them): it only reads the directions its own words use. So
        # each such word starts as a copy of a related word it does read ("dark" from "black"), which
        # makes the two captions differ from the first step; training then moves them apart.
        for word, like in args.init_words:
            (t,), (u,) = tok.encode(word, dims.context_length)[1:-1], tok.encode(like, dims.context_length)[1:-1]
            model.text.token.weight.data[t] = model.text.token.weight.data[u]
    # The copied words' token embeddings get their own, faster learning rate for the first --reinit-steps
    # steps (every other token embedding is held still meanwhile), so they can leave their models' place.
    fresh = sorted({tok.encode(w, dims.context_length)[1] for w, _ in args.init_words}) if init else []
    if fresh:
        keep = torch.zeros(dims.vocab_size, 1)
        keep[fresh] = 1.0
        model.text.token.weight.register_hook(lambda g: g * keep if sched.last_epoch < args.reinit_steps else g)
    if init:
        print(f"continuing from {init}: " + " ".join(f"{k} {v:.3f}" for k, v in zero_shot(model, tok, ev_images, ev_scenes).items()), flush=True)
    if args.train_only:
        # Continue with most of the model frozen: only parameters under these name prefixes learn, so
        # what the model already does (colour, shape, held-out pairs, how fine-tuning moves it) stays.
        prefixes = tuple(args.train_only)
        for n, p in model.named_parameters():
            p.requires_grad_(n.startswith(prefixes))
        print("training only: " + ", ".join(n for n, p in model.named_parameters() if p.requires_grad), flush=True)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "pos" not in n and "token" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "pos" not in n and "token" not in n) and "token" not in n]
    token = [model.text.token.weight]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}, {"params": token, "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.98), eps=1e-6,
    )
    warmup = max(1, min(300, args.steps // 10))
    base = lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps))  # noqa: E731
    boost = lambda s: args.reinit_lr_factor if fresh and s < args.reinit_steps else base(s)  # noqa: E731
    sched = torch.optim.lr_scheduler.LambdaLR(opt, [base, base, boost])
    gen = np.random.default_rng(args.seed)
    pools = look_alike_pools(scenes, args.group, tuple(args.hard_shapes))
    shares = {TONE: args.tone_share, SHAPE: args.shape_share, COLOUR: args.colour_share, HARD: args.hard_share}
    t0 = time.time()
    metrics: dict = {}
    last = min(args.stop_after or args.steps, args.steps)
    for step in range(1, last + 1):
        idx, kinds = sample_batch(gen, pools, shares, args.batch, args.group)
        batch = images[idx]
        if gen.random() < 0.5:
            batch = batch[:, :, ::-1].copy()  # a mirrored scene is the same scene
        batch = recolour(gen, batch, (kinds == SHAPE) | (kinds == HARD), scenes, idx, args.shape_fade)
        core = step <= args.core_steps
        texts = [
            pick_tone_caption(gen, scenes[i], tone_sets[i]) if k == TONE
            else pick_shape_caption(gen, scenes[i]) if k in (SHAPE, HARD)
            else pick_colour_caption(gen, scenes[i]) if k == COLOUR
            else pick_caption(gen, scenes[i], caption_sets[i], core)
            for i, k in zip(idx, kinds)
        ]
        ids, mask = batch_tokens(tok, texts, dims.context_length)
        loss = model.contrastive_loss(to_pixels(batch), ids, mask, caption_targets(texts) if args.multi_positive else None)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 50 == 0:
            print(f"step {step}/{args.steps} loss {loss.item():.3f} scale {model.logit_scale.exp().item():.1f} {(time.time() - t0) / step:.2f}s/step", flush=True)
        if step % args.eval_every == 0 or step == last:
            metrics = zero_shot(model, tok, ev_images, ev_scenes)
            print(f"eval step {step}: " + " ".join(f"{k} {v:.3f}" for k, v in metrics.items()), flush=True)
            if args.checkpoint_dir:
                Path(args.checkpoint_dir).mkdir(parents=True, exist_ok=True)
                torch.save(model.state_dict(), Path(args.checkpoint_dir) / f"step-{step}.pt")
    metrics["train_seconds"] = round(time.time() - t0)
    metrics["steps"] = last
    return model.eval(), tok, metrics


# ---------------------------------------------------------------- export

def hf_configs(dims: ClipDims, tok: Tokenizer | None, logit_scale: float, eos_id: int, bos_id: int, name: str) -> tuple[dict, dict]:
    config = {
        "_name_or_path": name,
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "projection_dim": dims.embed_dim,
        "logit_scale_init_value": 2.6592,
        "logit_scale": logit_scale,
        "text_config": {
            "model_type": "clip_text_model",
            "hidden_size": dims.text_width,
            "intermediate_size": 4 * dims.text_width,
            "num_attention_heads": dims.text_heads,
            "num_hidden_layers": dims.text_layers,
            "max_position_embeddings": dims.context_length,
            "vocab_size": dims.vocab_size,
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
            "projection_dim": dims.embed_dim,
            "bos_token_id": bos_id,
            "eos_token_id": eos_id,
            "pad_token_id": eos_id,
        },
        "vision_config": {
            "model_type": "clip_vision_model",
            "hidden_size": dims.vision_width,
            "intermediate_size": 4 * dims.vision_width,
            "num_attention_heads": dims.vision_heads,
            "num_hidden_layers": dims.vision_layers,
            "image_size": dims.image_size,
            "patch_size": dims.patch_size,
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
            "projection_dim": dims.embed_dim,
        },
    }
    preprocessor = {
        "crop_size": {"height": dims.image_size, "width": dims.image_size},
        "do_center_crop": True,
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": CLIP_MEAN,
        "image_processor_type": "CLIPImageProcessor",
        "image_std": CLIP_STD,
        "resample": 3,
        "rescale_factor": 1 / 255,
        "size": {"shortest_edge": dims.image_size},
    }
    return config, preprocessor


def write_folder(model: Clip, out: Path, tok_writer, bos_id: int, eos_id: int, name: str, variants: tuple[str, ...]) -> None:
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    config, pre = hf_configs(model.dims, None, float(model.logit_scale.clamp(max=math.log(100)).item()), eos_id, bos_id, name)
    (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (tmp / "preprocessor_config.json").write_text(json.dumps(pre, indent=2) + "\n")
    tok_writer(tmp)
    vision, text = export_towers(model, tmp / "onnx")
    if "fp16" in variants:
        convert_fp16(vision, tmp / "onnx" / "vision_model_fp16.onnx")
        convert_fp16(text, tmp / "onnx" / "text_model_fp16.onnx")
    if "quantized" in variants:
        n = quantize_dynamic_int8(vision, tmp / "onnx" / "vision_model_quantized.onnx")
        print(f"quantised {n} MatMuls in the vision model", flush=True)
        if "text_quantized" in variants:
            quantize_dynamic_int8(text, tmp / "onnx" / "text_model_quantized.onnx")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)


# The arguments that shape a run, recorded in training.json for fresh and continued runs alike.
SCHEDULE_KEYS = ("steps", "lr", "batch", "group", "tone_share", "shape_share", "shape_fade", "colour_share", "hard_share", "hard_shapes", "multi_positive", "stop_after")


def training_record(model: Clip, args: argparse.Namespace, metrics: dict) -> dict:
    """training.json: the model's dims and its Python-side evaluation, and, for a continued run, how it
    was continued and the record of the model it started from (so the whole recipe stays on file)."""
    record = {"dims": model.dims.to_dict(), "seed": args.seed, "python_zero_shot": metrics, "held_out_pairs": world.VOCAB["heldOutPairs"]}
    record["recipe"] = {k: getattr(args, k) for k in (*SCHEDULE_KEYS[:4], "core_steps", *SCHEDULE_KEYS[4:], "photos" if args.photos else "dataset")}
    if args.init_from:
        keys = (*SCHEDULE_KEYS, "train_only", "init_words", "reinit_steps", "reinit_lr_factor", "dataset", "seed")
        record["continued"] = {k: getattr(args, k) for k in keys}
        record["continued_from"] = json.loads((Path(args.init_from) / "training.json").read_text())
    return record


def make_shapes(args: argparse.Namespace) -> None:
    model, tok, metrics = train(args)
    out = Path(args.out)
    write_folder(model, out, lambda d: tok.write(d, model.dims.context_length), tok.bos_id, tok.eos_id, "lumen/shapes-clip", ("fp16", "quantized", "text_quantized"))
    # The Python side's own view, for comparison with what the TypeScript runtime measures.
    (out / "training.json").write_text(json.dumps(training_record(model, args, metrics), indent=2) + "\n")
    token_cases = [{"text": t, "ids": tok.encode(t, model.dims.context_length)} for t in sorted(set(world.caption_words()))[::7]]
    token_cases += [{"text": t, "ids": tok.encode(t, model.dims.context_length)} for t in ["a photo of a zebra", "Ünïcödé and 123 numbers!", "a " * 40]]
    (REPO / "test" / "fixtures" / "shapes" / "tokenizer-cases.json").write_text(json.dumps(token_cases, indent=1, ensure_ascii=False) + "\n")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {out} ({size / 1e6:.1f} MB)")
    print(json.dumps(metrics, indent=2))


def make_full_size(args: argparse.Namespace) -> None:
    ref = Path(args.reference_tokenizer)
    if not (ref / "tokenizer.json").exists():
        raise SystemExit(f"--reference-tokenizer {ref} has no tokenizer.json (the real CLIP tokenizer, e.g. ../shared/reference/clip-vit-base-patch32)")
    torch.manual_seed(args.seed)
    vocab = json.loads((ref / "tokenizer.json").read_text())["model"]["vocab"]
    eos_id, bos_id = vocab["<|endoftext|>"], vocab["<|startoftext|>"]
    model = Clip(VIT_B32_DIMS, eos_id).eval()

    def copy_tokenizer(d: Path) -> None:
        for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            if (ref / f).exists():
                shutil.copy(ref / f, d / f)

    out = Path(os.path.expanduser(args.cache_dir)) / "clip-vit-b32-random"
    write_folder(model, out, copy_tokenizer, bos_id, eos_id, "lumen/clip-vit-b32-random", ("quantized", "text_quantized"))
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {out} ({size / 1e6:.0f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "test" / "fixtures" / "models" / "shapes-clip"))
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--group", type=int, default=32, help="photos per one-colour group in a batch")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--logit-scale-init", type=float, default=1 / 0.07, help="initial temperature 1/T (CLIP: 1/0.07)")
    ap.add_argument("--token-init-std", type=float, default=0.5)
    ap.add_argument("--core-steps", type=int, default=1500, help="steps trained on one- and two-word captions first")
    ap.add_argument("--dataset", type=int, default=60000)
    ap.add_argument("--photos", help="train on photos drawn by the TypeScript generator: a folder with train*/ and eval/ photo folders")
    ap.add_argument("--eval-per-pair", type=int, default=40)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--merges", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init-from", help="continue training an exported model folder (its weights and tokenizer)")
    ap.add_argument("--tone-share", type=float, default=0.0, help="share of batch groups of one colour and shape, captioned with their background tone")
    ap.add_argument("--shape-share", type=float, default=0.0, help="share of batch groups of one background and every colour, hue-turned (recolour) and captioned with the shape alone")
    ap.add_argument("--colour-share", type=float, default=0.0, help="share of batch groups of one shape and background tone and every colour, captioned with the colour alone")
    ap.add_argument("--hard-share", type=float, default=0.0, help="share of batch groups of one background and only the --hard-shapes, hue-turned and captioned with the shape alone (hard negatives)")
    ap.add_argument("--hard-shapes", type=lambda v: [p for p in v.split(",") if p], default=["star", "cross", "triangle"], help="the shapes of the hard groups, comma-separated")
    ap.add_argument("--multi-positive", action="store_true", help="count identical captions in a batch as right answers for each other's photos (caption_targets)")
    ap.add_argument("--shape-fade", type=float, default=0.0, help="share of the shape groups' photos also faded towards grey by a random amount (recolour)")
    ap.add_argument("--train-only", type=lambda v: [p for p in v.split(",") if p], default=[], help="with --init-from: train only parameters whose names start with one of these comma-separated prefixes")
    ap.add_argument("--checkpoint-dir", help="save the weights at every evaluation here")
    ap.add_argument("--stop-after", type=int, help="stop after this many steps of the --steps schedule (its learning rate as in the full run) and export those weights")
    ap.add_argument("--reinit-steps", type=int, default=300, help="steps in which only the --init-words token embeddings learn, faster")
    ap.add_argument("--reinit-lr-factor", type=float, default=10.0, help="their learning rate then, as a multiple of --lr")
    ap.add_argument("--init-words", type=lambda v: [tuple(p.split("=")) for p in v.split(",") if p], default=[], help="with --init-from: word=like,... each word's token embedding starts as a copy of like's (one token each)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--full-size", action="store_true", help="write the random ViT-B/32 benchmark model instead")
    ap.add_argument("--cache-dir", default="~/.cache/lumen/bench-models")
    ap.add_argument("--reference-tokenizer", default=str(REPO.parent / "shared" / "reference" / "clip-vit-base-patch32"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.full_size:
        make_full_size(args)
    else:
        make_shapes(args)


if __name__ == "__main__":
    main()
