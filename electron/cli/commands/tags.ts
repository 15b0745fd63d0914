// lumen tags: the user's categories and zero-shot tagging. add / edit / remove / list categories,
// switch on the starter pack, run tagging over the library, work through the review queue, and
// write tags to XMP sidecars for other photo apps.

import { parseArgs } from 'node:util';
import type { LibraryRecords } from '../../core/library/library-records.js';
import type { Library } from '../../core/library/library.js';
import { photoLabels } from '../../core/tags/provenance.js';
import { exportSidecars } from '../../core/tags/sidecar-export.js';
import { enableStarterPack, STARTER_PACK } from '../../core/tags/starter-pack.js';
import { tagLibrary } from '../../core/tags/tag-library.js';
import { categorySummaries, describeCutoff } from '../../core/tags/category-summary.js';
import type { Category, CategoryInput, TagCounts } from '../../core/tags/tag-store.js';
import type { TagRunReport } from '../../core/tags/tagger.js';
import { actionError, EXIT, usageError } from '../cli-error.js';
import { interruptSignal, type Command, type Output } from '../command.js';
import { table } from '../table.js';
import {
  LIBRARY_HELP,
  LIBRARY_OPTIONS,
  openLibrary,
  photoIdOf,
  withLibraryForReading,
} from '../library-options.js';
import { Progress } from '../progress.js';
import { plural } from '../words.js';

