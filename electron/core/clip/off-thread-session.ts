// An onnxruntime session that runs in a worker thread (session-worker.ts), with the part of
// InferenceSession's interface Lumen uses. onnxruntime-node's run() computes on the calling thread, so
// a long graph (a batch of images: 100-250 ms on a CPU) held up everything else on it; off-thread, the
// next batch's decoding and the last one's writes go on while it encodes. The worker holds the process
// open only while a call is pending, and a worker that dies fails its pending calls with why.

import type { Worker } from 'node:worker_threads';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { startWorker } from '../worker-thread.js';
import type { GraphIo, SessionReply, SessionRequest, WireTensor } from './session-wire.js';

type Pending = { resolve: (reply: SessionReply) => void; reject: (err: Error) => void };
type Request = SessionRequest extends infer R ? (R extends SessionRequest ? Omit<R, 'id'> : never) : never;

export class OffThreadSession {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | null = null;

  private io: GraphIo = { inputMetadata: [], outputMetadata: [] };

  private constructor(private readonly worker: Worker) {
    this.listen();
  }

  get inputMetadata(): GraphIo['inputMetadata'] {
    return this.io.inputMetadata;
  }

  get outputMetadata(): GraphIo['outputMetadata'] {
    return this.io.outputMetadata;
  }

  /** Loads the graph in a new worker; rejects as InferenceSession.create would. */
  static async create(file: string, options: InferenceSession.SessionOptions): Promise<OffThreadSession> {
    const worker = startWorker(new URL('./session-worker.js', import.meta.url));
    worker.unref();
    const session = new OffThreadSession(worker);
    try {
      const reply = await session.call({ kind: 'create', file, options });
      if (!reply.io) throw new Error('the session worker sent no graph inputs and outputs');
      session.io = reply.io;
      return session;
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  async run(feeds: Record<string, Tensor>, fetches: string[]): Promise<Record<string, Tensor>> {
    const wire: Record<string, WireTensor> = {};
    for (const [name, t] of Object.entries(feeds))
      wire[name] = {
        type: t.type as WireTensor['type'],
        data: t.data as WireTensor['data'],
        dims: [...t.dims],
      };
    const reply = await this.call({ kind: 'run', feeds: wire, fetches });
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(reply.outputs ?? {}))
      out[name] = new Tensor(t.type, t.data, t.dims);
    return out;
  }

  async release(): Promise<void> {
    if (!this.dead) await this.call({ kind: 'release' }).catch(() => undefined);
    this.dead ??= new Error('the session was released');
    await this.worker.terminate();
  }

  private listen(): void {
    this.worker.on('message', (reply: SessionReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.settle(reply.id);
      if (reply.ok) p.resolve(reply);
      else p.reject(new Error(reply.error ?? 'the session worker failed'));
    });
    const fail = (err: Error): void => {
      this.dead ??= err;
      for (const [id, p] of this.pending) {
        this.settle(id);
        p.reject(err);
      }
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      fail(new Error(`the session worker stopped (exit code ${code})`));
    });
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private call(request: Request): Promise<SessionReply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...request, id });
    });
  }
}
