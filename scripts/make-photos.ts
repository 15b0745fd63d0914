// npm run fixtures:photos -- --out DIR [--count N] [--seed S] [--large K] [--odd K] [--no-orientations]
//   [--formats jpeg,png,...] [--pairs all|trained|held-out]
// Writes a folder of shapes-world test photos and its manifest.json. `--pairs trained` leaves out the
// held-out colour-shape pairs: the test model's trainer (scripts/models) can train on these photos,
// drawn by sharp exactly as the tests draw theirs.

import { parseArgs } from 'node:util';
import { PHOTO_FORMATS, generatePhotoFolder, type PhotoFormat } from './shapes/photo-folder.js';
import { COLOURS, SHAPES, isHeldOut } from './shapes/vocabulary.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    count: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    large: { type: 'string', default: '0' },
    odd: { type: 'string', default: '0' },
    'no-orientations': { type: 'boolean', default: false },
    formats: { type: 'string' },
    pairs: { type: 'string', default: 'all' },
  },
});
const usage =
  'usage: npm run fixtures:photos -- --out DIR [--count N] [--seed S] [--large K] [--odd K] [--no-orientations] [--formats jpeg,png,...] [--pairs all|trained|held-out]\n';
const formats = values.formats?.split(',');
const badFormat = formats?.find((f) => !(PHOTO_FORMATS as readonly string[]).includes(f));
const pairChoice = {
  all: () => true,
  trained: (c: string, s: string) => !isHeldOut(c, s),
  'held-out': isHeldOut,
}[values.pairs];
if (!values.out || badFormat !== undefined || !pairChoice) {
  if (badFormat !== undefined)
    process.stderr.write(`unknown format ${badFormat} (one of ${PHOTO_FORMATS.join(', ')})\n`);
  if (!pairChoice) process.stderr.write(`unknown --pairs ${values.pairs}\n`);
  process.stderr.write(usage);
  process.exit(2);
}
const pairs = COLOURS.flatMap((c) => SHAPES.map((s) => [c, s] as const)).filter(([c, s]) => pairChoice(c, s));
const started = performance.now();
const photos = await generatePhotoFolder(values.out, {
  count: Number(values.count),
  seed: Number(values.seed),
  largeJpegs: Number(values.large),
  oddSizes: Number(values.odd),
  orientations: !values['no-orientations'],
  ...(formats ? { formats: formats as PhotoFormat[] } : {}),
  ...(values.pairs !== 'all' ? { pairs } : {}),
});
process.stdout.write(
  `wrote ${photos.length} photos to ${values.out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
