// What Lumen writes to sidecars never comes back to it as the user's word. Through the CLI as a user
// runs it: tag a folder automatically, confirm one tag and turn one down, write sidecars with Lumen's
// guesses in them, add a keyword with another tool (exiftool), then open a new library over the same
// folder. Only the user's own labels (the confirmed tag, exiftool's keyword) become its tags, categories
// and training pairs; exiftool still reads every keyword Lumen chose to write. Turning the guesses off
// again withdraws them from the sidecars and leaves the user's keywords.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sidecarPathFor } from '../../electron/core/tags/xmp-sidecar.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';
import { lumen } from './run-lumen.js';

interface PhotoLabels {
  caption: { text: string; from: string } | null;
  tags: { name: string; source: string; score: number | null; from: string }[];
}

/** exiftool's reading of a sidecar: its flat keywords and Lumen's list of its own guesses. */
function sidecarKeywords(photo: string): { subject: string[]; auto: string[] } {
  const [tags] = JSON.parse(
    execFileSync('exiftool', ['-j', '-XMP-dc:Subject', '-XMP:AutoKeywords', sidecarPathFor(photo)], {
      encoding: 'utf8',
    }),
  ) as { Subject?: string | string[]; AutoKeywords?: string | string[] }[];
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());
  return { subject: list(tags?.Subject), auto: list(tags?.AutoKeywords) };
}

