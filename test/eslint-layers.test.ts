// The layering between folders (eslint.layers.js), run through ESLint itself on small sources placed,
// by file name, in each folder: every wrong-way import is refused with the layer's message, and the
// right-way ones pass. `npm run check` runs the same rules over the real tree.

import { ESLint } from 'eslint';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { layerRules } from '../eslint.layers.js';
import { REPO_ROOT } from './support/paths.js';

const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    ...svelte.configs.recommended,
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
    { files: ['**/*.svelte'], languageOptions: { parserOptions: { parser: tseslint.parser } } },
    { plugins: { '@typescript-eslint': tseslint.plugin } },
    ...layerRules,
  ],
});

/** The layer messages ESLint gives for `source` placed at `file`. */
async function refusals(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: file });
  return (result?.messages ?? []).map((m) => {
    if (m.ruleId !== '@typescript-eslint/no-restricted-imports') throw new Error(`${file}: ${m.message}`);
    return m.message;
  });
}

const wrong: [string, string, RegExp][] = [
  ['electron/engine/x.ts', "import { openLibrary } from '../cli/library-options.js';", /belongs in core/],
  ['electron/engine/handlers/x.ts', "export { x } from '../../cli/main.js';", /belongs in core/],
  ['electron/engine/x.ts', "import { app } from 'electron';", /only by main\/main.ts/],
  ['electron/core/library/x.ts', "import { Engine } from '../../engine/engine.js';", /plain Node/],
  ['electron/core/library/x.ts', "import { API } from '../../shared/api.js';", /plain Node/],
  ['electron/core/x.ts', "import type { App } from 'electron';", /only by main\/main.ts/],
  ['electron/cli/commands/x.ts', "import { x } from '../../main/ipc.js';", /electron\/cli builds on/],
  ['electron/shared/x.ts', "import { Library } from '../core/library/library.js';", /the contract/],
  ['electron/main/ipc.ts', "import { ipcMain } from 'electron';", /only by main\/main.ts/],
  ['electron/main/x.ts', "import { main } from '../cli/main.js';", /never imports the CLI/],
  ['electron/preload/make-bridge.ts', "import { Engine } from '../engine/engine.js';", /thin pipe/],
  [
    'renderer/src/lib/x.ts',
    "import { Library } from '../../../electron/core/library/library.js';",
    /shared only/,
  ],
  [
    'renderer/src/views/X.svelte',
    '<script lang="ts">import { Engine } from \'../../../electron/engine/engine.js\';</script>',
    /shared only/,
  ],
  ['bench/x.bench.ts', "import { REPO_ROOT } from '../test/support/paths.js';", /never import test/],
  ['scripts/shapes/x.ts', "import { tempDir } from '../../test/support/temp.js';", /never import test/],
];

const right: [string, string][] = [
  ['electron/engine/x.ts', "import { openLibrary } from '../core/library/open-library.js';"],
  ['electron/engine/x.ts', "import type { ParentPort } from 'electron';"],
  ['electron/engine/x.ts', "import { API } from '../shared/api.js';"],
  ['electron/core/library/x.ts', "import { ClipModel } from '../clip/clip-model.js';"],
  ['electron/cli/commands/x.ts', "import { EngineHolder } from '../../engine/engine-host.js';"],
  ['electron/main/main.ts', "import { app } from 'electron';"],
  ['electron/main/x.ts', "import type { ParentPort } from 'electron';"],
  ['electron/main/x.ts', "import { FromEngine } from '../engine/engine-channel.js';"],
  ['electron/preload/preload.ts', "import { contextBridge } from 'electron';"],
  ['renderer/src/lib/x.ts', "import { API } from '../../../electron/shared/api.js';"],
  ['bench/x.bench.ts', "import { generatePhotoFolder } from '../scripts/shapes/photo-folder.js';"],
  ['test/x.test.ts', "import { Engine } from '../electron/engine/engine.js';"],
];

describe('layering between folders', () => {
  it.each(wrong)('%s: refuses %s', async (file, source, why) => {
    const messages = await refusals(file, source);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(why);
  });

  it.each(right)('%s: allows %s', async (file, source) => {
    expect(await refusals(file, source)).toEqual([]);
  });
});
