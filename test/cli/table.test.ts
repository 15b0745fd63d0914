// Terminal tables: every column starts where its header does, however long a cell, and the last
// column (often a path) is left as it is.

import { describe, expect, it } from 'vitest';
import { table } from '../../electron/cli/table.js';

describe('table', () => {
  it('aligns each column to its widest cell, header included', () => {
    const text = table(
      ['MODEL', 'STATE', 'PATH'],
      [
        ['siglip-base-patch16-256-multilingual', 'installed', '/a/b'],
        ['b32', 'not installed', '/c'],
      ],
    );
    const lines = text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    const col = (line: string, header: string): number => line.indexOf(header);
    const state = col(lines[0] ?? '', 'STATE');
    const path = col(lines[0] ?? '', 'PATH');
    expect(lines[1]?.indexOf('installed')).toBe(state);
    expect(lines[2]?.indexOf('not installed')).toBe(state);
    expect(lines[1]?.indexOf('/a/b')).toBe(path);
    expect(lines[2]?.endsWith('/c')).toBe(true);
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
  });
});
