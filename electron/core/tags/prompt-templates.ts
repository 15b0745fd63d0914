// The prompts a category is matched with. As in the CLIP paper's zero-shot ImageNet classifier, a
// subject is put into several sentence templates and the text embeddings are averaged, which
// describes the concept better than any one sentence; the templates here suit personal photos.

export const PHOTO_TEMPLATES: readonly string[] = [
  'a photo of a {}.',
  'a blurry photo of a {}.',
  'a close-up photo of a {}.',
  'a bright photo of a {}.',
  'a dark photo of a {}.',
  'a picture of a {}.',
  'a photo of the {}.',
  'a good photo of a {}.',
];

/** The single template the ensemble is compared against. */
export const SINGLE_TEMPLATE = 'a photo of a {}.';

export interface PromptSource {
  name: string;
  description: string | null;
  prompts: readonly string[];
}

/**
 * The texts for a category: its own prompts as written, plus the templates filled with its
 * description; with neither, the templates filled with its name.
 */
export function categoryPrompts(c: PromptSource, templates: readonly string[] = PHOTO_TEMPLATES): string[] {
  const subject = c.description?.trim();
  const filled = (s: string): string[] => templates.map((t) => t.replaceAll('{}', s));
  const out = [...c.prompts.map((p) => p.trim()).filter(Boolean), ...(subject ? filled(subject) : [])];
  return out.length ? [...new Set(out)] : filled(c.name.trim());
}
