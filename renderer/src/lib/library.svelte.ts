// The library as the renderer holds it: its status (counts, folders, failures), the running index
// job's progress, and the timeline of every photo, newest first, with each photo's shape for grids of
// photos known by id alone. Refreshes are coalesced (indexing sends library.changed per batch), and the
// first one paints the newest photos before fetching the rest. One instance, in App.

import type { EventData, Result } from '../../../electron/shared/api';
import { byIdOf, type GridItem } from './grid-layout';
import type { Marks } from './marks.svelte';
import type { Transport } from './transport';

/** Photos in the first timeline request: a few screens of the newest. */
const FIRST_PAGE = 1000;

function toItems(t: Result<'photos.timeline'>): GridItem[] {
  const items = new Array<GridItem>(t.ids.length);
  for (let i = 0; i < t.ids.length; i++)
    items[i] = { id: t.ids[i] as number, takenAt: t.takenAt[i] ?? null, aspect: t.aspect[i] ?? 1 };
  return items;
}

/** Resolves once the next frame has been painted, or after 200 ms in a hidden window (no frames). */
const afterPaint = (): Promise<void> =>
  new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 200);
  });

/** What the library needs from the app: the engine, error reporting, whether a library is open, the marks. */
export interface LibraryHost {
  readonly transport: Transport;
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
  readonly ready: boolean | null;
  readonly marks: Marks;
}

export class LibraryState {
  status = $state.raw<Result<'library.status'> | null>(null);
  progress = $state.raw<EventData<'index.progress'> | null>(null);
  /** The whole library, newest first; a raw array, because 100k reactive proxies would crawl. */
  timeline = $state.raw<GridItem[]>([]);
  timelineLoaded = $state(false);
  /** Each photo's shape (width / height), for grids of photos that come without it (search results). */
  #byId: ReadonlyMap<number, GridItem> = byIdOf([]);
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: LibraryHost) {}

  /** Coalesces bursts of library.changed events (one per indexed batch) into one refresh. */
  scheduleRefresh(delay: number): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      void this.refresh();
    }, delay);
  }

  async refresh(): Promise<void> {
    if (!this.host.ready) return;
    const { transport } = this.host;
    await this.host.run(async () => {
      // The first load shows the newest photos at once and fetches the rest behind them: on a 100k
      // library the whole timeline is a few MB. Later refreshes replace it in one go, so a user
      // scrolled deep into the grid is not thrown back to the top while indexing runs.
      const first = this.timelineLoaded ? {} : { limit: FIRST_PAGE };
      const [status, timeline, favorites] = await Promise.all([
        transport.call('library.status', {}),
        transport.call('photos.timeline', first),
        transport.call('photos.favorites', {}),
      ]);
      this.status = status;
      this.host.marks.showFavorites(favorites);
      this.timeline = toItems(timeline);
      this.timelineLoaded = true;
      if (timeline.total > timeline.ids.length) {
        // The first screen paints before the rest (MBs to parse, a long layout) takes the thread.
        await afterPaint();
        const rest = await transport.call('photos.timeline', { offset: timeline.ids.length });
        this.timeline = [...this.timeline, ...toItems(rest)];
      }
      this.#byId = byIdOf(this.timeline);
    });
  }

  /** A photo's shape (width / height) as the timeline has it, 1 when it is not known. */
  aspectOf(id: number): number {
    return this.#byId.get(id)?.aspect ?? 1;
  }

  /** Grid items for photos known by id alone (an album, a place), dated and shaped as the timeline has them. */
  itemsFor(ids: readonly number[]): GridItem[] {
    return ids.map((id) => {
      const known = this.#byId.get(id);
      return { id, takenAt: known?.takenAt ?? null, aspect: known?.aspect ?? 1 };
    });
  }
}