describe('provenance survives a round trip through sidecars', () => {
  const root = tempDir();
  const folder = join(root, 'photos');
  const first = ['--model', TEST_MODEL_DIR, '--db', join(root, 'first', 'library.sqlite')];
  const second = ['--model', TEST_MODEL_DIR, '--db', join(root, 'second', 'library.sqlite')];
  let photos: GeneratedPhoto[] = [];
  let confirmed = '';
  let declined = '';

  const run = async (...args: string[]): Promise<string> => {
    const r = await lumen(...args);
    expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const labelsOf = async (photo: string, lib: string[]): Promise<PhotoLabels> =>
    JSON.parse(await run('tags', 'of', photo, ...lib, '--json')) as PhotoLabels;
  /** Lumen's guesses in the first library, by photo (the review queue lists every automatic tag). */
  const guesses = async (): Promise<Map<string, string[]>> => {
    const queue = JSON.parse(await run('tags', 'review', '--limit', '1000', ...first, '--json')) as {
      path: string;
      name: string;
    }[];
    const out = new Map<string, string[]>();
    for (const q of queue) out.set(q.path, [...(out.get(q.path) ?? []), q.name]);
    return out;
  };

  beforeAll(async () => {
    photos = await generatePhotoFolder(folder, { count: 30, seed: 24, formats: ['jpeg'] });
    await run('index', folder, ...first);
    await run('tags', 'add', 'stars', ...first);
    await run('tags', 'add', 'circles', ...first);
    const queue = JSON.parse(
      await run('tags', 'review', '--category', 'stars', '--limit', '100', ...first, '--json'),
    ) as { path: string }[];
    confirmed = queue[0]?.path ?? '';
    declined = queue[1]?.path ?? '';
    await run('tags', 'accept', 'stars', confirmed, ...first);
    await run('tags', 'reject', 'stars', declined, ...first);
  }, 300_000);

  it("says where each of a photo's tags came from", async () => {
    const mine = await labelsOf(confirmed, first);
    expect(mine.tags.find((t) => t.name === 'stars')).toMatchObject({
      source: 'accepted',
      from: 'confirmed by you in review',
    });
    const guessed = photos.map((p) => p.path).find((p) => p !== confirmed && p !== declined) ?? '';
    const auto = (await labelsOf(guessed, first)).tags.filter((t) => t.source === 'auto');
    for (const t of auto)
      expect(t.from).toMatch(
        new RegExp(
          `^guessed by Lumen \\(score ${(t.score ?? NaN).toFixed(3)}; .*shapes-clip; prompts \\w+\\)$`,
        ),
      );
    expect((await labelsOf(declined, first)).tags.find((t) => t.name === 'stars')?.from).toBe(
      'turned down by you in review',
    );
  });

  it('writes only your own tags to sidecars by default', async () => {
    await run('tags', 'xmp', ...first);
    expect(sidecarKeywords(confirmed)).toEqual({ subject: ['stars'], auto: [] });
    const onlyGuessed = [...(await guesses()).keys()].filter((p) => p !== confirmed);
    expect(onlyGuessed.length).toBeGreaterThan(0);
    expect(onlyGuessed.filter((p) => existsSync(sidecarPathFor(p)))).toEqual([]);
  });

  it("never reads Lumen's own guesses back as yours, and reads another tool's keyword as yours", async () => {
    await run('settings', 'xmp-auto', 'on', ...first);
    await run('tags', 'xmp', ...first);
    const byPhoto = await guesses();
    // exiftool reads every keyword Lumen wrote, and Lumen's list of the ones that are its guesses.
    let guessesWritten = 0;
    for (const p of photos) {
      const guessed = byPhoto.get(p.path) ?? [];
      if (!guessed.length && p.path !== confirmed) continue;
      const side = sidecarKeywords(p.path);
      const yours = p.path === confirmed ? ['stars'] : [];
      expect(new Set(side.subject), p.path).toEqual(new Set([...yours, ...guessed]));
      expect(new Set(side.auto), p.path).toEqual(new Set(guessed));
      guessesWritten += guessed.length;
    }
    expect(guessesWritten).toBeGreaterThan(5);
    // The declined tag is not in its sidecar (there may be none at all, if nothing else was guessed).
    if (existsSync(sidecarPathFor(declined)))
      expect(sidecarKeywords(declined).subject).not.toContain('stars');

    // Another app adds a keyword to a sidecar Lumen wrote.
    const another =
      photos.find((p) => p.path !== confirmed && existsSync(sidecarPathFor(p.path)))?.path ?? '';
    execFileSync('exiftool', [
      '-q',
      '-overwrite_original',
      '-XMP-dc:Subject+=holiday',
      sidecarPathFor(another),
    ]);
    expect(sidecarKeywords(another).auto.length).toBeGreaterThan(0); // exiftool kept Lumen's list

    // A new library over the same folder.
    await run('index', folder, ...second);
    const categories = JSON.parse(await run('tags', 'list', ...second, '--json')) as {
      name: string;
      auto: boolean;
      tagged: number;
      counts: { auto: number; manual: number };
    }[];
    expect(categories.map((c) => [c.name, c.tagged, c.counts.manual, c.auto]).sort()).toEqual([
      ['holiday', 1, 1, false],
      ['stars', 1, 1, false],
    ]);
    expect((await labelsOf(confirmed, second)).tags).toEqual([
      {
        name: 'stars',
        source: 'manual',
        score: null,
        from: "from the photo's file (sidecar XMP dc:subject)",
      },
    ]);
    expect((await labelsOf(another, second)).tags.map((t) => [t.name, t.from])).toEqual([
      ['holiday', "from the photo's file (sidecar XMP dc:subject)"],
    ]);
    const pairs = JSON.parse(await run('finetune', 'pairs', ...second, '--json')) as {
      pairs: { path: string; text: string; from: string }[];
      negatives: number;
    };
    expect(pairs.pairs.map((p) => [p.path, p.from]).sort()).toEqual(
      [
        [another, "tag from the photo's file (sidecar XMP dc:subject)"],
        [confirmed, "tag from the photo's file (sidecar XMP dc:subject)"],
      ].sort(),
    );
    expect(pairs.pairs.map((p) => p.text).sort()).toEqual(['a photo of a holiday.', 'a photo of stars.']);
  });

  it("withdraws Lumen's guesses from the sidecars when they are switched off, keeping yours", async () => {
    await run('settings', 'xmp-auto', 'off', ...first);
    const out = await run('tags', 'xmp', ...first);
    expect(out).toMatch(/^wrote [1-9]\d* sidecars/);
    for (const p of photos) {
      if (!existsSync(sidecarPathFor(p.path))) continue;
      const side = sidecarKeywords(p.path);
      expect(side.auto, p.path).toEqual([]);
      expect(side.subject.filter((k) => k !== 'holiday' && !(p.path === confirmed && k === 'stars'))).toEqual(
        [],
      );
    }
    expect(sidecarKeywords(confirmed).subject).toContain('stars');
  });
});

// Real photos with real metadata (Debian's KDE Plasma wallpapers, installed by scripts/setup.sh): four
// say "x-default" and "OLYMPUS DIGITAL CAMERA" where a caption would be, one has a real caption and
// keywords. Indexed as a user would, only the real caption and keywords become training pairs.
describe('captions and keywords from real files', () => {
  const root = tempDir();
  const folder = join(root, 'wallpapers');
  const lib = ['--model', TEST_MODEL_DIR, '--db', join(root, 'lib', 'library.sqlite')];
  const NAMES = ['Path', 'DarkestHour', 'Kite', 'OneStandsOut', 'ColorfulCups', 'FallenLeaf'];
  const copyOf = (name: string): string => join(folder, `${name}.jpg`);

  beforeAll(async () => {
    mkdirSync(folder);
    for (const name of NAMES)
      copyFileSync(join('/usr/share/wallpapers', name, 'contents', 'screenshot.jpg'), copyOf(name));
    const r = await lumen('index', folder, ...lib);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('pairs only the real caption and keywords, each saying which field it came from', async () => {
    const r = await lumen('finetune', 'pairs', ...lib, '--json');
    expect(r.code, r.stderr).toBe(0);
    const { pairs } = JSON.parse(r.stdout) as { pairs: { path: string; text: string; from: string }[] };
    const cups = copyOf('ColorfulCups');
    expect(pairs.map((p) => [p.path, p.from])).toEqual([
      [cups, "caption from the photo's file (EXIF ImageDescription)"],
      [cups, "tag from the photo's file (XMP dc:subject)"],
      [cups, "tag from the photo's file (XMP dc:subject)"],
    ]);
    expect(pairs[0]?.text).toMatch(/^Colorful cups\. Aarhus, Denmark\./);
    expect(pairs.map((p) => p.text).join('\n')).not.toMatch(/x-default|OLYMPUS/);
    const path = await lumen('tags', 'of', copyOf('Path'), ...lib);
    expect(path.stdout).toBe('caption: none\nno tags\n');
  });
});
