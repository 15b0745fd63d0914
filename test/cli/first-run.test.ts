// The CLI's first-run offer: on a terminal with no model it asks, and on yes downloads the catalogue's
// default (from a local fake of the hub) with progress; no means nothing is downloaded; off a terminal
// nothing is asked at all, so scripts never hang on a prompt.

import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offerFirstModel, type Terminal } from '../../electron/cli/first-run.js';
import { entryFor, FakeHub, hubFilesFrom, modelFilePaths } from '../core/models/fake-hub.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

/** A fake terminal: input typed ahead, everything written to stderr collected. */
function terminal(typed: string | null, tty = true): Terminal & { written: () => string } {
  const input = Object.assign(new PassThrough(), { isTTY: tty });
  const chunks: string[] = [];
  const err = Object.assign(new PassThrough(), { isTTY: tty });
  err.on('data', (c: Buffer) => chunks.push(c.toString()));
  if (typed !== null) input.end(typed);
  return { input, err, written: () => chunks.join('') };
}

describe('the CLI first-run offer', () => {
  let hub: FakeHub;
  let catalogueFile: string;
  const root = tempDir('lumen-first-run-');

  beforeAll(async () => {
    const files = hubFilesFrom(TEST_MODEL_DIR, modelFilePaths(TEST_MODEL_DIR));
    hub = await FakeHub.start(files);
    catalogueFile = join(root, 'catalogue.json');
    writeFileSync(catalogueFile, JSON.stringify({ version: 1, models: [entryFor(files)] }));
  });

  afterAll(async () => {
    await hub.close();
  });

  it('asks nothing off a terminal', async () => {
    const term = terminal(null, false);
    expect(await offerFirstModel(term, { root: join(root, 'a'), hubUrl: hub.url, catalogueFile })).toBe(
      false,
    );
    expect(term.written()).toBe('');
    expect(existsSync(join(root, 'a'))).toBe(false);
  });

  it('downloads nothing when the answer is no', async () => {
    const term = terminal('n\n');
    expect(await offerFirstModel(term, { root: join(root, 'b'), hubUrl: hub.url, catalogueFile })).toBe(
      false,
    );
    expect(term.written()).toMatch(
      /Lumen has no model yet\. The default is Shapes CLIP \(test\) \(image fp32, text quantized, /,
    );
    expect(term.written()).toContain('lumen-test/shapes-clip');
    expect(term.written()).toContain('Run "lumen models download" when you are ready');
    expect(existsSync(join(root, 'b', 'shapes-clip'))).toBe(false);
  });

  it('downloads the default model on yes (Enter alone means yes)', async () => {
    const term = terminal('\n');
    expect(await offerFirstModel(term, { root: join(root, 'c'), hubUrl: hub.url, catalogueFile })).toBe(true);
    expect(term.written()).toContain('Installed shapes-clip (image fp32, text quantized).');
    const onnx = readdirSync(join(root, 'c', 'shapes-clip', 'onnx'));
    expect(onnx.sort()).toEqual(['text_model_quantized.onnx', 'vision_model.onnx']);
  });
});
