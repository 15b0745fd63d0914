// Common photo categories a user can switch on instead of writing their own: each is an ordinary
// category (editable, removable) whose prompts describe what people mean by it in a photo library.

import type { CategoryInput, TagStore } from './tag-store.js';

export const STARTER_PACK: readonly CategoryInput[] = [
  {
    name: 'people',
    prompts: [
      'a photo of a person.',
      'a photo of people.',
      'a portrait of a person.',
      'a group photo of friends.',
    ],
  },
  {
    name: 'selfies',
    prompts: ['a selfie.', 'a selfie taken with a phone camera.', 'a close-up selfie of a face.'],
  },
  {
    name: 'pets',
    prompts: ['a photo of a pet.', 'a photo of a dog.', 'a photo of a cat.', 'a photo of my pet animal.'],
  },
  {
    name: 'food',
    prompts: [
      'a photo of food.',
      'a photo of a meal on a plate.',
      'a photo of a dish at a restaurant.',
      'a photo of dessert.',
    ],
  },
  {
    name: 'landscape',
    prompts: [
      'a landscape photo.',
      'a photo of mountains.',
      'a scenic photo of nature.',
      'a photo of a lake and hills.',
    ],
  },
  {
    name: 'beach',
    prompts: ['a photo of a beach.', 'a photo of the sea and sand.', 'a photo of the ocean shore.'],
  },
  {
    name: 'sunsets',
    prompts: ['a photo of a sunset.', 'a photo of a sunrise.', 'a photo of the sky at dusk.'],
  },
  {
    name: 'snow',
    prompts: ['a photo of snow.', 'a photo of a snowy landscape.', 'a photo taken in winter snow.'],
  },
  {
    name: 'city',
    prompts: ['a photo of a city street.', 'a photo of buildings in a city.', 'a photo of a skyline.'],
  },
  {
    name: 'flowers',
    prompts: ['a photo of flowers.', 'a close-up photo of a flower.', 'a photo of a garden in bloom.'],
  },
  { name: 'cars', prompts: ['a photo of a car.', 'a photo of a vehicle on a road.'] },
  {
    name: 'night',
    prompts: ['a photo taken at night.', 'a photo of city lights at night.', 'a dark night photo.'],
  },
  {
    name: 'documents',
    prompts: [
      'a photo of a document.',
      'a scan of a printed page of text.',
      'a photo of a paper form.',
      'a photo of a letter.',
    ],
    negativePrompts: ['a screenshot of a phone screen.'],
  },
  {
    name: 'receipts',
    prompts: ['a photo of a receipt.', 'a photo of a shop receipt with prices.', 'a photo of a paper bill.'],
  },
  {
    name: 'screenshots',
    prompts: [
      'a screenshot.',
      'a screenshot of a phone screen.',
      'a screenshot of a computer desktop.',
      'a screenshot of an app.',
    ],
    negativePrompts: ['a photo of a computer screen taken with a camera.'],
  },
  { name: 'whiteboards', prompts: ['a photo of a whiteboard.', 'a photo of notes written on a whiteboard.'] },
  { name: 'memes', prompts: ['a meme.', 'an internet meme with text.'] },
  { name: 'art', prompts: ['a photo of a painting.', 'a photo of artwork in a museum.', 'a drawing.'] },
];

/** Adds the starter categories not already present (by name); returns the names added. */
export function enableStarterPack(tags: TagStore, names?: readonly string[]): string[] {
  const wanted = names
    ? STARTER_PACK.filter((c) => names.some((n) => n.toLowerCase() === c.name))
    : STARTER_PACK;
  const unknown = names?.filter((n) => !STARTER_PACK.some((c) => c.name === n.toLowerCase())) ?? [];
  if (unknown.length) throw new Error(`not in the starter pack: ${unknown.join(', ')}`);
  const added: string[] = [];
  for (const c of wanted) {
    if (tags.categoryByName(c.name)) continue;
    tags.addCategory(c);
    added.push(c.name);
  }
  return added;
}
