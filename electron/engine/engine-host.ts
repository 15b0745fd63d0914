// EngineHolder, the engine host: what `lumen serve` and the app's engine process serve. It holds the
// current Engine, or none while there is no model (a first run), and answers the methods that need no
// library itself: app.state and the model catalogue and downloads (model-service.ts). Every other
// method goes to the Engine, or fails with a clear "no model yet" while there is none. When a download
// finishes with no library open, it opens the library on that model in place (no restart) and says so
// with library.changed {reason: 'model ready'}. models.use with a library open starts a ModelSwitch
// (model-switch.ts): the new model's library is indexed in the background beside the current one, which
// answers every call meanwhile; once it is done the new engine takes over, the old one is closed, the
// model becomes the chosen one, and library.changed {reason: 'model ready'} follows. Transports see one
// object with the Engine's call/on and the library behind media URLs (null: none yet), whichever engine
// is current.

import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { Library } from '../core/library/library.js';
import type { IndexJobOptions } from '../core/library/index-job.js';
import type { ModelChoice } from '../core/models/installed.js';
import {
  API,
  ApiError,
  EVENTS,
  parseRequest,
  type EventData,
  type EventName,
  type Method,
  type Params,
  type Result,
} from '../shared/api.js';
import { Engine } from './engine.js';
import { isHostMethod, ok, type Handler, type HostMethod } from './handlers/context.js';
import { ModelService, type ModelServiceOptions } from './model-service.js';
import { ModelSwitch } from './model-switch.js';
import type { TrashItem } from '../core/library/system-trash.js';

/** app.state's reason on a first run. */
export const NO_MODEL = 'no model yet';
/** What every library method answers while there is no model. */
export const NO_MODEL_MESSAGE = 'no model yet: download one in Settings or run lumen models download';

export interface EngineHolderOptions {
  /** Opens the library on a model (the CLI's openLibrary with --db and the thread settings). */
  open: (model: ModelChoice) => Promise<Library>;
  /**
   * The model to open at start, or null when there is none yet. Default: the chosen (or default)
   * model in the cache, as `lumen` commands resolve it without --model.
   */
  configured?: () => ModelChoice | null;
  /** The model cache, catalogue, settings file and hub the models.* methods use. */
  models?: ModelServiceOptions;
  /** How the engine moves files to the trash (the app: through main's shell.trashItem). */
  trashItem?: TrashItem;
  /** A model switch's indexing: batch size, a hook per batch (tests), time between events. */
  switching?: Pick<IndexJobOptions, 'batchSize' | 'onBatch'> & { progressIntervalMs?: number };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const sameModel = (a: ModelChoice, b: ModelChoice): boolean =>
  resolve(a.dir) === resolve(b.dir) && a.variant === b.variant;

export class EngineHolder {
  private current: Engine | null = null;
  private choice: ModelChoice | null = null;
  private detach: (() => void) | null = null;
  private reason: string = NO_MODEL;
  /** The model being opened (or swapped in); library calls wait for it. Never rejects. */
  private switching: Promise<void> = Promise.resolve();
  /** A model being indexed in the background after models.use, and its end (never rejects). */
  private pending: { change: ModelSwitch; ended: Promise<void> } | null = null;
  private closed = false;
  private readonly events = new EventEmitter();
  readonly models: ModelService;
  private readonly hostHandlers: { [M in HostMethod]: Handler<M> };

  private constructor(private readonly options: EngineHolderOptions) {
    this.models = new ModelService(options.models ?? {}, {
      emit: (data) => {
        this.emit('models.progress', data);
      },
      installed: async (id, variant) => {
        // The first model (or one after a model failed to open) is opened at once; with a library open,
        // a downloaded model waits for models.use, since switching models means indexing again.
        if (this.current) return;
        await this.switchTo(this.models.use(id, variant));
      },
    });
    this.hostHandlers = {
      'app.state': () => ({
        ready: this.current !== null,
        reason: this.current ? null : this.reason,
        switching: this.pending?.change.progress ?? null,
      }),
      'models.list': () => this.models.list(this.current?.library.model.info().dir ?? null),
      'models.download': (p) => this.models.download(p),
      'models.cancel': () => {
        this.models.cancel();
        this.cancelSwitch();
        return ok;
      },
      'models.use': async ({ id }) => {
        const choice = this.models.resolve(id);
        if (!this.current) {
          // Nothing to keep answering from: choose it and open it now.
          this.cancelSwitch();
          await this.switchTo(this.models.use(id));
        } else if (this.isOpen(choice)) {
          // The model in use: a switch away from it stops.
          this.cancelSwitch();
          this.models.use(id);
        } else if (!this.pending || !sameModel(this.pending.change.choice, choice)) {
          this.cancelSwitch();
          this.startSwitch(id, choice);
        }
        return ok;
      },
    };
  }

  /**
   * A host with the configured model's library open, or with none when no model is installed yet. A
   * model that is there but cannot be opened (or a damaged library) is an error, as for the CLI.
   */
  static async start(options: EngineHolderOptions): Promise<EngineHolder> {
    const host = new EngineHolder(options);
    const choice = options.configured ? options.configured() : host.models.configured();
    if (choice) await host.switchTo(choice, false);
    return host;
  }

  /** The current engine; null while there is no model. */
  get engine(): Engine | null {
    return this.current;
  }

  /** The library behind media URLs; null while there is none. */
  get library(): Library | null {
    return this.current?.library ?? null;
  }

  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit<E extends EventName>(event: E, data: EventData<E>): void {
    this.events.emit(event, data);
  }

