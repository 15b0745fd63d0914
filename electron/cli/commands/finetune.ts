// lumen finetune: train adapters on the library's captions and tags (run), see the versions with
// their before/after metrics (list), switch one on (activate) or step back (rollback).

import { parseArgs } from 'node:util';
import { activateAdapter, rollbackTarget } from '../../core/finetune/adapter-switch.js';
import type { AdapterRecord } from '../../core/finetune/adapter-store.js';
import { fineTune } from '../../core/finetune/fine-tune.js';
import { TrainingCancelled } from '../../core/finetune/trainer.js';
import type { Library } from '../../core/library/library.js';
import { CliError, EXIT, usageError } from '../cli-error.js';
import { printer, interruptSignal, type Command, type Output } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openForReading, openLibrary } from '../library-options.js';
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

async function activate(library: Library, adapter: AdapterRecord | null, err: Output): Promise<void> {
  const bar = new Progress(err);
  try {
    // Tags follow the space they are scored in: activating re-tags the library.
    await activateAdapter(library, adapter?.id ?? null, {
      onProgress: (done, total, phase) => {
        bar.update(
          { label: phase === 'projecting' ? 're-projecting' : 'indexing', done, total },
          done === total,
        );
      },
    });
  } finally {
    bar.finish();
  }
}

const describe = (a: AdapterRecord): string => {
  const m = a.metrics as { before?: { heldOutRecallAt5?: number }; after?: { heldOutRecallAt5?: number } };
  const sides = [a.sides.image && 'image', a.sides.text && 'text'].filter(Boolean).join('+');
  return `v${a.version}${a.active ? ' (active)' : ''}: ${sides}, held-out recall@5 ${m.before?.heldOutRecallAt5?.toFixed(3) ?? '?'} -> ${m.after?.heldOutRecallAt5?.toFixed(3) ?? '?'}, ${new Date(a.createdAt).toISOString()}`;
};

export const finetune: Command = {
  name: 'finetune',
  summary: 'train adapters on your captions and tags: run, list, activate, rollback',
  help: `lumen finetune <action> [options]

  run [--seed N] [--side both|image|text] [--max-steps N] [--activate]
                  train on captions, accepted tags and captions from files (rejected
                  tags are negatives), on stored embeddings; prints held-out recall@5
                  before and after; saves the next adapter version
  list            adapter versions with their metrics
  activate VERSION  use an adapter for search, similar and tagging (re-projects the
                  library's embeddings and builds their index, with progress)
  rollback        back to the previous version, or to the plain model

${LIBRARY_HELP}`,
  async run(argv, out, err) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    const [action, arg] = positionals;
    if (!action) throw usageError('give an action: run, list, activate, rollback');
    const print = printer(out, values.json);
    if (action === 'list') {
      // Needs no model: the versions of the model the library was last opened with (or --model's).
      const records = await openForReading(values);
      try {
        const model = records.currentModel();
        const list = model ? records.adapters.list(model.id) : [];
        print(list, list.map((a) => `${describe(a)}\n`).join('') || 'no adapters yet: lumen finetune run\n');
        return EXIT.ok;
      } finally {
        records.close();
      }
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
                steps: report.result.steps,
                stopped: report.result.stopped,
              },
              `${report.pairs.train} training pairs, ${report.pairs.heldOut} held out, ${report.pairs.negatives} negatives\n` +
                `${report.result.steps} steps (${report.result.stopped}) in ${(report.result.ms / 1000).toFixed(1)} s\n` +
                `saved ${describe(adapter)}\n`,
            );
            return EXIT.ok;
          } catch (e) {
            bar.finish();
            if (e instanceof TrainingCancelled) throw new CliError('stopped; nothing saved', 130);
            if (e instanceof Error && /no training pairs/.test(e.message)) throw usageError(e.message);
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
          await activate(library, previous, err);
          print(
            { active: previous?.version ?? null },
            previous ? `active: v${previous.version}\n` : 'active: the plain model\n',
          );
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
