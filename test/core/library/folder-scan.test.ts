// The folder walk: image files only, hidden and system folders skipped, symlink loops survived,
// unicode, spaces and very long paths handled, unreadable entries reported without stopping.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanFolder, type ScanProblem } from '../../../electron/core/library/folder-scan.js';
import { tempDir } from '../../support/temp.js';

async function collect(root: string): Promise<{ files: string[]; problems: ScanProblem[] }> {
  const files: string[] = [];
  const problems: ScanProblem[] = [];
  for await (const f of scanFolder(root, (p) => problems.push(p))) files.push(f.path.slice(root.length + 1));
  return { files: files.sort(), problems };
}

describe('scanFolder', () => {
  it('finds images in nested folders, with unicode, spaces and long paths', async () => {
    const root = tempDir();
    const deep = join(root, ...Array.from({ length: 12 }, (_, i) => `level ${i} ${'x'.repeat(60)}`));
    mkdirSync(deep, { recursive: true });
    mkdirSync(join(root, 'Été 2024 — plage 🏖'), { recursive: true });
    for (const f of ['a.jpg', 'B.JPEG', 'c.png', 'd.webp', 'e.heic', 'notes.txt', 'movie.mp4'])
      writeFileSync(join(root, f), 'x');
    writeFileSync(join(root, 'Été 2024 — plage 🏖', 'photo 1.jpg'), 'x');
    writeFileSync(join(deep, 'deep photo.tif'), 'x');
    expect(deep.length).toBeGreaterThan(700);
    const { files, problems } = await collect(root);
    expect(problems).toEqual([]);
    const deepFile = join(deep, 'deep photo.tif').slice(root.length + 1);
    expect(files).toEqual(
      ['B.JPEG', 'a.jpg', 'c.png', 'd.webp', 'e.heic', deepFile, 'Été 2024 — plage 🏖/photo 1.jpg'].sort(),
    );
  });

  it('skips hidden files, hidden folders and system folders', async () => {
    const root = tempDir();
    for (const d of [
      '.thumbnails',
      '@eaDir',
      '$RECYCLE.BIN',
      'System Volume Information',
      'node_modules',
      'keep',
    ]) {
      mkdirSync(join(root, d));
      writeFileSync(join(root, d, 'x.jpg'), 'x');
    }
    writeFileSync(join(root, '.hidden.jpg'), 'x');
    expect((await collect(root)).files).toEqual(['keep/x.jpg']);
  });

  it('follows a symlink to a folder once and survives a loop', async () => {
    const root = tempDir();
    const other = tempDir();
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'one.jpg'), 'x');
    writeFileSync(join(other, 'two.jpg'), 'x');
    symlinkSync(root, join(root, 'a', 'loop')); // a/loop -> root: a cycle
    symlinkSync(other, join(root, 'elsewhere'));
    symlinkSync(join(root, 'a', 'one.jpg'), join(root, 'link.jpg'));
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling.jpg'));
    const { files, problems } = await collect(root);
    expect(files).toEqual(['a/one.jpg', 'elsewhere/two.jpg', 'link.jpg']);
    expect(problems.map((p) => p.path)).toEqual([join(root, 'dangling.jpg')]);
  });
});
