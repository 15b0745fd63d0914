// The test's end of fake-electron: runs the app's compiled main process in a child Node process with
// 'electron' resolved to the fake (./register.ts), sends it operations (./electron.ts's Op) and collects
// what it reports (Note) as it happens.

import { fork, type ChildProcess } from 'node:child_process';
import type { ControlMessage, Note, NoteMessage, Op, ReplyMessage } from './electron.js';

const REGISTER = new URL('./register.ts', import.meta.url).href;

export interface StartOptions {
  /** The compiled main script (dist/electron/main/main.js). */
  main: string;
  /** What app.getAppPath() says: the folder of the app's package.json. */
  appPath: string;
  env: Record<string, string | undefined>;
}

export class FakeElectronApp {
  readonly notes: Note[] = [];
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private nextControl = 1;
  private readonly replies = new Map<number, (reply: ReplyMessage) => void>();
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.on('message', (raw: unknown) => {
      if (typeof raw !== 'object' || raw === null) return;
      if ('note' in raw) {
        this.notes.push((raw as NoteMessage).note);
        for (const wake of this.waiters) wake();
      } else if ('reply' in raw) {
        const reply = raw as ReplyMessage;
        this.replies.get(reply.reply)?.(reply);
        this.replies.delete(reply.reply);
      }
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        resolve({ code, signal });
        for (const [control, answer] of this.replies) {
          this.replies.delete(control);
          answer({ reply: control, error: `the main process ended (${String(code ?? signal)})` });
        }
        for (const wake of this.waiters) wake();
      });
    });
  }

  static start(o: StartOptions): FakeElectronApp {
    const child = fork(o.main, [], {
      cwd: o.appPath,
      // tsx (from the app's node_modules) runs the fake's TypeScript; register.ts swaps in the fake.
      execArgv: ['--import', 'tsx', '--import', REGISTER],
      env: { ...o.env, FAKE_ELECTRON_APP_PATH: o.appPath },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    return new FakeElectronApp(child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Runs an operation in the main process; rejects with the error it threw there. */
  request<T = unknown>(op: Op, timeoutMs = 20_000): Promise<T> {
    const control = this.nextControl++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(control);
        reject(new Error(`${op.op}: no reply in ${timeoutMs} ms\n${this.output}`));
      }, timeoutMs);
      this.replies.set(control, (reply) => {
        clearTimeout(timer);
        if ('error' in reply) reject(new Error(`${op.op}: ${reply.error}`));
        else resolve(reply.value as T);
      });
      this.child.send({ control, op } satisfies ControlMessage);
    });
  }

  /** The notes of one type, in order. */
  all<K extends Note['type']>(type: K): Extract<Note, { type: K }>[] {
    return this.notes.filter((n): n is Extract<Note, { type: K }> => n.type === type);
  }

  /** The first note (from index `from` on) of that type that passes the test; waits for it if need be. */
  waitFor<K extends Note['type']>(
    type: K,
    test: (note: Extract<Note, { type: K }>) => boolean = () => true,
    { from = 0, timeoutMs = 20_000 }: { from?: number; timeoutMs?: number } = {},
  ): Promise<Extract<Note, { type: K }>> {
    const find = (): Extract<Note, { type: K }> | undefined =>
      this.notes
        .slice(from)
        .find(
          (n): n is Extract<Note, { type: K }> => n.type === type && test(n as Extract<Note, { type: K }>),
        );
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found) {
          done();
          resolve(found);
        } else if (!this.running) {
          done();
          reject(new Error(`the main process ended before a ${type} note\n${this.output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${type} note in ${timeoutMs} ms\n${this.output}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Ends the main process (a test that failed half-way); its engine ends with it. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
