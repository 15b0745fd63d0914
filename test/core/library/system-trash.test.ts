// The system trash from plain Node: files land where the desktop's file manager finds them (the
// freedesktop.org Trash specification's files/ and info/ folders, with a .trashinfo naming where the
// file was), names never clash, and what must not be trashed (a folder, a relative path, a trash
// folder someone replaced with a link) is refused with the file left where it was.

import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemTrash, TrashError } from '../../../electron/core/library/system-trash.js';
import { tempDir } from '../../support/temp.js';

function photo(dir: string, name: string, bytes = 'jpeg bytes'): string {
  const path = join(dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

/** The .trashinfo fields, parsed as the spec defines them (an INI group, one key per line). */
function trashInfo(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('[Trash Info]');
  return Object.fromEntries(
    lines.slice(1).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('systemTrash on Linux (freedesktop.org trash)', () => {
  it('moves a file into the home trash with a .trashinfo giving its encoded path and the local time', async () => {
    const root = tempDir();
    const env = { XDG_DATA_HOME: join(root, 'data') };
    const path = photo(join(root, 'Photos', 'été 2024'), 'beach #1.jpg');
    const before = new Date();
    before.setMilliseconds(0);
    await systemTrash('linux', env)(path);
    expect(existsSync(path)).toBe(false);
    const trash = join(root, 'data', 'Trash');
    expect(readFileSync(join(trash, 'files', 'beach #1.jpg'), 'utf8')).toBe('jpeg bytes');
    const info = trashInfo(join(trash, 'info', 'beach #1.jpg.trashinfo'));
    // Percent-encoded as a URL path: decoding it gives back the absolute path, slashes untouched.
    expect(info.Path).not.toContain(' ');
    expect(info.Path).not.toContain('#');
    expect(decodeURIComponent(info.Path ?? '')).toBe(path);
    expect(info.DeletionDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    // Local time without a zone: read back as local time it is now.
    const when = new Date(info.DeletionDate ?? '').getTime();
    expect(when).toBeGreaterThanOrEqual(before.getTime());
    expect(when).toBeLessThanOrEqual(Date.now());
  });

  it('gives a second file of the same name its own name, keeping the first', async () => {
    const root = tempDir();
    const env = { XDG_DATA_HOME: join(root, 'data') };
    await systemTrash('linux', env)(photo(join(root, 'a'), 'IMG_1.jpg', 'first'));
    await systemTrash('linux', env)(photo(join(root, 'b'), 'IMG_1.jpg', 'second'));
    const files = join(root, 'data', 'Trash', 'files');
    expect(readFileSync(join(files, 'IMG_1.jpg'), 'utf8')).toBe('first');
    expect(readFileSync(join(files, 'IMG_1.2.jpg'), 'utf8')).toBe('second');
    expect(
      decodeURIComponent(trashInfo(join(root, 'data', 'Trash', 'info', 'IMG_1.2.jpg.trashinfo')).Path ?? ''),
    ).toBe(join(root, 'b', 'IMG_1.jpg'));
  });

  it('uses the trash at the top of another device, recording the path relative to it', async () => {
    // /dev/shm is a tmpfs of its own in containers and on desktops: a second device to trash from.
    const shm = '/dev/shm';
    const root = tempDir();
    expect(statSync(shm).dev).not.toBe(statSync(root).dev);
    const dir = join(shm, `lumen-trash-test-${process.pid}`);
    const uid = process.getuid?.() ?? 0;
    const topTrash = join(shm, `.Trash-${uid}`);
    const hadTopTrash = existsSync(topTrash);
    try {
      const path = photo(dir, 'scan.png');
      await systemTrash('linux', { XDG_DATA_HOME: join(root, 'data') })(path);
      expect(existsSync(path)).toBe(false);
      const name = readFileSync(join(topTrash, 'info', 'scan.png.trashinfo'), 'utf8');
      expect(name).toContain(`Path=lumen-trash-test-${process.pid}/scan.png`);
      expect(existsSync(join(topTrash, 'files', 'scan.png'))).toBe(true);
      // The home trash (another device) was not used: a rename across devices would have copied it.
      expect(existsSync(join(root, 'data', 'Trash', 'files', 'scan.png'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (!hadTopTrash) rmSync(topTrash, { recursive: true, force: true });
    }
  });

  it('refuses a top-of-device trash that someone replaced with a link, leaving the photo', async () => {
    const shm = '/dev/shm';
    const root = tempDir();
    const uid = process.getuid?.() ?? 0;
    const topTrash = join(shm, `.Trash-${uid}`);
    expect(existsSync(topTrash), `${topTrash} is there already`).toBe(false);
    const dir = join(shm, `lumen-trash-link-${process.pid}`);
    const elsewhere = join(root, 'attacker');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, topTrash);
    try {
      const path = photo(dir, 'keep.jpg');
      await expect(systemTrash('linux', { XDG_DATA_HOME: join(root, 'data') })(path)).rejects.toThrow(
        /not a trash folder Lumen can trust/,
      );
      expect(existsSync(path)).toBe(true);
      expect(existsSync(join(elsewhere, 'files'))).toBe(false);
    } finally {
      rmSync(topTrash, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a relative path, a folder and a file that is not there, and moves nothing', async () => {
    const root = tempDir();
    const trash = systemTrash('linux', { XDG_DATA_HOME: join(root, 'data') });
    await expect(trash('photo.jpg')).rejects.toThrow(TrashError);
    const folder = join(root, 'album');
    mkdirSync(folder);
    await expect(trash(folder)).rejects.toThrow(/is a folder/);
    expect(existsSync(folder)).toBe(true);
    await expect(trash(join(root, 'gone.jpg'))).rejects.toThrow(/not there any more/);
  });
});

describe('systemTrash elsewhere', () => {
  const home = process.env.HOME;
  afterEach(() => {
    process.env.HOME = home;
  });

  it('on macOS moves the file into ~/.Trash, numbering a clash', async () => {
    const root = tempDir();
    process.env.HOME = root;
    mkdirSync(join(root, '.Trash'));
    await systemTrash('darwin')(photo(join(root, 'a'), 'cat.heic', 'one'));
    await systemTrash('darwin')(photo(join(root, 'b'), 'cat.heic', 'two'));
    expect(readFileSync(join(root, '.Trash', 'cat.heic'), 'utf8')).toBe('one');
    expect(readFileSync(join(root, '.Trash', 'cat 2.heic'), 'utf8')).toBe('two');
  });

  it('on Windows refuses (the app trashes through the shell) and leaves the file', async () => {
    const root = tempDir();
    const path = photo(root, 'keep.jpg');
    await expect(systemTrash('win32')(path)).rejects.toThrow(/Recycle Bin/);
    expect(existsSync(path)).toBe(true);
  });
});
