// How a category's words become the sentences its tag is scored with: the caption frame is taken off a
// prompt, a plural names one of the thing, articles are the ones English wants, a prompt that is
// already a caption is kept, and fine-tuning's pair sentence reads naturally.

import { describe, expect, it } from 'vitest';
import {
  categoryPrompts,
  categorySentence,
  fillTemplates,
  singularOf,
  subjectOf,
  withArticle,
} from '../../../electron/core/tags/prompt-templates.js';

const category = (c: { name: string; description?: string; prompts?: string[] }) => ({
  description: null,
  prompts: [],
  ...c,
});

describe('prompt templates', () => {
  it('finds the subject under a caption frame', () => {
    expect(subjectOf('a photo of a star')).toBe('star');
    expect(subjectOf('A picture of the beach.')).toBe('beach');
    expect(subjectOf('an image showing kids on a beach at sunset')).toBe('kids on a beach at sunset');
    expect(subjectOf('star shapes')).toBe('star shapes');
    expect(subjectOf('the sea')).toBe('sea');
  });

  it('puts the article English wants, and one of a plural', () => {
    expect(withArticle('star')).toBe('a star');
    expect(withArticle('owl')).toBe('an owl');
    expect(withArticle('umbrella')).toBe('an umbrella');
    expect(withArticle('unicorn')).toBe('a unicorn');
    expect(withArticle('my garden')).toBe('my garden');
    expect(withArticle('something red')).toBe('something red');
    expect(withArticle('people')).toBe('people');
    expect(withArticle('glass')).toBe('a glass');
    expect(singularOf('stars')).toBe('star');
    expect(singularOf('star shapes')).toBe('star shape');
    expect(singularOf('berries')).toBe('berry');
    expect(singularOf('boxes')).toBe('box');
    expect(fillTemplates('my garden', ['a photo of the {}.', 'a photo of {}.'])).toEqual([
      'a photo of my garden.',
      'a photo of my garden.',
    ]);
  });

  it('gives "stars", "star", "star shapes" and "a photo of a star" the same ensemble, the caption kept', () => {
    const star = categoryPrompts(category({ name: 'star' }));
    expect(star).toContain('a photo of a star.');
    expect(star).toContain('a photo of the star.');
    expect(star.some((p) => /a stars|a star shapes/.test(p))).toBe(false);
    expect(categoryPrompts(category({ name: 'stars' }))).toEqual(star);
    expect(categoryPrompts(category({ name: 'Stars' }))).toEqual(star);
    expect(categoryPrompts(category({ name: 'x', description: 'star' }))).toEqual(star);
    expect(categoryPrompts(category({ name: 'x', prompts: ['a photo of a star'] }))).toEqual([
      'a photo of a star',
      ...star,
    ]);
    expect(categoryPrompts(category({ name: 'x', prompts: ['star shapes'] }))).toContain(
      'a photo of a star shape.',
    );
  });

  it('makes a natural sentence for fine-tuning pairs, never "a photo of a red things."', () => {
    expect(categorySentence(category({ name: 'red things' }))).toBe('a photo of red things.');
    expect(categorySentence(category({ name: 'stars', description: 'star' }))).toBe('a photo of a star.');
    expect(categorySentence(category({ name: 'Grandma' }))).toBe('a photo of Grandma.');
    expect(categorySentence(category({ name: 'x', prompts: ['a photo of my garden in spring'] }))).toBe(
      'a photo of my garden in spring',
    );
    expect(categorySentence(category({ name: 'x', prompts: ['people'] }))).toBe('a photo of people.');
  });
});
