// lumen albums: manual albums (photos put in them) and smart albums (a saved query that is run each
// time the album is shown, so it stays current as the library changes).

import { parseArgs } from 'node:util';
import type { SmartQuery } from '../../core/tags/album-store.js';
import { Searcher } from '../../core/library/search.js';
import { EXIT, usageError } from '../cli-error.js';
import { printer, type Command } from '../command.js';
import {
  FILTER_HELP,
  FILTER_OPTIONS,
  LIBRARY_HELP,
  LIBRARY_OPTIONS,
  openLibrary,
  photoIdOf,
  searchOptions,
} from '../library-options.js';

const OPTIONS = {
  ...LIBRARY_OPTIONS,
  ...FILTER_OPTIONS,
  query: { type: 'string' },
  example: { type: 'string', multiple: true },
} as const;

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
    if (!action) throw usageError('give an action: create, add, remove, list, show, delete');
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
          const { filters = {}, limit, strictness } = searchOptions(values);
          const query: SmartQuery = {
            ...filters,
            ...(values.query !== undefined && { text: values.query }),
            ...(values.example && { examples: values.example.map((p) => photoIdOf(library, p)) }),
            ...(limit !== undefined && { limit }),
            ...(strictness !== undefined && { strictness }),
          };
          const smart = Object.keys(query).length > 0;
          // Check the query now rather than when the album is first opened.
          if (smart && filters.tags?.length) await searcher.allowedIds({ tags: filters.tags });
          const album = library.albums.create(name, smart ? query : null);
          print(album, `created ${smart ? 'smart ' : ''}album ${album.name}\n`);
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
        case 'list': {
          const rows = [];
          for (const a of library.albums.list())
            rows.push({
              ...a,
              kind: a.query ? 'smart' : 'manual',
              count: (await searcher.albumPhotos(a)).length,
            });
          print(
            rows,
            rows.map((r) => `${r.name} (${r.kind}): ${r.count} photos\n`).join('') || 'no albums yet\n',
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
          throw usageError(`unknown action "${action}"`);
      }
    } finally {
      library.close();
    }
  },
};
