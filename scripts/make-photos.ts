// npm run fixtures:photos -- --out DIR [--count N] [--seed S] [--large K] [--odd K] [--no-orientations]
// Writes a folder of shapes-world test photos and its manifest.json.

import { parseArgs } from 'node:util';
import { generatePhotoFolder } from '../test/support/shapes/photo-folder.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    count: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    large: { type: 'string', default: '0' },
    odd: { type: 'string', default: '0' },
    'no-orientations': { type: 'boolean', default: false },
  },
});
if (!values.out) {
  process.stderr.write(
    'usage: npm run fixtures:photos -- --out DIR [--count N] [--seed S] [--large K] [--odd K]\n',
  );
  process.exit(2);
}
const started = performance.now();
const photos = await generatePhotoFolder(values.out, {
  count: Number(values.count),
  seed: Number(values.seed),
  largeJpegs: Number(values.large),
  oddSizes: Number(values.odd),
  orientations: !values['no-orientations'],
});
process.stdout.write(
  `wrote ${photos.length} photos to ${values.out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
