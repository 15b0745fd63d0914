// The contract's own validation: what every transport (IPC in the app, HTTP for the browser, the
// engine itself) runs on each message where it arrives. Hostile or malformed requests are refused with
// a clear ApiError naming the method and the field; well-formed ones come out parsed.

import { describe, expect, it } from 'vitest';
import { API, ApiError, EVENTS, isMethod, parseRequest } from '../../electron/shared/api.js';

function refusal(method: unknown, params: unknown): ApiError {
  try {
    parseRequest(method, params);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error(`${String(method)} was accepted`);
}

describe('the API contract', () => {
  it('knows its methods and nothing else, including names from the prototype chain', () => {
    expect(isMethod('search.text')).toBe(true);
    for (const name of ['search', 'toString', '__proto__', 'constructor', '', 42, null])
      expect(isMethod(name), String(name)).toBe(false);
    expect(refusal('hasOwnProperty', {})).toMatchObject({ code: 'not-found' });
    expect(refusal('library.drop', {}).message).toContain('unknown method "library.drop"');
  });

  it('parses good parameters, trimming text and defaulting a missing body to {}', () => {
    expect(parseRequest('search.text', { query: '  red star ', limit: 5 })).toEqual({
      method: 'search.text',
      params: { query: 'red star', limit: 5 },
    });
    expect(parseRequest('library.status', undefined).params).toEqual({});
  });

  it('refuses wrong types, out-of-range numbers, unknown keys and oversized input, naming the field', () => {
    const cases: [string, unknown, RegExp][] = [
      ['search.text', { query: '' }, /query/],
      ['search.text', { query: 'x', limit: 0 }, /limit/],
      ['search.text', { query: 'x', limit: 1.5 }, /limit/],
      ['search.text', { query: 'x', matches: 'some' }, /matches/],
      ['search.text', { query: 'x', filters: { tags: 'red' } }, /filters\.tags/],
      ['search.text', { query: 'x', filters: { path: '/etc' } }, /filters/],
      ['search.text', { query: 'x'.repeat(2001) }, /query/],
      ['photos.get', { id: -1 }, /id/],
      ['photos.get', { id: '1' }, /id/],
      ['library.status', { extra: true }, /library\.status/],
      ['tags.decide', { photoId: 1, categoryId: 1, decision: 'auto' }, /decision/],
      ['albums.add', { id: 1, photoIds: [] }, /photoIds/],
    ];
    for (const [method, params, field] of cases) {
      const e = refusal(method, params);
      expect(e.code, `${method} ${JSON.stringify(params).slice(0, 60)}`).toBe('bad-request');
      expect(e.message).toMatch(new RegExp(`^${method.replace('.', '\\.')}: `));
      expect(e.message).toMatch(field);
    }
  });

  it('checks the long timeline arrays element by element, with a fast loop', () => {
    const timeline = API['photos.timeline'].result;
    const good = { total: 3, ids: [3, 2, 1], takenAt: [5, null, 4], aspect: [1, 1.5, 0.75] };
    expect(timeline.safeParse(good).success).toBe(true);
    for (const bad of [
      { ids: [3, '2', 1] },
      { ids: [3, 0, 1] },
      { ids: [3, 2.5, 1] },
      { takenAt: [5, Number.NaN, 4] },
      { takenAt: [5, undefined, 4] },
      { aspect: [1, null, 1] },
      { aspect: 'many' },
    ])
      expect(timeline.safeParse({ ...good, ...bad }).success, JSON.stringify(bad)).toBe(false);
  });

  it('gives every method a params and a result schema, and every event a schema', () => {
    for (const [name, m] of Object.entries(API)) {
      expect(typeof m.params.safeParse, name).toBe('function');
      expect(typeof m.result.safeParse, name).toBe('function');
    }
    expect(EVENTS['index.progress'].safeParse({ done: 1 }).success).toBe(false);
    expect(EVENTS['library.changed'].safeParse({ reason: 'scan' }).success).toBe(true);
  });
});
