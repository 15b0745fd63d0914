// Long jobs outlive the views that start them: tagging and fine-tuning keep their progress, report and
// live plot here, one of each per App, subscribed to the engine's events once. Switching to another
// view while a run goes on and coming back shows where it is, not an empty page.

import type { EventData, Result } from '../../../electron/shared/api';
import type { App } from '../lib/app.svelte';

export class TaggingSession {
  running = $state(false);
  progress = $state.raw<EventData<'tags.progress'> | null>(null);
  report = $state.raw<Result<'tags.run'> | null>(null);
  /** Bumped after every finished run, so the review queue and albums refetch. */
  runs = $state(0);

  constructor(private readonly app: App) {
    app.transport.on((event, data) => {
      if (event === 'tags.progress') this.progress = data as EventData<'tags.progress'>;
    });
  }

  async run(ids?: number[]): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.progress = null;
    try {
      const report = await this.app.run(() => this.app.transport.call('tags.run', ids ? { ids } : {}));
      if (report) {
        this.report = report;
        this.runs++;
      }
    } finally {
      this.running = false;
      this.progress = null;
    }
  }
}

export interface TrainPoint {
  step: number;
  loss: number;
  recall: number | null;
}

export class TrainingSession {
  running = $state(false);
  /** A start or cancel call in flight. */
  calling = $state(false);
  maxSteps = $state(0);
  points = $state.raw<TrainPoint[]>([]);
  result = $state.raw<EventData<'finetune.done'> | null>(null);
  adapterProgress = $state.raw<EventData<'adapter.progress'> | null>(null);
  /** Bumped when a run ends or an adapter finishes re-projecting, so the adapters list refetches. */
  changes = $state(0);

  constructor(private readonly app: App) {
    app.transport.on((event, data) => {
      if (event === 'finetune.progress') {
        const p = data as EventData<'finetune.progress'>;
        // Progress from a run this window did not start (another window, the CLI) still shows.
        if (!this.running) {
          this.running = true;
          this.result = null;
          if (p.step <= 1) this.points = [];
        }
        this.maxSteps = p.maxSteps;
        this.points = [...this.points, { step: p.step, loss: p.loss, recall: p.heldOutRecall ?? null }];
      } else if (event === 'finetune.done') {
        this.result = data as EventData<'finetune.done'>;
        this.running = false;
        this.changes++;
      } else if (event === 'adapter.progress') {
        const p = data as EventData<'adapter.progress'>;
        this.adapterProgress = p;
        if (p.total > 0 && p.done >= p.total) this.changes++;
      }
    });
  }

  async start(options: { maxSteps?: number; seed?: number }): Promise<void> {
    if (this.running || this.calling) return;
    this.calling = true;
    // Cleared before the call: the first progress events may arrive before its answer does.
    this.points = [];
    this.result = null;
    this.maxSteps = options.maxSteps ?? 0;
    this.running = true;
    try {
      const r = await this.app.run(() => this.app.transport.call('finetune.start', options));
      if (!r?.started) this.running = false;
      if (r && !r.started) this.app.error = 'A fine-tuning run is already going.';
    } finally {
      this.calling = false;
    }
  }

  async cancel(): Promise<void> {
    this.calling = true;
    try {
      await this.app.run(() => this.app.transport.call('finetune.cancel', {}));
    } finally {
      this.calling = false;
    }
  }
}

const tagging = new WeakMap<App, TaggingSession>();
const training = new WeakMap<App, TrainingSession>();

export function taggingSession(app: App): TaggingSession {
  let s = tagging.get(app);
  if (!s) tagging.set(app, (s = new TaggingSession(app)));
  return s;
}

export function trainingSession(app: App): TrainingSession {
  let s = training.get(app);
  if (!s) training.set(app, (s = new TrainingSession(app)));
  return s;
}
