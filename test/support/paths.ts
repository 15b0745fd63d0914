// Where tests find the repository's fixtures, the test model and the shared CLIP reference files.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
export const TEST_MODEL_DIR = join(FIXTURES, 'models', 'shapes-clip');

/** The real CLIP tokenizer files and published cases (outside the repo; CI provides them). */
export const REFERENCE_DIR =
  process.env.LUMEN_REFERENCE_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'reference');
export const HAS_REFERENCE = existsSync(join(REFERENCE_DIR, 'tokenization-cases.json'));
if (!HAS_REFERENCE) {
  process.stderr.write(
    `note: ${REFERENCE_DIR} is absent; tests that need the real CLIP tokenizer are skipped\n`,
  );
}
