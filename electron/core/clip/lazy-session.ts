// One onnxruntime session per graph file, created on first use with explicit options, on the first
// execution provider that loads it; a provider that fails to load or to run is logged with its reason
// and the next one is tried, down to CPU. Reports the provider that actually ran. With `offThread`,
// the session lives in a worker thread (off-thread-session.ts), for graphs that run long.

import { InferenceSession, type Tensor } from 'onnxruntime-node';
import { basename } from 'node:path';
import type { Logger } from '../log.js';
import { OffThreadSession } from './off-thread-session.js';
import { ModelFolderError, NoProviderError, errorMessage } from './errors.js';
import { unavailableReason, type ProviderEnvironment, type ProviderName } from './providers.js';

export interface SessionSettings {
  providers: readonly ProviderName[];
  env: ProviderEnvironment;
  /** Threads for one operator (intra-op); 0 lets onnxruntime choose. */
  threads: number;
  logger: Logger;
  /** Run the graph in a worker thread, leaving the caller's thread free meanwhile. */
  offThread?: boolean;
}

/** What Lumen uses of a session, in this thread or in a worker. */
export interface GraphSession {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
  run(feeds: Record<string, Tensor>, fetches: string[]): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}

export interface ActiveSession<S> {
  session: GraphSession;
  provider: ProviderName;
  signature: S;
}

export function sessionOptions(provider: ProviderName, threads: number): InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    // The towers are chains of matmuls: parallelism inside operators is what pays, not between them.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    logSeverityLevel: 3,
    // Threads that wait spinning for the next operator take their time from whatever else runs: the
    // image tower shares the cores with decoding (indexing 10% faster without), and a text query's
    // tower shares them with the product that scores it (a search at 100k photos: 30 -> 18 ms end to
    // end on two cores, the encoding itself 8.9 -> 6.0 ms).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

export class LazySession<S> {
  private active: Promise<ActiveSession<S>> | null = null;
  /** Providers that failed for this graph, with why; skipped on later attempts. */
  readonly failures: { provider: ProviderName; reason: string }[] = [];
  private ran: ProviderName | null = null;

  constructor(
    readonly file: string,
    private readonly settings: SessionSettings,
    private readonly checkSignature: (file: string, session: GraphSession) => S,
  ) {}

  /** The provider of the last successful run, or null before the first. */
  get provider(): ProviderName | null {
    return this.ran;
  }

  get(): Promise<ActiveSession<S>> {
    this.active ??= this.create().catch((err: unknown) => {
      this.active = null; // a later call may retry (e.g. after the user fixes the file)
      throw err;
    });
    return this.active;
  }

  private async create(): Promise<ActiveSession<S>> {
    const { providers, env, threads, logger } = this.settings;
    const name = basename(this.file);
    for (const provider of providers) {
      if (this.failures.some((f) => f.provider === provider)) continue;
      const unavailable = unavailableReason(provider, env);
      if (unavailable) {
        this.fail(provider, unavailable);
        continue;
      }
      let session: GraphSession;
      try {
        const options = sessionOptions(provider, threads);
        session = this.settings.offThread
          ? await OffThreadSession.create(this.file, options)
          : await InferenceSession.create(this.file, options);
      } catch (err) {
        if (provider === 'cpu') {
          throw new ModelFolderError(
            this.file,
            `is not a valid ONNX model or cannot be loaded (${errorMessage(err)})`,
          );
        }
        this.fail(provider, errorMessage(err));
        continue;
      }
      try {
        const signature = this.checkSignature(this.file, session);
        logger.info(`${name}: loaded on ${provider}`);
        return { session, provider, signature };
      } catch (err) {
        await session.release();
        throw err;
      }
    }
    throw new NoProviderError(this.file, this.failures);
  }

  private fail(provider: ProviderName, reason: string): void {
    this.failures.push({ provider, reason });
    this.settings.logger.warn(`${basename(this.file)}: ${provider} unavailable, falling back (${reason})`);
  }

  /** Runs the graph; if a non-CPU provider fails at run time, falls back and runs again. */
  async run(feeds: Record<string, Tensor>, output: string): Promise<Tensor> {
    for (;;) {
      const active = await this.get();
      try {
        const result = await active.session.run(feeds, [output]);
        const tensor = result[output];
        if (!tensor) throw new Error(`graph returned no ${output}`);
        this.ran = active.provider;
        return tensor;
      } catch (err) {
        if (active.provider === 'cpu') throw err;
        this.fail(active.provider, `run failed: ${errorMessage(err)}`);
        this.active = null;
        await active.session.release().catch(() => undefined);
      }
    }
  }

  async dispose(): Promise<void> {
    const active = this.active;
    this.active = null;
    if (active) await (await active.catch(() => null))?.session.release();
  }
}