const CATEGORY_OPTIONS = {
  ...LIBRARY_OPTIONS,
  prompt: { type: 'string', multiple: true },
  negative: { type: 'string', multiple: true },
  description: { type: 'string' },
  group: { type: 'string' },
  threshold: { type: 'string' },
  'no-run': { type: 'boolean' },
  category: { type: 'string' },
  limit: { type: 'string' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof CATEGORY_OPTIONS; allowPositionals: true }>
>['values'];

function categoryInput(name: string | undefined, values: Values): Partial<CategoryInput> {
  const input: Partial<CategoryInput> = {};
  if (name !== undefined) input.name = name;
  if (values.prompt) input.prompts = values.prompt;
  if (values.negative) input.negativePrompts = values.negative;
  if (values.description !== undefined) input.description = values.description;
  if (values.group !== undefined) input.exclusiveGroup = values.group;
  if (values.threshold !== undefined) {
    const t = values.threshold === 'auto' ? null : Number(values.threshold);
    if (t !== null && (!Number.isFinite(t) || t < -1 || t > 1))
      throw usageError('--threshold must be a cosine between -1 and 1, or auto');
    input.threshold = t;
  }
  return input;
}

function categoryNamed(library: Library, name: string | undefined): Category {
  if (!name) throw usageError('name a category');
  const c = library.tags.categoryByName(name);
  if (!c) throw usageError(`no category named "${name}"`);
  return c;
}

/** Tags the library as the engine does (core's tagLibrary: sidecars too when the settings say so). */
async function runTagging(library: Library, ids: number[] | undefined, err: Output): Promise<TagRunReport> {
  const bar = new Progress(err);
  const stop = interruptSignal();
  try {
    const { report, sidecars } = await tagLibrary(library, {
      ...(ids && { categoryIds: ids }),
      signal: stop.signal,
      onProgress: (p) => {
        bar.update({ label: p.phase, done: p.done, total: p.total }, p.done === p.total);
      },
    });
    bar.finish();
    if (sidecars) {
      for (const f of sidecars.failed) err.write(`sidecar failed: ${f.path}: ${f.error}\n`);
      err.write(`wrote ${sidecars.written.length} XMP sidecars\n`);
    }
    return report;
  } finally {
    stop.release();
  }
}

/** "12 photos (9 automatic, 3 yours, 1 rejected)": every photo carrying it, and where the tags came from. */
function describeCounts(tagged: number, counts: TagCounts): string {
  const parts = [
    counts.auto && `${counts.auto} automatic`,
    counts.manual + counts.accepted && `${counts.manual + counts.accepted} yours`,
    counts.rejected && `${counts.rejected} rejected`,
  ].filter(Boolean);
  return `${plural(tagged, 'photo')}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function printReport(
  library: LibraryRecords,
  report: TagRunReport,
  json: boolean | undefined,
  out: Output,
): void {
  if (json) {
    out.write(`${JSON.stringify(report)}\n`);
    return;
  }
  if (!report.categories.length) {
    out.write('no categories to tag with: lumen tags add NAME, or lumen tags starter\n');
    return;
  }
  const summaries = new Map(categorySummaries(library).map((s) => [s.id, s]));
  for (const c of report.categories) {
    const s = summaries.get(c.id);
    out.write(
      `${c.name}: ${s ? `${describeCounts(s.tagged, s.counts)}, tagged ${describeCutoff(s)}` : plural(c.tagged, 'photo')}\n`,
    );
  }
  out.write(
    `scored ${plural(report.photos, 'photo')} for ${plural(report.categories.length, 'category', 'categories')} in ${(report.ms / 1000).toFixed(2)} s\n`,
  );
}

function list(library: LibraryRecords, json: boolean | undefined, out: Output): void {
  const rows = categorySummaries(library);
  if (json) {
    out.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  if (!rows.length) out.write('no categories yet: lumen tags add NAME, or lumen tags starter\n');
  for (const r of rows) {
    const group = r.exclusiveGroup ? ` [group ${r.exclusiveGroup}]` : '';
    const state = !r.enabled ? ' (off)' : '';
    out.write(`${r.name}${group}${state}: ${describeCounts(r.tagged, r.counts)}; ${describeCutoff(r)}\n`);
  }
}

/** tags of PHOTO: the photo's caption and tags, each with where it came from. */
function printPhotoLabels(
  records: LibraryRecords,
  args: string[],
  json: boolean | undefined,
  out: Output,
): void {
  const [photo] = args;
  if (!photo || args.length > 1) throw usageError('tags of needs one PHOTO (a path or an id)');
  const id = photoIdOf(records, photo);
  const report = { id, ...photoLabels(records.tags, id) };
  if (json) {
    out.write(`${JSON.stringify(report)}\n`);
    return;
  }
  out.write(report.caption ? `caption: ${report.caption.text}\t${report.caption.from}\n` : 'caption: none\n');
  if (!report.tags.length) out.write('no tags\n');
  for (const t of report.tags) out.write(`${t.name}\t${t.from}\n`);
}

/** The command's actions, in the order its help lists them. */
const ACTIONS: readonly string[] = [
  'add',
  'edit',
  'remove',
  'list',
  'of',
  'starter',
  'run',
  'review',
  'accept',
  'reject',
  'xmp',
];

export const tags: Command = {
  name: 'tags',
  summary:
    'categories and zero-shot tagging: add, edit, remove, list, of, starter, run, review, accept, reject, xmp',
  help: `lumen tags <action> [arguments] [options]

  add NAME [--prompt TEXT]... [--negative TEXT]... [--description TEXT]
           [--group NAME] [--threshold X|auto] [--no-run]
                      a category. Its prompts (else the description, else the name) are
                      put into photo templates ("a photo of a star.", ...) by their
                      subject, however worded ("stars", "star shapes", "a photo of a
                      star"), and averaged. --group makes categories exclusive (a photo
                      gets at most one of the group).
                      Tags the library at once unless --no-run.
  edit NAME [same options]   change a category and re-tag (your own tags are kept)
  remove NAME               delete a category and its tags
  list                      categories with their tag counts
  of PHOTO                  a photo's caption and tags, each with where it came from
                            (set by you, reviewed, a file's field, or Lumen's guess)
  starter [NAME...]         switch on the starter pack (${STARTER_PACK.map((c) => c.name).join(', ')})
  run [NAME...]             tag the library (all categories, or those named); recalibrates thresholds
  review [--category NAME] [--limit N]
                            automatic tags, least certain first
  accept NAME PHOTO...      confirm a tag (PHOTO: a path or an id)
  reject NAME PHOTO...      refuse a tag; it is never added back automatically
  xmp [PHOTO...]            write your tags to XMP sidecars (IMG_1.jpg.xmp, or an existing
                            IMG_1.xmp) that digiKam, darktable and Lightroom read; other
                            sidecar fields are kept, rejected tags withdrawn, photos untouched.
                            Lumen's automatic tags too with "lumen settings xmp-auto on"
                            (marked as Lumen's, so they are never read back as yours)

${LIBRARY_HELP}`,
  async run(argv, out, err) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: CATEGORY_OPTIONS,
    });
    const [action, ...args] = positionals;
    if (!action || !ACTIONS.includes(action)) throw actionError(action, ACTIONS);
    // Listing needs no model; every other action may tag.
    if (action === 'of' || action === 'list')
      return withLibraryForReading(values, (records) => {
        if (action === 'of') printPhotoLabels(records, args, values.json, out);
        else list(records, values.json, out);
        return EXIT.ok;
      });
    const library = await openLibrary(values);
    try {
      switch (action) {
        case 'add': {
          const [name] = args;
          if (!name) throw usageError('tags add needs a NAME');
          const c = library.tags.addCategory({ ...categoryInput(name, values), name });
          if (values['no-run']) {
            if (values.json) out.write(`${JSON.stringify(c)}\n`);
            else out.write(`added ${c.name}\n`);
          } else printReport(library, await runTagging(library, [c.id], err), values.json, out);
          return EXIT.ok;
        }
        case 'edit': {
          const c = categoryNamed(library, args[0]);
          const updated = library.tags.updateCategory(c.id, categoryInput(undefined, values));
          if (values['no-run'])
            out.write(values.json ? `${JSON.stringify(updated)}\n` : `changed ${updated.name}\n`);
          else printReport(library, await runTagging(library, [updated.id], err), values.json, out);
          return EXIT.ok;
        }
        case 'remove': {
          const c = categoryNamed(library, args[0]);
          library.tags.removeCategory(c.id);
          out.write(values.json ? `${JSON.stringify({ removed: c.name })}\n` : `removed ${c.name}\n`);
          return EXIT.ok;
        }
        case 'starter': {
          let added: string[];
          try {
            added = enableStarterPack(library.tags, args.length ? args : undefined);
          } catch (e) {
            throw usageError((e as Error).message);
          }
          const ids = added.map((n) => library.tags.categoryByName(n)?.id ?? -1);
          if (values['no-run'] || !added.length)
            out.write(
              values.json ? `${JSON.stringify({ added })}\n` : `added ${added.join(', ') || 'nothing'}\n`,
            );
          else printReport(library, await runTagging(library, ids, err), values.json, out);
          return EXIT.ok;
        }
        case 'run': {
          const ids = args.length ? args.map((n) => categoryNamed(library, n).id) : undefined;
          const report = await runTagging(library, ids, err);
          printReport(library, report, values.json, out);
          return EXIT.ok;
        }
        case 'review': {
          const category = values.category ? categoryNamed(library, values.category).id : null;
          const limit = values.limit ? Number(values.limit) : 20;
          if (!Number.isInteger(limit) || limit < 1) throw usageError('--limit must be a positive integer');
          const queue = library.tags.reviewQueue(category, limit);
          if (values.json) out.write(`${JSON.stringify(queue)}\n`);
          else if (!queue.length) out.write('nothing to review\n');
          else
            // Least certain first: "how sure" is the margin of the photo's score over the category's
            // threshold, in the library's own spread of scores.
            out.write(
              table(
                ['TAG', 'SCORE', 'HOW SURE', 'PHOTO'],
                queue.map((q) => [q.name, (q.score ?? 0).toFixed(3), (q.margin ?? 0).toFixed(2), q.path]),
              ),
            );
          return EXIT.ok;
        }
        case 'accept':
        case 'reject': {
          const c = categoryNamed(library, args[0]);
          const photos = args.slice(1).map((p) => photoIdOf(library, p));
          if (!photos.length) throw usageError(`tags ${action} needs a category and at least one photo`);
          for (const id of photos)
            library.tags.setUserTag(id, c.id, action === 'accept' ? 'accepted' : 'rejected');
          out.write(
            values.json
              ? `${JSON.stringify({ category: c.name, [action === 'accept' ? 'accepted' : 'rejected']: photos })}\n`
              : `${action === 'accept' ? 'accepted' : 'rejected'} ${c.name} on ${photos.length} photo(s)\n`,
          );
          return EXIT.ok;
        }
        case 'xmp': {
          const bar = new Progress(err);
          const report = await exportSidecars(library, {
            ...(args.length && { photoIds: args.map((p) => photoIdOf(library, p)) }),
            onProgress: (done, total) => {
              bar.update({ label: 'sidecars', done, total }, done === total);
            },
          });
          bar.finish();
          for (const f of report.failed) err.write(`failed: ${f.path}: ${f.error}\n`);
          if (values.json) out.write(`${JSON.stringify(report)}\n`);
          else
            out.write(
              `wrote ${report.written.length} sidecars (${report.unchanged} already up to date), ${report.failed.length} failed\n`,
            );
          return report.failed.length ? EXIT.failure : EXIT.ok;
        }
        default:
          throw actionError(action, ACTIONS);
      }
    } finally {
      library.close();
    }
  },
};
