// The combined query syntax: terms, weights, negatives, images.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQuery, QuerySyntaxError } from '../../../electron/core/library/query-syntax.js';
import { tempDir } from '../../support/temp.js';

describe('parseQuery', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'rex.jpg'), 'x');

  it('reads one text term', () => {
    expect(parseQuery('kids on a beach at sunset')).toEqual([
      { kind: 'text', value: 'kids on a beach at sunset', weight: 1 },
    ]);
  });

  it('reads positive and negative terms', () => {
    expect(parseQuery('beach + sunset - people')).toEqual([
      { kind: 'text', value: 'beach', weight: 1 },
      { kind: 'text', value: 'sunset', weight: 1 },
      { kind: 'text', value: 'people', weight: -1 },
    ]);
  });

  it('reads weights and image paths, relative to the working folder', () => {
    expect(parseQuery('2:dog + ./rex.jpg - 0.5:cat', dir)).toEqual([
      { kind: 'text', value: 'dog', weight: 2 },
      { kind: 'image', value: join(dir, 'rex.jpg'), weight: 1 },
      { kind: 'text', value: 'cat', weight: -0.5 },
    ]);
    expect(parseQuery('rex.jpg', dir)).toEqual([{ kind: 'image', value: join(dir, 'rex.jpg'), weight: 1 }]);
  });

  it('keeps hyphens and plus signs inside words', () => {
    expect(parseQuery('t-shirt + c++ book')).toEqual([
      { kind: 'text', value: 't-shirt', weight: 1 },
      { kind: 'text', value: 'c++ book', weight: 1 },
    ]);
  });

  it('rejects empty queries, missing images and all-negative queries', () => {
    expect(() => parseQuery('   ')).toThrow(QuerySyntaxError);
    expect(() => parseQuery('a + ')).toThrow(/empty term/);
    expect(() => parseQuery('./missing.jpg', dir)).toThrow(/image not found/);
    expect(() => parseQuery('- people')).toThrow(/at least one positive term/);
    expect(() => parseQuery('0:dog')).toThrow(/weight 0/);
  });
});
