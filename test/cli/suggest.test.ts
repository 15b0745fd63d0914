// The "did you mean" guess: swapped letters count as one edit, a far-off word gets no guess, and a
// short word is not matched to whatever is two edits away.

import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../electron/cli/suggest.js';

describe('suggest', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('lsit', 'list')).toBe(1);
    expect(editDistance('serch', 'search')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('guesses only when the word is close to one it knows', () => {
    const actions = ['add', 'edit', 'remove', 'list', 'of', 'run'];
    expect(closest('lsit', actions)).toBe('list');
    expect(closest('LIST', actions)).toBe('list');
    expect(closest('photograph', actions)).toBeNull();
    // Two letters: a single wrong letter is too much to guess from.
    expect(closest('xy', actions)).toBeNull();
    expect(closest('--limt', ['--limit', '--json', '--all'])).toBe('--limit');
  });
});
