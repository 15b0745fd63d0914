// lumen finetune: train adapters on the library's captions and tags (run), see the versions with
// their before/after metrics (list), switch one on (activate) or step back (rollback), and show what a
// run would learn from (pairs).

import { parseArgs } from 'node:util';
import { activateAdapter, rollbackAdapter, rollbackTarget } from '../../core/finetune/adapter-switch.js';
import type { AdapterRecord } from '../../core/finetune/adapter-store.js';
import { fineTune, TooLittleToLearnError } from '../../core/finetune/fine-tune.js';
import { collectPairs } from '../../core/finetune/pairs.js';
import { TrainingCancelled } from '../../core/finetune/trainer.js';
import type { LibraryRecords } from '../../core/library/library-records.js';
import type { Library } from '../../core/library/library.js';
import { actionError, CliError, EXIT, usageError } from '../cli-error.js';
import { printer, interruptSignal, type Command, type Output } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary, withLibraryForReading } from '../library-options.js';
import { finishSearchIndex } from '../library-updates.js';
import { Progress } from '../progress.js';

const OPTIONS = {
  ...LIBRARY_OPTIONS,
  seed: { type: 'string' },
  side: { type: 'string' },
  'max-steps': { type: 'string' },
  activate: { type: 'boolean' },
} as const;

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be a positive integer`);
  return n;
}

async function activate(
  library: Library,
  adapter: AdapterRecord | null,
  err: Output,
  rollback = false,
): Promise<void> {
  const bar = new Progress(err);
  const progress = {
    onProgress: (done: number, total: number, phase: string) => {
      bar.update(
        { label: phase === 'projecting' ? 're-projecting' : 'indexing', done, total },
        done === total,
      );
    },
  };
  try {
    // Tags follow the space they are scored in: activating re-tags the library.
    if (rollback) await rollbackAdapter(library, progress);
    else await activateAdapter(library, adapter?.id ?? null, progress);
  } finally {
    bar.finish();
  }
  // Search used the new space from the moment it was filled; its own index is finished before exit.
  await finishSearchIndex(library, err);
}

interface StoredMetrics {
  before?: { heldOutRecallAt5?: number | null };
  after?: { heldOutRecallAt5?: number | null };
  pairs?: { heldOut?: number };
  notMeasured?: string | null;
}

/** A version in a line: its sides, what it was measured to do (or that it was not), when. */
const describe = (a: AdapterRecord): string => {
  const m = a.metrics as StoredMetrics;
  const sides = [a.sides.image && 'image', a.sides.text && 'text'].filter(Boolean).join('+');
  const before = m.before?.heldOutRecallAt5;
  const after = m.after?.heldOutRecallAt5;
  const measured =
    m.pairs?.heldOut === 0 || before == null || after == null
      ? 'held-out recall@5 not measured (too few pairs to set some aside)'
      : `held-out recall@5 ${before.toFixed(3)} -> ${after.toFixed(3)}`;
  return `v${a.version}${a.active ? ' (active)' : ''}: ${sides}, ${measured}, ${new Date(a.createdAt).toISOString()}`;
};

/**
 * Where rollbacks lead from now, one step at a time: the versions active before the current one,
 * most recent first, down to the plain model (after which there is nothing to roll back).
 */
function rollbackPath(library: LibraryRecords, modelId: number): string[] {
  if (!library.adapters.active(modelId)) return [];
  const history = library.adapters.history(modelId);
  const path: string[] = [];
  for (let i = history.length - 2; i >= 0; i--) {
    const id = history[i] ?? null;
    if (id === null) break;
    path.push(`v${library.adapters.get(id)?.version ?? '?'}`);
  }
  return [...path, 'the plain model'];
}

/** The command's actions, in the order its help lists them. */
const ACTIONS: readonly string[] = ['run', 'pairs', 'list', 'activate', 'rollback'];

export const finetune: Command = {
  name: 'finetune',
  summary: 'train adapters on your captions and tags: run, pairs, list, activate, rollback',
  help: `lumen finetune <action> [options]

  run [--seed N] [--side both|image|text] [--max-steps N] [--activate]
                  train on captions, accepted tags and captions from files (rejected
                  tags are negatives), on stored embeddings; prints held-out recall@5
                  before and after; saves the next adapter version
  pairs           the (photo, text) pairs run would learn from, each with where its
                  text came from (your caption, a tag you set or confirmed, a file's field)
  list            adapter versions with their metrics
  activate VERSION  use an adapter for search, similar and tagging (re-projects the
                  library's embeddings and builds their index, with progress)
  rollback        back to the version active before the last activation (or the
                  plain model); list shows where rollbacks lead

${LIBRARY_HELP}`,
  async run(argv, out, err) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    const [action, arg] = positionals;
    if (!action || !ACTIONS.includes(action)) throw actionError(action, ACTIONS);
    const print = printer(out, values.json);
    if (action === 'pairs') {
      // Needs no model: what the library would train on, each pair with where its text came from.
      return withLibraryForReading(values, (records) => {
        const model = records.currentModel();
        const { pairs, negatives } = model
          ? collectPairs({ db: records.db, modelId: model.id, tags: records.tags })
          : { pairs: [], negatives: [] };
        const rows = pairs.map((p) => ({ ...p, path: records.store.photo(p.photoId)?.path ?? null }));
        print(
          { pairs: rows, negatives: negatives.length },
          rows.map((p) => `${p.path ?? p.photoId}\t${p.text}\t${p.from}\n`).join('') +
            `${rows.length} pairs, ${negatives.length} negatives\n`,
        );
        return EXIT.ok;
      });
    }
    if (action === 'list') {
      // Needs no model: the versions of the model the library was last opened with (or --model's).
      return withLibraryForReading(values, (records) => {
        const model = records.currentModel();
        const list = model ? records.adapters.list(model.id) : [];
        const history = model ? records.adapters.history(model.id) : [];
        const path = model ? rollbackPath(records, model.id) : [];
        print(
          { adapters: list, history },
          (list.map((a) => `${describe(a)}\n`).join('') || 'no adapters yet: lumen finetune run\n') +
            (path.length ? `rollback goes back to: ${path.join(', then ')}\n` : ''),
        );
        return EXIT.ok;
      });
    }
    const library = await openLibrary(values);
    try {
      switch (action) {
        case 'run': {
          const side = values.side ?? 'both';
          if (!['both', 'image', 'text'].includes(side))
            throw usageError('--side must be both, image or text');
          const stop = interruptSignal();
          const bar = new Progress(err);
          try {
            const report = await fineTune(library, {
              seed: positiveInt(values.seed, 'seed', 1),
              maxSteps: positiveInt(values['max-steps'], 'max-steps', 2000),
              sides: { image: side !== 'text', text: side !== 'image' },
              signal: stop.signal,
              onProgress: (p) => {
                bar.update({ label: `training loss ${p.loss.toFixed(3)}`, done: p.step, total: p.maxSteps });
              },
            });
            bar.finish();
            if (values.activate) await activate(library, report.adapter, err);
            const adapter = library.adapters.get(report.adapter.id) ?? report.adapter;
            print(
              {
                adapter,
                pairs: report.pairs,
                before: report.result.before,
                after: report.result.after,
                notMeasured: report.notMeasured,
                steps: report.result.steps,
                stopped: report.result.stopped,
              },
              `${report.pairs.train} training pairs, ${report.pairs.heldOut} held out, ${report.pairs.negatives} negatives\n` +
                (report.notMeasured ? `held-out recall@5 ${report.notMeasured}\n` : '') +
                `${report.result.steps} steps (${report.result.stopped}) in ${(report.result.ms / 1000).toFixed(1)} s\n` +
                `saved ${describe(adapter)}\n`,
            );
            return EXIT.ok;
          } catch (e) {
            bar.finish();
            if (e instanceof TrainingCancelled) throw new CliError('stopped; nothing saved', 130);
            if (e instanceof TooLittleToLearnError) throw usageError(e.message);
            throw e;
          } finally {
            stop.release();
          }
        }
        case 'activate': {
          const version = positiveInt(arg, 'version', NaN);
          const adapter = library.adapters.byVersion(library.modelId, version);
          if (!adapter) throw usageError(`no adapter version ${arg ?? ''}`);
          await activate(library, adapter, err);
          print({ active: version }, `active: v${version}\n`);
          return EXIT.ok;
        }
        case 'rollback': {
          const { current, previous } = rollbackTarget(library);
          if (!current) throw usageError('no adapter is active');
          await activate(library, previous, err, true);
          print(
            { active: previous?.version ?? null },
            previous ? `active: v${previous.version}\n` : 'active: the plain model\n',
          );
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
