// Completing a typed folder path: folders only (never a file's name), no hidden ones unless asked,
// nothing for a relative path (it would be read against the server's own folder), "~" for home.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_SUGGESTIONS, suggestFolders } from '../../../electron/core/library/folder-suggestions.js';
import { tempDir } from '../../support/temp.js';

describe('suggestFolders', () => {
  const root = tempDir();
  for (const d of ['Photos', 'Pictures', 'Projects', '.cache', 'music']) mkdirSync(join(root, d));
  writeFileSync(join(root, 'Passwords.txt'), 'secret');

  it('lists the folders starting as typed, never files, hidden ones only when typed', async () => {
    expect(await suggestFolders(join(root, 'P'))).toEqual(
      ['Photos', 'Pictures', 'Projects'].map((d) => join(root, d)),
    );
    expect(await suggestFolders(root + sep)).toEqual(
      ['Photos', 'Pictures', 'Projects', 'music']
        .map((d) => join(root, d))
        .sort((a, b) => a.localeCompare(b)),
    );
    expect(await suggestFolders(join(root, '.c'))).toEqual([join(root, '.cache')]);
    expect(await suggestFolders(join(root, 'Passwords'))).toEqual([]);
  });

  it('gives nothing for a relative path or a folder that is not there, and reads ~ as home', async () => {
    expect(await suggestFolders('Photos')).toEqual([]);
    expect(await suggestFolders(join('..', 'P'))).toEqual([]);
    expect(await suggestFolders(join(root, 'nope', 'x'))).toEqual([]);
    expect(await suggestFolders(`~${sep}Pi`, root)).toEqual([join(root, 'Pictures')]);
  });

  it('stops at a few', async () => {
    const many = join(root, 'many');
    for (let i = 0; i < MAX_SUGGESTIONS + 5; i++)
      mkdirSync(join(many, `album-${String(i).padStart(2, '0')}`), { recursive: true });
    expect(await suggestFolders(join(many, 'album'))).toHaveLength(MAX_SUGGESTIONS);
  });
});
