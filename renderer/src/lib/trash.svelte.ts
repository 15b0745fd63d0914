// Moving photos to the system trash, with Undo: the photos leave every grid at once, and only when the
// Undo time has passed does the engine move their files (photos.trash). Undo just shows them again,
// so nothing needs to come back out of the system trash; a window closed meanwhile trashes nothing,
// as removing a folder does. A second trash while one waits sends the first one on its way.

import type { Result } from '../../../electron/shared/api';
import { SvelteSet } from 'svelte/reactivity';
import { plural } from '../components/format';
import type { Transport } from './transport';

/** How long the Undo stays offered before the files go. */
export const TRASH_UNDO_MS = 8000;

export type Footprint = Result<'photos.footprint'>;

/** What the trash needs from the app: the engine, error reporting and a refresh once files went. */
export interface TrashHost {
  readonly transport: Transport;
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
  report(err: unknown): void;
  readonly library: { refresh(): Promise<void> };
}

export class TrashBin {
  readonly #hidden = new SvelteSet<number>();
  #waiting = $state.raw<{ ids: number[]; timer: ReturnType<typeof setTimeout> } | null>(null);

  constructor(private readonly host: TrashHost) {}

  /** How many photos wait for their Undo time to pass (0 when none). */
  get waiting(): number {
    return this.#waiting?.ids.length ?? 0;
  }

  /** The items without the photos on their way to the trash (the same array when there are none). */
  shown<T extends { id: number }>(items: readonly T[]): readonly T[] {
    const hidden = this.#hidden;
    return hidden.size ? items.filter((item) => !hidden.has(item.id)) : items;
  }

  /** What moving these photos would lose, to ask first. */
  footprint(ids: readonly number[]): Promise<Footprint | undefined> {
    return this.host.run(() => this.host.transport.call('photos.footprint', { photoIds: [...ids] }));
  }

  /** Hides the photos now and moves their files once the Undo time has passed. */
  move(ids: readonly number[]): void {
    if (!ids.length) return;
    if (this.#waiting) this.send();
    const timer = setTimeout(() => {
      this.send();
    }, TRASH_UNDO_MS);
    this.#waiting = { ids: [...ids], timer };
    for (const id of ids) this.#hidden.add(id);
  }

  undo(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.#waiting = null;
    for (const id of waiting.ids) this.#hidden.delete(id);
  }

  /** Asks the engine to move the waiting photos' files; those that would not go come back into view. */
  private send(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.#waiting = null;
    void (async () => {
      const result = await this.host.run(() =>
        this.host.transport.call('photos.trash', { photoIds: waiting.ids }),
      );
      await this.host.library.refresh();
      // Trashed photos stay hidden (a view may hold a list fetched before they went); any that would
      // not go, or all of them when the call failed, show again.
      for (const id of result ? result.failed.map((f) => f.id) : waiting.ids) this.#hidden.delete(id);
      const first = result?.failed[0];
      if (first)
        this.host.report(
          `${plural(result.failed.length, 'photo')} could not be moved to the trash and stay in the library: ${first.path ?? ''} (${first.error})`,
        );
    })();
  }
}
