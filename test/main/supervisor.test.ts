// The engine supervisor with real child processes: a crashing engine is restarted with growing
// delays, a crash loop ends in a clear give-up, and stop() shuts down without a restart.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Supervisor } from '../../electron/main/supervisor.js';

const node = (code: string) => () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });

describe('Supervisor', () => {
  it('doubles the delay after each quick failure, up to the cap', () => {
    const s = new Supervisor(node(''), { baseDelayMs: 100, maxDelayMs: 1000 });
    expect([1, 2, 3, 4, 5, 6].map((n) => s.delayFor(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('restarts a crashing engine with backoff, then gives up and says why', async () => {
    const s = new Supervisor(node('process.exit(3)'), { baseDelayMs: 20, maxFailures: 3 });
    const delays: (number | null)[] = [];
    s.on('exit', (_code, delay) => delays.push(delay));
    const reason = new Promise<string>((resolve) => s.once('give-up', resolve));
    const started: number[] = [];
    s.on('start', (n) => started.push(n));
    s.start();
    expect(await reason).toMatch(/stopped 4 times in a row \(last exit code 3\)/);
    expect(delays).toEqual([20, 40, 80, null]);
    expect(started).toEqual([1, 2, 3, 4]);
  });

  it('stops cleanly without restarting', async () => {
    const s = new Supervisor(node('setInterval(() => {}, 1000)'), { baseDelayMs: 10 });
    const started: number[] = [];
    s.on('start', (n) => started.push(n));
    s.start();
    await new Promise((r) => setTimeout(r, 200));
    await s.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(started).toEqual([1]);
    expect(s.current).toBeNull();
  });
});
