// Waiting for something the system does by itself (a watcher, a background job) within a bound.

/** Resolves with the milliseconds it took once `check` holds; throws after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 15_000, everyMs = 100): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Date.now() - t0;
}
