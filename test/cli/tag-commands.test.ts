// lumen tags and lumen albums as a user runs them: categories, tagging, review, accept and reject,
// keywords read from files, XMP sidecars that exiftool reads back, manual and smart albums, --json.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { tempDir } from '../support/temp.js';
import { lumen } from './run-lumen.js';

interface ReportJson {
  photos: number;
  categories: { name: string; tagged: number; method: string }[];
}

const exiftool = (...args: string[]): unknown =>
  JSON.parse(execFileSync('exiftool', ['-j', ...args], { encoding: 'utf8' })) as unknown;

describe('tag and album commands', () => {
  const root = tempDir();
  const photosDir = join(root, 'photos');
  const db = join(root, 'lib', 'library.sqlite');
  const common = ['--model', TEST_MODEL_DIR, '--db', db];
  let photos: GeneratedPhoto[] = [];
  let labelled = '';

  beforeAll(async () => {
    photos = await generatePhotoFolder(photosDir, { count: 60, seed: 91, formats: ['jpeg'] });
    // A photo someone already labelled in another app.
    labelled = photos[0]?.path ?? '';
    execFileSync('exiftool', [
      '-q',
      '-overwrite_original',
      '-XMP-dc:Subject=Holiday',
      '-XMP-dc:Subject=Grandma',
      '-XMP-dc:Description=Grandma at the lake',
      labelled,
    ]);
    const r = await lumen('index', photosDir, ...common);
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  it('reads keywords and captions already in files as manual tags', async () => {
    const r = await lumen('tags', 'list', ...common, '--json');
    const list = JSON.parse(r.stdout) as { name: string; auto: boolean; counts: { manual: number } }[];
    expect(list.map((c) => c.name).sort()).toEqual(['Grandma', 'Holiday']);
    expect(list.every((c) => !c.auto && c.counts.manual === 1)).toBe(true);
  });

  it('tags add creates a category and tags the library at once', async () => {
    const r = await lumen('tags', 'add', 'stars', '--description', 'star', ...common, '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as ReportJson;
    expect(report.photos).toBe(60);
    const stars = photos.filter((p) => p.shape === 'star').length;
    expect(report.categories[0]?.tagged).toBeGreaterThanOrEqual(Math.floor(stars * 0.9));
    expect(report.categories[0]?.tagged).toBeLessThanOrEqual(Math.ceil(stars * 1.2));
  });

  it('counts the same photos in tags run, tags list and the JSON, and shows the cut-off as a score', async () => {
    // Accept one automatic tag: it is then the user's, and still counted.
    const [first] = JSON.parse(
      (await lumen('tags', 'review', '--category', 'stars', ...common, '--json')).stdout,
    ) as { path: string }[];
    expect((await lumen('tags', 'accept', 'stars', first?.path ?? '', ...common)).code).toBe(0);
    const run = await lumen('tags', 'run', 'stars', ...common);
    const list = await lumen('tags', 'list', ...common);
    const json = (
      JSON.parse((await lumen('tags', 'list', ...common, '--json')).stdout) as {
        name: string;
        tagged: number;
        counts: { auto: number; accepted: number; manual: number };
        cutoff: number;
      }[]
    ).find((c) => c.name === 'stars');
    expect(json?.counts.accepted).toBe(1);
    expect(json?.tagged).toBe((json?.counts.auto ?? 0) + 1);
    const counted = `stars: ${json?.tagged} photos (${json?.counts.auto} automatic, 1 yours)`;
    expect(run.stdout).toContain(counted);
    expect(list.stdout).toContain(counted);
    // The cut-off is a cosine, printed as one, the same in both.
    expect(json?.cutoff).toBeGreaterThan(-1);
    expect(json?.cutoff).toBeLessThan(1);
    const cutoff = `from a score of ${json?.cutoff.toFixed(3)} (calibrated)`;
    expect(run.stdout).toContain(cutoff);
    expect(list.stdout).toContain(cutoff);
    expect(run.stdout).toMatch(/^scored 60 photos for 1 category in/m);
    // Keywords read from files are listed as such, not as categories that tag.
    expect(list.stdout).toMatch(
      /Holiday: 1 photo \(1 yours\); keywords from your files, not tagged automatically/,
    );
  });

  it('refuses a duplicate category and unknown actions with exit 2', async () => {
    expect((await lumen('tags', 'add', 'Stars', ...common)).code).toBe(2);
    const r = await lumen('tags', 'fly', ...common);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown action "fly"/);
  });

  it('review lists least certain first; reject keeps a tag off after tags run', async () => {
    const q = JSON.parse(
      (await lumen('tags', 'review', '--category', 'stars', ...common, '--json')).stdout,
    ) as {
      path: string;
      margin: number;
    }[];
    expect(q.length).toBeGreaterThan(0);
    const margins = q.map((x) => Math.abs(x.margin));
    expect(margins).toEqual([...margins].sort((a, b) => a - b));
    const target = q[0]?.path ?? '';
    expect((await lumen('tags', 'reject', 'stars', target, ...common)).code).toBe(0);
    expect((await lumen('tags', 'run', ...common)).code).toBe(0);
    const again = JSON.parse(
      (await lumen('tags', 'review', '--category', 'stars', ...common, '--json')).stdout,
    ) as {
      path: string;
    }[];
    expect(again.map((x) => x.path)).not.toContain(target);
    const s = JSON.parse(
      (await lumen('search', 'a photo of a star', '--tag', 'stars', '--limit', '100', ...common, '--json'))
        .stdout,
    ) as {
      path: string;
    }[];
    expect(s.map((x) => x.path)).not.toContain(target);
  });

  it('writes XMP sidecars that exiftool reads, keeping what was there', async () => {
    const star = photos.find((p) => p.shape === 'star' && p.path !== labelled) as GeneratedPhoto;
    execFileSync('exiftool', [
      '-q',
      '-o',
      `${star.path}.xmp`,
      '-XMP-xmp:Rating=4',
      '-XMP-dc:Subject=keep me',
      star.path,
    ]);
    const before = execFileSync('sha256sum', [star.path], { encoding: 'utf8' });
    const r = await lumen('tags', 'xmp', star.path, labelled, ...common, '--json');
    expect(r.code, r.stderr).toBe(0);
    const [side] = exiftool('-XMP-dc:Subject', '-XMP-xmp:Rating', `${star.path}.xmp`) as {
      Subject: string[];
      Rating: number;
    }[];
    expect(side?.Rating).toBe(4);
    // By default a sidecar gets the tags that are the user's (set, confirmed, or from their files), not
    // Lumen's guesses (lumen settings xmp-auto on adds those; see provenance-round-trip.test.ts).
    const yours = async (path: string): Promise<string[]> =>
      (
        JSON.parse((await lumen('tags', 'of', path, ...common, '--json')).stdout) as {
          tags: { name: string; source: string }[];
        }
      ).tags
        .filter((t) => t.source === 'manual' || t.source === 'accepted')
        .map((t) => t.name);
    expect(new Set([side?.Subject].flat())).toEqual(new Set(['keep me', ...(await yours(star.path))]));
    const [labelledSide] = exiftool('-XMP-dc:Subject', `${labelled}.xmp`) as { Subject: string[] }[];
    expect(await yours(labelled)).toEqual(expect.arrayContaining(['Holiday', 'Grandma']));
    expect(new Set(labelledSide?.Subject)).toEqual(new Set(await yours(labelled)));
    expect(execFileSync('sha256sum', [star.path], { encoding: 'utf8' })).toBe(before);
    expect(existsSync(`${photos[5]?.path ?? ''}.xmp`)).toBe(false);
  });

  it('albums: manual and smart, listed with counts and shown', async () => {
    const reds = photos.filter((p) => p.colour === 'red').slice(0, 3);
    expect((await lumen('albums', 'create', 'picks', ...common)).code).toBe(0);
    expect((await lumen('albums', 'add', 'picks', ...reds.map((p) => p.path), ...common)).code).toBe(0);
    expect((await lumen('albums', 'create', 'star album', '--tag', 'stars', ...common)).code).toBe(0);
    expect((await lumen('albums', 'create', 'bad', '--tag', 'nope', ...common)).code).toBe(2);
    const list = JSON.parse((await lumen('albums', 'list', ...common, '--json')).stdout) as {
      name: string;
      kind: string;
      count: number;
    }[];
    const stars = JSON.parse((await lumen('tags', 'list', ...common, '--json')).stdout) as {
      name: string;
      counts: { auto: number; accepted: number; manual: number };
    }[];
    const starCount = stars.find((c) => c.name === 'stars')?.counts;
    expect(list).toEqual([
      expect.objectContaining({ name: 'picks', kind: 'manual', count: 3 }),
      expect.objectContaining({
        name: 'star album',
        kind: 'smart',
        count: (starCount?.auto ?? 0) + (starCount?.accepted ?? 0) + (starCount?.manual ?? 0),
      }),
    ]);
    const shown = JSON.parse((await lumen('albums', 'show', 'picks', ...common, '--json')).stdout) as {
      path: string;
    }[];
    expect(shown.map((s) => s.path).sort()).toEqual(reds.map((p) => p.path).sort());
  });
});
