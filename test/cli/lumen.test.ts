// The lumen command line as users run it: a real child process, its output and its exit codes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../electron/core/clip/clip-model.js';
import { Library } from '../../electron/core/library/library.js';
import { describeHnswBuild, hnswlib } from '../../electron/core/library/hnsw-binding.js';
import { REPO_ROOT, TEST_MODEL_DIR } from '../support/paths.js';
import { generatePhotoFolder } from '../../scripts/shapes/photo-folder.js';
import { tempDir } from '../support/temp.js';
import { lumen, lumenIntoClosedPipe } from './run-lumen.js';

describe('lumen CLI', () => {
  it('lists its commands, and exits 2 when given none', async () => {
    const r = await lumen();
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/usage: lumen <command>/);
    expect(r.stdout).toMatch(/classify/);
  });

  it('has --help for each command', async () => {
    const commands = [
      'index',
      'watch',
      'status',
      'search',
      'similar',
      'duplicates',
      'tags',
      'albums',
      'caption',
      'finetune',
      'settings',
    ];
    for (const c of [...commands, 'classify', 'embed', 'info', 'models']) {
      const r = await lumen(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`lumen ${c}`));
      if (c !== 'models') expect(r.stdout, c).toMatch(/--model DIR/);
    }
  });

  it('says clearly when the model is missing', async () => {
    expect(await lumen('embed', '--text', 'hi')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /is not installed[\s\S]*no model yet: run "lumen models download" \(or pass --model DIR\)/,
      ) as string,
    });
    expect(await lumen('embed', '--text', 'hi', '--model', '/no/such/model')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/model folder not found/) as string,
    });
  });

  it('falls back from a provider it cannot load with one line of why, and no native error dump', async () => {
    // CUDA is compiled into onnxruntime-node for Linux, but its libraries download at install time from
    // a host this machine cannot reach: trying it made onnxruntime print its own error block.
    const r = await lumen(
      'embed',
      '--text',
      'a red circle',
      '--model',
      TEST_MODEL_DIR,
      '--providers',
      'cuda',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/ONNXRuntimeError|provider_bridge|\[E:onnxruntime/);
    expect(r.stderr.split('\n').filter((l) => /cuda/i.test(l))).toHaveLength(1);
    // lumen info tells it apart from the providers that can run.
    const info = await lumen('info', '--model', TEST_MODEL_DIR);
    expect(info.stdout).toMatch(/onnxruntime providers: cpu[^;(]*\(cuda[^)]*: libraries not installed\)/);
  });

  it('rejects unknown options and bad values as usage errors', async () => {
    expect((await lumen('embed', '--bogus')).code).toBe(2);
    expect(
      (await lumen('embed', '--text', 'x', '--model', TEST_MODEL_DIR, '--precision', 'fp64')).stderr,
    ).toMatch(/--precision must be one of/);
    expect(
      (await lumen('embed', '--text', 'x', '--model', TEST_MODEL_DIR, '--providers', 'tpu')).stderr,
    ).toMatch(/unknown provider tpu/);
    expect((await lumen('nope')).code).toBe(2);
  });

  it('says its version, and suggests the command, option or action a typo meant', async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    expect(await lumen('--version')).toMatchObject({ code: 0, stdout: `lumen ${version}\n` });
    const command = await lumen('serch', 'a star');
    expect(command.code).toBe(2);
    expect(command.stderr).toBe('lumen: unknown command "serch" (did you mean "search"?)\n');
    const option = await lumen('search', 'a star', '--limt', '3');
    expect(option.code).toBe(2);
    expect(option.stderr).toBe(
      'lumen search: unknown option --limt (did you mean --limit?); see lumen search --help\n',
    );
    expect((await lumen('search', 'a star', '--limit')).stderr).toMatch(
      /^lumen search: --limit needs a value/,
    );
    expect((await lumen('search', 'a star', '--json=yes')).stderr).toMatch(
      /^lumen search: --json takes no value/,
    );
    // Nothing close: no guess, the list of commands instead.
    expect((await lumen('photograph')).stderr).toMatch(/unknown command "photograph"\n\nlumen: photo search/);
    const action = await lumen('tags', 'lsit');
    expect(action.code).toBe(2);
    expect(action.stderr).toMatch(
      /unknown action "lsit" \(did you mean list\?\); the actions are: add, edit/,
    );
  });

  it('stops quietly when the reader closes the pipe early (lumen ... | head)', async () => {
    for (const args of [['--help'], ['models', 'list'], ['search', '--help']]) {
      const r = await lumenIntoClosedPipe(...args);
      expect(r, args.join(' ')).toEqual({ code: 0, stderr: '' });
    }
  });

  it('reports a broken model folder by file, with exit code 1', async () => {
    const r = await lumen('embed', '--text', 'x', '--model', tempDir());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config\.json: missing/);
  });

  it('info describes the model and the provider that ran', async () => {
    const r = await lumen('info', '--model', TEST_MODEL_DIR, '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as {
      embedDim: number;
      text: { contextLength: number };
      ran: { text: string };
    };
    expect(info.embedDim).toBe(64);
    expect(info.text.contextLength).toBe(32);
    expect(info.ran.text).toBe('cpu');
  });

  it("info --db says what the library's search self-check measured", async () => {
    const dbPath = join(tempDir(), 'library.sqlite');
    const library = Library.open({ dbPath, model: ClipModel.open(TEST_MODEL_DIR), create: true });
    const checkedAt = Date.UTC(2026, 11, 6, 5, 30);
    library.setSearchHealth({ path: 'graph', ef: 800, recall: 0.975, queries: 50, checkedAt });
    library.close();
    const r = await lumen('info', '--model', TEST_MODEL_DIR, '--db', dbPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'search      the index (ef 800) found 97.5% of the 10 closest photos on 50 recent searches (checked 2026-12-06 05:30 UTC)',
    );
    const json = JSON.parse(
      (await lumen('info', '--model', TEST_MODEL_DIR, '--db', dbPath, '--json')).stdout,
    ) as {
      search: unknown;
      graph: unknown;
    };
    expect(json.search).toEqual({ path: 'graph', ef: 800, recall: 0.975, queries: 50, checkedAt });
    expect(json.graph).toEqual({ build: hnswlib().build, fellBack: null });
    // The build of hnswlib the graph runs: the fastest this CPU runs (npm's baseline where none is).
    expect(r.stdout).toContain(`graph       ${describeHnswBuild(hnswlib())}\n`);
    const fresh = await lumen('info', '--model', TEST_MODEL_DIR, '--db', join(tempDir(), 'none.sqlite'));
    expect(fresh.stdout).toMatch(/search {6}not checked yet/);
  });

  it('embed prints unit vectors, and a per-image error with exit code 1', async () => {
    const r = await lumen(
      'embed',
      '--model',
      TEST_MODEL_DIR,
      '--text',
      'a red circle',
      '--image',
      '/no/such.jpg',
      '--json',
    );
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout) as { kind: string; embedding?: number[]; error?: string }[];
    expect(rows[0]?.embedding?.length).toBe(64);
    expect(Math.hypot(...(rows[0]?.embedding ?? []))).toBeCloseTo(1, 4);
    expect(rows[1]).toMatchObject({ kind: 'image', error: 'file not found' });
  });

  it('classify names the best label for each image', async () => {
    const photos = await generatePhotoFolder(tempDir(), { count: 6, seed: 99, formats: ['png'] });
    const labels = ['circle', 'square', 'triangle', 'star', 'hexagon', 'cross'];
    const r = await lumen(
      'classify',
      ...photos.map((p) => p.path),
      '--labels',
      labels.join(','),
      '--model',
      TEST_MODEL_DIR,
      '--json',
    );
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout) as { image: string; best: string; scores: Record<string, number> }[];
    expect(results).toHaveLength(6);
    for (const res of results) expect(Object.values(res.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    const correct = results.filter((res, i) => res.best === photos[i]?.shape).length;
    expect(correct).toBeGreaterThanOrEqual(5);
  });
});
