// npx tsx scripts/make-icons.ts
// Draws the app icon - a lens whose six aperture blades leave a hexagonal opening - as an SVG and
// renders it with sharp to resources/icon.png (512 px: electron-builder makes the macOS .icns, the
// Windows .ico and the Linux icons from it) and resources/icon-256.png. The PNGs are committed; run
// this again only to change the design.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources');
const SIZE = 512;
const C = SIZE / 2;
const OUTER = 176; // the blades' outer edge
const OPENING = 64; // the opening's corner radius
const BLADES = 6;

type Point = [number, number];
const f = (n: number): string => n.toFixed(2);
const vertex = (i: number, r: number): Point => {
  const a = ((i % BLADES) / BLADES) * 2 * Math.PI - Math.PI / 2;
  return [C + r * Math.cos(a), C + r * Math.sin(a)];
};

/** Where the ray from `from` through `to` leaves the blades' circle, beyond `to`. */
function exit(from: Point, to: Point): Point {
  const len = Math.hypot(to[0] - from[0], to[1] - from[1]);
  const d: Point = [(to[0] - from[0]) / len, (to[1] - from[1]) / len];
  const w: Point = [to[0] - C, to[1] - C];
  const b = w[0] * d[0] + w[1] * d[1];
  const t = -b + Math.sqrt(b * b - (w[0] * w[0] + w[1] * w[1] - OUTER * OUTER));
  return [to[0] + t * d[0], to[1] + t * d[1]];
}

/** Blade i: the opening's edge i, the two edges' extensions out to the circle, and the arc between. */
function blade(i: number): string {
  const v0 = vertex(i, OPENING);
  const v1 = vertex(i + 1, OPENING);
  const p1 = exit(v0, v1);
  const p0 = exit(vertex(i - 1, OPENING), v0);
  return (
    `M${f(v0[0])},${f(v0[1])} L${f(v1[0])},${f(v1[1])} L${f(p1[0])},${f(p1[1])} ` +
    `A${OUTER},${OUTER} 0 0 0 ${f(p0[0])},${f(p0[1])} Z`
  );
}

const shades = ['#2c3e66', '#34497a', '#3d558c', '#2f4270', '#384f84', '#415a94'];
const blades = Array.from(
  { length: BLADES },
  (_, i) =>
    `<path d="${blade(i)}" fill="${shades[i]}" stroke="#0d1322" stroke-width="3" stroke-linejoin="round"/>`,
).join('\n    ');

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#1b2236"/>
      <stop offset="1" stop-color="#0b0f1a"/>
    </linearGradient>
    <radialGradient id="glow" cx="0.42" cy="0.38" r="0.6">
      <stop offset="0" stop-color="#ffe6a3"/>
      <stop offset="0.55" stop-color="#f5a623"/>
      <stop offset="1" stop-color="#c2561a"/>
    </radialGradient>
    <linearGradient id="ring" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#c9d3ea"/>
      <stop offset="1" stop-color="#5d6a8a"/>
    </linearGradient>
  </defs>
  <rect x="16" y="16" width="${SIZE - 32}" height="${SIZE - 32}" rx="104" fill="url(#bg)"/>
  <circle cx="${C}" cy="${C}" r="${OUTER - 4}" fill="url(#glow)"/>
  <g>
    ${blades}
  </g>
  <circle cx="${C}" cy="${C}" r="${OUTER + 12}" fill="none" stroke="url(#ring)" stroke-width="24"/>
  <circle cx="${C - 22}" cy="${C - 24}" r="14" fill="#fff7e0" opacity="0.85"/>
</svg>
`;

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'icon.svg'), svg);
const image = sharp(Buffer.from(svg), { density: 72 });
await image.clone().resize(512, 512).png({ compressionLevel: 9 }).toFile(join(OUT, 'icon.png'));
await image.clone().resize(256, 256).png({ compressionLevel: 9 }).toFile(join(OUT, 'icon-256.png'));
process.stdout.write(`wrote ${join(OUT, 'icon.svg')}, icon.png (512) and icon-256.png (256)\n`);
