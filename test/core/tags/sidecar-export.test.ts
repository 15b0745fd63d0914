// Writing tags to sidecars never reaches outside the library's folders: a sidecar that is a link to a
// file elsewhere is refused (the file elsewhere is untouched), and a dangling link is replaced by a
// sidecar of our own rather than followed.

import { existsSync, readFileSync, lstatSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { Library } from '../../../electron/core/library/library.js';
import { exportSidecars } from '../../../electron/core/tags/sidecar-export.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../../scripts/shapes/photo-folder.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempDir } from '../../support/temp.js';

const VICTIM = `<?xml version="1.0"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF></x:xmpmeta>`;

describe('sidecars stay inside the library', () => {
  const root = tempDir();
  const folder = join(root, 'photos');
  const elsewhere = join(root, 'elsewhere');
  let photos: GeneratedPhoto[] = [];
  const library = Library.open({
    dbPath: join(root, 'lib', 'library.sqlite'),
    model: ClipModel.open(TEST_MODEL_DIR),
  });
  afterAll(() => {
    library.close();
  });

  beforeAll(async () => {
    photos = await generatePhotoFolder(folder, { count: 3, seed: 61, formats: ['jpeg'] });
    library.addFolder(folder);
    await library.scan();
    const { job, ids } = library.indexJob();
    await job.run(ids);
    const category = library.tags.addCategory({ name: 'holiday' });
    for (const p of photos)
      library.tags.setUserTag(library.store.photoByPath(p.path)?.id ?? -1, category.id, 'manual');
  }, 60_000);

  it('refuses a sidecar that links to a file elsewhere, and leaves that file alone', async () => {
    await generatePhotoFolder(elsewhere, { count: 1, seed: 62, formats: ['jpeg'] });
    const victim = join(elsewhere, 'victim.xmp');
    writeFileSync(victim, VICTIM);
    const linked = photos[0] as GeneratedPhoto;
    symlinkSync(victim, `${linked.path}.xmp`);
    // A dangling link pointing elsewhere too.
    const dangling = photos[1] as GeneratedPhoto;
    const target = join(elsewhere, 'created-by-lumen.xmp');
    symlinkSync(target, `${dangling.path}.xmp`);

    const report = await exportSidecars(library);
    expect(report.failed).toEqual([
      { path: linked.path, error: expect.stringMatching(/leads outside the library's folders/) as string },
    ]);
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM);
    // The dangling link was replaced by a real sidecar beside the photo; nothing was made elsewhere.
    expect(existsSync(target)).toBe(false);
    expect(lstatSync(`${dangling.path}.xmp`).isSymbolicLink()).toBe(false);
    expect(readFileSync(`${dangling.path}.xmp`, 'utf8')).toContain('holiday');
    expect(readFileSync(`${(photos[2] as GeneratedPhoto).path}.xmp`, 'utf8')).toContain('holiday');
  });
});