  /** Runs a request, like Engine.call: validated params, results checked against the contract. */
  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    const valid = parseRequest(method, params).params as Params<M>;
    if (isHostMethod(method)) {
      const handler = this.hostHandlers[method] as unknown as Handler<M>;
      let result: Result<M>;
      try {
        result = await handler(valid);
      } catch (err) {
        throw err instanceof ApiError ? err : new ApiError('failed', message(err));
      }
      return API[method].result.parse(result) as Result<M>;
    }
    await this.switching;
    if (!this.current)
      throw new ApiError('failed', this.reason === NO_MODEL ? NO_MODEL_MESSAGE : this.reason);
    return this.current.call(method, valid);
  }

  private isOpen(choice: ModelChoice): boolean {
    return this.current !== null && this.choice !== null && sameModel(this.choice, choice);
  }

  /** Indexes `choice` in the background beside the current engine, which it replaces when done. */
  private startSwitch(id: string, choice: ModelChoice): void {
    const current = this.current;
    if (!current) return;
    const { progressIntervalMs, ...job } = this.options.switching ?? {};
    const change = new ModelSwitch({
      id,
      choice,
      open: this.options.open,
      scan: () => current.scan(),
      emit: (data) => {
        this.emit('models.switch', data);
      },
      job,
      ...(progressIntervalMs !== undefined && { progressIntervalMs }),
    });
    const ended = change.ready.then(
      (library) => this.finishSwitch(change, library),
      (err: unknown) => {
        if (this.pending?.change === change) this.pending = null;
        change.end('failed', message(err));
      },
    );
    this.pending = { change, ended };
  }

  /** Swaps in a switch's indexed library, unless it was cancelled (or replaced) meanwhile. */
  private async finishSwitch(change: ModelSwitch, library: Library | null): Promise<void> {
    const wanted = this.pending?.change === change && !this.closed;
    if (this.pending?.change === change) this.pending = null;
    if (!library || !wanted) {
      library?.close();
      change.end('cancelled');
      return;
    }
    const run = this.switching.then(() => this.swap(change, library));
    this.switching = run.catch(() => undefined);
    try {
      await run;
    } catch (err) {
      change.end('failed', message(err));
      return;
    }
    change.end('done');
  }

  /** The switch's engine becomes current; the old one is closed and the new model becomes the chosen one. */
  private async swap(change: ModelSwitch, library: Library): Promise<void> {
    if (this.closed) {
      library.close();
      throw new ApiError('failed', 'the engine is shutting down');
    }
    const previous = this.current;
    this.detach?.();
    this.detach = null;
    this.attach(new Engine(library, this.engineOptions()), change.choice);
    if (previous) {
      try {
        await previous.close();
      } finally {
        previous.library.close();
      }
    }
    this.models.use(change.id);
    this.emit('library.changed', { reason: 'model ready' });
  }

  /** Stops a switch in progress; its 'cancelled' event follows once its job has stopped. */
  private cancelSwitch(): void {
    const pending = this.pending;
    this.pending = null;
    pending?.change.cancel();
  }

  /** Opens the library on `choice` after whatever open or switch is under way; rejects if it fails. */
  private switchTo(choice: ModelChoice, announce = true): Promise<void> {
    const run = this.switching.then(() => this.replace(choice, announce));
    this.switching = run.catch(() => undefined);
    return run;
  }

  private async replace(choice: ModelChoice, announce: boolean): Promise<void> {
    if (this.closed) throw new ApiError('failed', 'the engine is shutting down');
    const previous = this.choice;
    await this.drop();
    this.reason = 'opening the model';
    try {
      this.attach(new Engine(await this.options.open(choice), this.engineOptions()), choice);
    } catch (err) {
      this.reason = `the model could not be opened: ${message(err)}`;
      // Back to the model that was open, so a bad choice does not leave the library closed.
      if (previous) {
        try {
          this.attach(new Engine(await this.options.open(previous), this.engineOptions()), previous);
        } catch {
          // the reason above stands
        }
      }
      throw err;
    }
    if (announce) this.emit('library.changed', { reason: 'model ready' });
  }

  private engineOptions(): ConstructorParameters<typeof Engine>[1] {
    const { root, catalogue } = this.options.models ?? {};
    const { trashItem } = this.options;
    return {
      models: { ...(root && { root }), ...(catalogue && { catalogue }) },
      ...(trashItem && { trashItem }),
    };
  }

  private attach(engine: Engine, choice: ModelChoice): void {
    const stops = (Object.keys(EVENTS) as EventName[]).map((name) =>
      engine.on(name, (data) => {
        this.emit(name, data);
      }),
    );
    this.current = engine;
    this.choice = choice;
    this.reason = NO_MODEL;
    this.detach = () => {
      for (const stop of stops) stop();
    };
  }

  /** Stops the current engine's jobs and closes its library. */
  private async drop(): Promise<void> {
    const engine = this.current;
    if (!engine) return;
    this.detach?.();
    this.detach = null;
    this.current = null;
    this.choice = null;
    try {
      await engine.close();
    } finally {
      engine.library.close();
    }
  }

  /**
   * Cancels a download and a model switch, waits for a model being opened, stops the engine and closes
   * the library.
   */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.pending;
    this.cancelSwitch();
    await this.models.stop();
    await pending?.ended;
    await this.switching;
    await this.drop();
  }
}
