// Exclusion patterns as the settings describe them: a name anywhere, or a path below the library
// folder with * and **, ignoring case; the library's own folders always; nonsense refused.

import { describe, expect, it } from 'vitest';
import { checkExcludePattern, compileExclusions } from '../../../electron/core/library/exclusions.js';
import { SettingsError, SettingsStore } from '../../../electron/core/library/settings-store.js';
import { openDatabase } from '../../../electron/core/library/database.js';

const root = '/photos';
const excluded = (patterns: string[], path: string, own: string[] = []): boolean =>
  compileExclusions(patterns, own).excludes(root, path);

describe('exclusions', () => {
  it('matches a name anywhere below the folder, ignoring case', () => {
    expect(excluded(['Screenshots'], '/photos/2024/screenshots/a.jpg')).toBe(true);
    expect(excluded(['Screenshots'], '/photos/2024/Screenshots')).toBe(true);
    expect(excluded(['Screenshots'], '/photos/2024/my screenshots/a.jpg')).toBe(false);
    expect(excluded(['*.tmp.jpg'], '/photos/a/b.TMP.jpg')).toBe(true);
    expect(excluded(['*.tmp.jpg'], '/photos/a/b.jpg')).toBe(false);
    expect(excluded(['IMG_00??.jpg'], '/photos/IMG_0042.jpg')).toBe(true);
    // The library folder itself is never matched by its own name.
    expect(excluded(['photos'], '/photos/a.jpg')).toBe(false);
  });

  it('matches a path below the folder, and everything under a matched folder', () => {
    expect(excluded(['Trips/raw'], '/photos/Trips/raw/x.jpg')).toBe(true);
    expect(excluded(['Trips/raw'], '/photos/Other/Trips/raw/x.jpg')).toBe(false);
    expect(excluded(['**/private'], '/photos/a/b/private/x.jpg')).toBe(true);
    expect(excluded(['**/private'], '/photos/private/x.jpg')).toBe(true);
    expect(excluded(['20*/drafts/'], '/photos/2021/drafts/x.jpg')).toBe(true);
    expect(excluded(['20*/drafts'], '/photos/2021/final/x.jpg')).toBe(false);
  });

  it("always leaves out the library's own folders", () => {
    const own = ['/photos/Lumen/thumbnails', '/photos/Lumen/index'];
    expect(excluded([], '/photos/Lumen/thumbnails/ab/abc.webp', own)).toBe(true);
    expect(excluded([], '/photos/Lumen/index', own)).toBe(true);
    expect(excluded([], '/photos/Lumen/kept.jpg', own)).toBe(false);
  });

  it('refuses patterns that cannot mean anything, in the settings too', () => {
    expect(checkExcludePattern('')).toMatch(/empty/);
    expect(checkExcludePattern('/etc')).toMatch(/relative/);
    expect(checkExcludePattern('C:\\Users')).toMatch(/relative/);
    expect(checkExcludePattern('a/../../b')).toMatch(/\.\./);
    expect(checkExcludePattern('raw')).toBeNull();
    const settings = new SettingsStore(openDatabase(':memory:'));
    expect(() => settings.set({ exclude: ['../outside'] })).toThrow(SettingsError);
    expect(settings.set({ exclude: [' raw ', 'raw', 'Screenshots'] }).exclude).toEqual([
      'raw',
      'Screenshots',
    ]);
  });
});
