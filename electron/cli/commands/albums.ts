// lumen albums: manual albums (photos put in them) and smart albums (a saved query that is run each
// time the album is shown, so it stays current as the library changes).

import { parseArgs } from 'node:util';
import { smartQuery } from '../../core/tags/album-store.js';
import type { LibraryRecords } from '../../core/library/library-records.js';
import { Library } from '../../core/library/library.js';
import { Searcher } from '../../core/library/search.js';
import { actionError, EXIT, usageError } from '../cli-error.js';
import { printer, type Command } from '../command.js';
import {
  FILTER_HELP,
  FILTER_OPTIONS,
  LIBRARY_HELP,
  LIBRARY_OPTIONS,
  withLibraryForReading,
  openLibrary,
  photoIdOf,
  searchOptions,
} from '../library-options.js';
import { plural } from '../words.js';

const OPTIONS = {
  ...LIBRARY_OPTIONS,
  ...FILTER_OPTIONS,
  query: { type: 'string' },
  example: { type: 'string', multiple: true },
} as const;

/**
 * Albums with their photo counts. A smart album is its query run now, so without a model (records
 * only) its count is null: "counted once a model is installed".
 */
async function listAlbums(
  library: LibraryRecords,
  print: (value: unknown, text: string) => void,
): Promise<void> {
  const searcher = library instanceof Library ? new Searcher(library) : null;
  const rows = [];
  for (const a of library.albums.list())
    rows.push({
      ...a,
      kind: a.query ? 'smart' : 'manual',
      count: !a.query
        ? library.albums.members(a.id).length
        : searcher
          ? (await searcher.albumPhotos(a)).length
          : null,
    });
  print(
    rows,
    rows
      .map(
        (r) =>
          `${r.name} (${r.kind}): ${r.count === null ? 'counted once a model is installed' : plural(r.count, 'photo')}\n`,
      )
      .join('') || 'no albums yet\n',
  );
}

/** The command's actions, in the order its help lists them. */
const ACTIONS: readonly string[] = ['create', 'add', 'remove', 'list', 'show', 'delete'];

export const albums: Command = {
  name: 'albums',
  summary: 'manual and smart albums: create, add, remove, list, show, delete',
  help: `lumen albums <action> [arguments] [options]

  create NAME                      a manual album
  create NAME --query TEXT | --example PHOTO | --tag NAME | filters
                                   a smart album: the saved query, run whenever it is shown
  add NAME PHOTO...                put photos in a manual album (PHOTO: a path or an id)
  remove NAME PHOTO...             take them out again
  list                             albums with their photo counts
  show NAME                        the album's photos
  delete NAME                      the album (never its photos)

smart album filters:
${FILTER_HELP}

${LIBRARY_HELP}`,
  async run(argv, out) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    const [action, name, ...rest] = positionals;
    if (!action || !ACTIONS.includes(action)) throw actionError(action, ACTIONS);
    if (action === 'list') {
      // Needs no model: smart albums are counted when one is installed.
      return withLibraryForReading(
        values,
        async (records) => {
          await listAlbums(records, printer(out, values.json));
          return EXIT.ok;
        },
        true,
      );
    }
    const library = await openLibrary(values);
    const searcher = new Searcher(library);
    const named = (n: string | undefined) => {
      if (!n) throw usageError('name an album');
      const a = library.albums.byName(n);
      if (!a) throw usageError(`no album named "${n}"`);
      return a;
    };
    const print = printer(out, values.json);
    try {
      switch (action) {
        case 'create': {
          if (!name) throw usageError('albums create needs a NAME');
          const options = searchOptions(values);
          const query = smartQuery({
            ...options,
            text: values.query,
            examples: values.example?.map((p) => photoIdOf(library, p)),
          });
          // Check the query now rather than when the album is first opened.
          if (query?.tags?.length) await searcher.allowedIds({ tags: query.tags });
          const album = library.albums.create(name, query);
          print(album, `created ${query ? 'smart ' : ''}album ${album.name}\n`);
          return EXIT.ok;
        }
        case 'add':
        case 'remove': {
          const album = named(name);
          const ids = rest.map((p) => photoIdOf(library, p));
          if (!ids.length) throw usageError(`albums ${action} needs photos`);
          const n =
            action === 'add' ? library.albums.add(album.id, ids) : library.albums.removePhotos(album.id, ids);
          print(
            { album: album.name, [action === 'add' ? 'added' : 'removed']: n },
            `${action === 'add' ? 'added' : 'removed'} ${n} photo(s)\n`,
          );
          return EXIT.ok;
        }
        case 'show': {
          const album = named(name);
          const photos = (await searcher.albumPhotos(album)).map((id) => ({
            id,
            path: library.store.photo(id)?.path ?? '',
          }));
          print(photos, photos.map((p) => `${p.path}\n`).join(''));
          return EXIT.ok;
        }
        case 'delete': {
          const album = named(name);
          library.albums.remove(album.id);
          print({ deleted: album.name }, `deleted ${album.name}\n`);
          return EXIT.ok;
        }
        default:
          throw actionError(action, ACTIONS);
      }
    } finally {
      library.close();
    }
  },
};
