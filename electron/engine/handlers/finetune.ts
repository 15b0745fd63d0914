// Handlers for fine-tuning: the pairs a run would train on, one background run at a time with
// throttled progress events and a done event, the adapter versions, and switching between them
// (activate, rollback) with re-projection progress. Switches run one after another, never at once.

import {
  activateAdapter,
  rollbackAdapter,
  rollbackTarget,
  type SwitchOptions,
} from '../../core/finetune/adapter-switch.js';
import type { AdapterRecord } from '../../core/finetune/adapter-store.js';
import { checkEnoughToLearn, fineTune, TooLittleToLearnError } from '../../core/finetune/fine-tune.js';
import { collectPairs } from '../../core/finetune/pairs.js';
import { TrainingCancelled, type TrainProgress } from '../../core/finetune/trainer.js';
import { ApiError, type EventData } from '../../shared/api.js';
import { ok, type HandlerContext, type HandlerGroup } from './context.js';

/** At most this many progress events a second (the last step is always sent). */
const PROGRESS_PER_SECOND = 20;

type FineTuneMethod =
  | 'finetune.pairs'
  | 'finetune.start'
  | 'finetune.cancel'
  | 'finetune.adapters'
  | 'finetune.activate'
  | 'finetune.rollback';

interface Metrics {
  before?: { heldOutRecallAt5?: number };
  after?: { heldOutRecallAt5?: number };
  steps?: number;
  seconds?: number;
  pairs?: { heldOut?: number };
}

/** Held-out recall@5 from an adapter's metrics; null where nothing was held out to measure it on. */
function recall(m: Metrics, which: 'before' | 'after'): number | null {
  if (m.pairs?.heldOut === 0) return null;
  return m[which]?.heldOutRecallAt5 ?? null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function describeAdapter(a: AdapterRecord) {
  const m = a.metrics as Metrics;
  return {
    id: a.id,
    version: a.version,
    createdAt: a.createdAt,
    before: recall(m, 'before'),
    after: recall(m, 'after'),
    steps: num(m.steps),
    seconds: num(m.seconds),
  };
}

export class FineTuneJobs {
  private run: { controller: AbortController; done: Promise<void> } | null = null;
  private switching: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: HandlerContext) {}

  /** Cancels a running training run and waits for it to end. */
  async stop(): Promise<void> {
    const run = this.run;
    run?.controller.abort();
    await run?.done;
    await this.switching.catch(() => undefined);
  }

  private start(options: { seed?: number; maxSteps?: number }): boolean {
    if (this.run) return false;
    const { library } = this.ctx;
    try {
      checkEnoughToLearn(collectPairs(library).pairs.length);
    } catch (err) {
      if (err instanceof TooLittleToLearnError) throw new ApiError('bad-request', err.message);
      throw err;
    }
    const controller = new AbortController();
    this.run = { controller, done: this.train(controller, options) };
    return true;
  }

  private async train(
    controller: AbortController,
    options: { seed?: number; maxSteps?: number },
  ): Promise<void> {
    const { library, emit } = this.ctx;
    let last: TrainProgress | null = null;
    let sentStep = -1;
    let sentAt = -Infinity;
    const flush = (): void => {
      if (!last || last.step === sentStep) return;
      emit('finetune.progress', { ...last });
      sentStep = last.step;
      sentAt = performance.now();
    };
    let done: EventData<'finetune.done'>;
    try {
      // fineTune yields to the event loop between steps, so the engine answers other calls meanwhile.
      const report = await fineTune(library, {
        ...options,
        signal: controller.signal,
        onProgress: (p) => {
          last = p;
          if (performance.now() - sentAt >= 1000 / PROGRESS_PER_SECOND) flush();
        },
      });
      const described = describeAdapter(report.adapter);
      done = {
        state: 'finished',
        error: null,
        adapterId: report.adapter.id,
        version: report.adapter.version,
        before: described.before,
        after: described.after,
        notMeasured: report.notMeasured,
      };
    } catch (err) {
      const cancelled = err instanceof TrainingCancelled;
      done = {
        state: cancelled ? 'cancelled' : 'failed',
        error: cancelled ? null : err instanceof Error ? err.message : String(err),
        adapterId: null,
        version: null,
        before: null,
        after: null,
        notMeasured: null,
      };
    }
    flush();
    // Free before telling anyone, so a listener may start the next run straight away.
    this.run = null;
    emit('finetune.done', done);
    if (done.state === 'finished') emit('library.changed', { reason: 'adapter saved' });
  }

  /** Runs adapter switches one at a time, in the order they were asked for. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.switching.catch(() => undefined).then(task);
    this.switching = next;
    return next;
  }

  private switchOptions(): SwitchOptions {
    const { emit } = this.ctx;
    return {
      onProgress: (done, total, phase) => {
        emit('adapter.progress', { phase, done, total });
      },
      onTagProgress: (p) => {
        emit('tags.progress', p);
      },
    };
  }

  private switched(): void {
    this.ctx.emit('library.changed', { reason: 'adapter changed' });
  }

  handlers(): HandlerGroup<FineTuneMethod> {
    const { library } = this.ctx;
    return {
      'finetune.pairs': () => {
        const { pairs, negatives } = collectPairs(library);
        return { pairs, negatives: negatives.length };
      },
      'finetune.start': ({ seed, maxSteps }) => ({
        started: this.start({
          ...(seed !== undefined && { seed }),
          ...(maxSteps !== undefined && { maxSteps }),
        }),
      }),
      'finetune.cancel': () => {
        this.run?.controller.abort();
        return ok;
      },
      'finetune.adapters': () => ({
        active: library.adapters.active(library.modelId)?.id ?? null,
        adapters: library.adapters.list(library.modelId).map(describeAdapter),
        rollbackTo: rollbackTarget(library).previous?.id ?? null,
      }),
      'finetune.activate': ({ id }) =>
        this.serial(async () => {
          if (id !== null && library.adapters.get(id)?.modelId !== library.modelId)
            throw new ApiError('not-found', `no adapter ${id} for this model`);
          await activateAdapter(library, id, this.switchOptions());
          this.switched();
          return ok;
        }),
      'finetune.rollback': () =>
        this.serial(async () => {
          const before = library.adapters.active(library.modelId);
          const now = await rollbackAdapter(library, this.switchOptions());
          if (before) this.switched();
          return { ok: true as const, active: now?.id ?? null };
        }),
    };
  }
}
