// lumen settings: the library's own settings, the same ones the app's Settings view changes (they live
// in the library, so the app, `lumen serve` and every command honour them alike). Needs no model.

import { parseArgs } from 'node:util';
import { SettingsError, type LibrarySettings } from '../../core/library/settings-store.js';
import { EXIT, usageError } from '../cli-error.js';
import { printer, type Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openRecords } from '../library-options.js';

function onOff(value: string | undefined, name: string): boolean {
  if (value === 'on' || value === 'true' || value === 'yes') return true;
  if (value === 'off' || value === 'false' || value === 'no') return false;
  throw usageError(`lumen settings ${name} takes on or off`);
}

function describe(s: LibrarySettings): string {
  return [
    `threads   ${s.threads ?? 'auto (all cores)'}`,
    `xmp       ${s.xmpSidecars ? 'on: tag runs write XMP sidecars' : 'off'}`,
    `xmp-auto  ${s.xmpAutoTags ? "on: sidecars get Lumen's automatic tags too" : 'off: sidecars get only the tags you set or confirmed'}`,
    `watch     ${s.watch ? 'on: the app and lumen serve watch the folders' : 'off'}`,
    `exclude   ${s.exclude.length ? s.exclude.join(', ') : '(nothing)'}`,
    '',
  ].join('\n');
}

/** The change one `lumen settings KEY ...` asks for. */
function change(current: LibrarySettings, key: string, args: string[]): Partial<LibrarySettings> {
  switch (key) {
    case 'threads': {
      const [v] = args;
      if (v === 'auto') return { threads: null };
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 256)
        throw usageError('lumen settings threads takes 1-256 or auto');
      return { threads: n };
    }
    case 'xmp':
      return { xmpSidecars: onOff(args[0], 'xmp') };
    case 'xmp-auto':
      return { xmpAutoTags: onOff(args[0], 'xmp-auto') };
    case 'watch':
      return { watch: onOff(args[0], 'watch') };
    case 'exclude': {
      const [verb, ...patterns] = args;
      if (verb === 'clear') return { exclude: [] };
      if ((verb !== 'add' && verb !== 'remove') || !patterns.length)
        throw usageError('lumen settings exclude takes add PATTERN..., remove PATTERN... or clear');
      return {
        exclude:
          verb === 'add'
            ? [...current.exclude, ...patterns]
            : current.exclude.filter((p) => !patterns.includes(p)),
      };
    }
    default:
      throw usageError(`unknown setting "${key}" (threads, xmp, xmp-auto, watch, exclude)`);
  }
}

export const settings: Command = {
  name: 'settings',
  summary: "show or change the library's settings: threads, xmp, xmp-auto, watch, exclude",
  help: `lumen settings [KEY VALUE...] [options]

With no KEY, shows the library's settings. They live in the library, so the
app, lumen serve and every command honour them alike.

  threads N|auto             inference threads per session (auto: all cores)
  xmp on|off                 tag runs also write tags to XMP sidecars
  xmp-auto on|off            sidecars get Lumen's automatic tags too, marked as
                             Lumen's so they never come back as yours (default
                             off: only the tags you set or confirmed)
  watch on|off               the app and lumen serve watch the folders
  exclude add PATTERN...     leave files and folders out of every scan: a name
                             ("Screenshots", "*.tmp.jpg") anywhere, or a path
                             below a library folder ("Trips/raw", "**/private");
                             * is any run of characters, ** any folders
  exclude remove PATTERN...  take patterns out again
  exclude clear              exclude nothing

${LIBRARY_HELP}`,
  run(argv, out) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: LIBRARY_OPTIONS,
    });
    const [key, ...args] = positionals;
    const library = openRecords(values);
    try {
      let current = library.settings.get();
      if (key) {
        try {
          current = library.settings.set(change(current, key, args));
        } catch (e) {
          if (e instanceof SettingsError) throw usageError(e.message);
          throw e;
        }
      }
      printer(out, values.json)(current, describe(current));
      return Promise.resolve(EXIT.ok);
    } finally {
      library.close();
    }
  },
};
