// The desktop app's logic runs in plain Node: the modules the tests import use Electron only for
// types. (main.ts and preload.ts are the two that import it for real.)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

const PLAIN = [
  'electron/main/security.ts',
  'electron/main/protocol.ts',
  'electron/main/ipc.ts',
  'electron/main/paths.ts',
  'electron/engine/engine-channel.ts',
  'electron/engine/utility-entry.ts',
  'electron/engine/supervisor.ts',
  'electron/preload/make-bridge.ts',
  'electron/shared/bridge.ts',
];

describe('plain modules', () => {
  it.each(PLAIN)('%s imports electron for types only', (file) => {
    const source = readFileSync(join(REPO_ROOT, file), 'utf8');
    const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'electron';/gms)];
    for (const m of imports) expect(m[1], m[0]).toBeDefined();
    expect(source).not.toMatch(/require\(['"]electron['"]\)|import\(['"]electron['"]\)/);
  });
});
