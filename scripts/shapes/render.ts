// Draws a scene with sharp: a plain, gradient or noisy background (raw pixels), the shape as an
// antialiased SVG composited on top, optional Gaussian blur, then the requested encoding.

import sharp, { type Sharp } from 'sharp';
import { Random } from './random.js';
import { NEW_CONCEPT, shapeOutline, type Scene } from './scene.js';
import { vocabulary } from './vocabulary.js';

function backgroundPixels(scene: Scene, rng: Random): Buffer {
  const { width: w, height: h } = scene;
  const tone = vocabulary.backgrounds.tones[scene.tone];
  const tint = vocabulary.backgrounds.tint;
  const greyTint = (): [number, number, number] => {
    const level = rng.uniform(tone.min, tone.max);
    return [0, 1, 2].map(() => Math.min(255, Math.max(0, level + rng.uniform(-tint, tint)))) as [
      number,
      number,
      number,
    ];
  };
  const px = Buffer.alloc(w * h * 3);
  if (scene.kind === 'plain') {
    const c = greyTint();
    for (let i = 0; i < w * h; i++) px.set(c, i * 3);
  } else if (scene.kind === 'gradient') {
    const a = greyTint();
    const b = greyTint();
    const angle = rng.uniform(0, 2 * Math.PI);
    const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
    // Project every pixel on the gradient direction and normalise to [0, 1] over the picture.
    const corners = [0, w].flatMap((x) => [0, h].map((y) => (x - w / 2) * ca + (y - h / 2) * sa));
    const lo = Math.min(...corners);
    const span = Math.max(Math.max(...corners) - lo, 1e-6);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const t = ((x - w / 2) * ca + (y - h / 2) * sa - lo) / span;
        const o = (y * w + x) * 3;
        for (let c = 0; c < 3; c++) px[o + c] = Math.round((a[c] as number) * (1 - t) + (b[c] as number) * t);
      }
    }
  } else {
    const base = greyTint();
    const sigma = rng.uniform(...vocabulary.backgrounds.noiseSigma);
    for (let i = 0; i < w * h * 3; i++)
      px[i] = Math.min(255, Math.max(0, Math.round((base[i % 3] as number) + sigma * rng.normal())));
  }
  return px;
}

function shapeSvg(scene: Scene, fill: [number, number, number]): Buffer {
  const colour = `rgb(${fill.map(Math.round).join(',')})`;
  const outline = scene.shape === NEW_CONCEPT ? null : shapeOutline(scene);
  const ring = (0.3 * scene.radius).toFixed(2);
  const body =
    scene.shape === NEW_CONCEPT
      ? `<circle cx="${scene.cx.toFixed(2)}" cy="${scene.cy.toFixed(2)}" r="${(0.85 * scene.radius).toFixed(2)}" fill="none" stroke="${colour}" stroke-width="${ring}"/>`
      : outline
        ? `<polygon points="${outline.map(([x, y]) => `${x.toFixed(2)},${y.toFixed(2)}`).join(' ')}" fill="${colour}"/>`
        : `<circle cx="${scene.cx.toFixed(2)}" cy="${scene.cy.toFixed(2)}" r="${scene.radius.toFixed(2)}" fill="${colour}"/>`;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}">${body}</svg>`,
  );
}

/** The scene as an upright 8-bit RGB image, before any encoding. */
export async function renderScene(scene: Scene): Promise<Sharp> {
  const rng = new Random(scene.seed);
  const raw = { width: scene.width, height: scene.height, channels: 3 as const };
  const base = vocabulary.colours[scene.colour];
  if (!base) throw new Error(`unknown colour ${scene.colour}`);
  const j = vocabulary.colourJitter;
  const fill = base.map((v) => Math.min(255, Math.max(0, v + rng.uniform(-j, j)))) as [
    number,
    number,
    number,
  ];
  const composed = await sharp(backgroundPixels(scene, rng), { raw })
    .composite([{ input: shapeSvg(scene, fill), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer();
  // sharp composites after blurring within one pipeline, so blur in a second one.
  const img = sharp(composed, { raw });
  return scene.blur >= 0.3 ? img.blur(scene.blur) : img;
}
