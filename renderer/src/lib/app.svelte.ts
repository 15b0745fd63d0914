// The renderer's shared state, as Svelte 5 runes: which view is open, the library's status and the
// running index job, the timeline, the current search and the photo viewer, and whether the engine has a
// library at all (a first run has no model yet) with the model download's progress. Views read it and
// call the engine through `app.transport`; engine events (progress, library changes) update it here, once.

import type { EventData, Result } from '../../../electron/shared/api';
import { byIdOf, type GridItem } from './grid-layout';
import { Marks } from './marks.svelte';
import { SearchSession } from './search.svelte';
import { Selection } from './selection.svelte';
import { CallError, pickTransport, type Transport } from './transport';
import { TrashBin } from './trash.svelte';
import { ViewPrefs } from './view-prefs.svelte';

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

export type View =
  | 'library'
  | 'favorites'
  | 'albums'
  | 'explore'
  | 'search'
  | 'places'
  | 'duplicates'
  | 'tags'
  | 'finetune'
  | 'settings';
export type Theme = 'system' | 'light' | 'dark';

export interface ViewerContext {
  items: readonly GridItem[];
  index: number;
  /** What put the photo on screen, so the viewer can explain it. */
  query?: string;
  categoryId?: number;
}

export class App {
  readonly transport: Transport = pickTransport();
  view = $state<View>('library');
  theme = $state<Theme>((localStorage.getItem('lumen-theme') as Theme | null) ?? 'system');
  status = $state.raw<Result<'library.status'> | null>(null);
  progress = $state.raw<EventData<'index.progress'> | null>(null);
  /** The whole library, newest first; a raw array, because 100k reactive proxies would crawl. */
  timeline = $state.raw<GridItem[]>([]);
  /** Each photo's shape (width / height), for grids of photos that come without it (search results). */
  private byId: ReadonlyMap<number, GridItem> = byIdOf([]);
  readonly prefs = new ViewPrefs();
  /** The photos picked in the library grid and in the search results, for the selection bar. */
  readonly librarySelection = new Selection();
  readonly searchSelection = new Selection();
  /** Favourites and star ratings. */
  readonly marks: Marks = new Marks(this);
  /** Photos on their way to the system trash, hidden from every grid while Undo is offered. */
  readonly trash: TrashBin = new TrashBin(this);
  timelineLoaded = $state(false);
  /** The search box, its filters and its results. */
  readonly search: SearchSession = new SearchSession(this);
  viewer = $state.raw<ViewerContext | null>(null);
  error = $state<string | null>(null);
  /** Whether the engine has a library open (null until app.state answers); the first run has none. */
  ready = $state<boolean | null>(null);
  /** Why it is not ready ('no model yet' on a first run). */
  notReadyReason = $state<string | null>(null);
  /** The last model download event, for the first-run panel and Settings. */
  modelProgress = $state.raw<EventData<'models.progress'> | null>(null);
  /** The last model switch event (models.use with a library open), for Settings. */
  modelSwitch = $state.raw<EventData<'models.switch'> | null>(null);
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    this.transport.on((event, data) => {
      if (event === 'index.progress') {
        this.progress = data as EventData<'index.progress'>;
        if (this.progress.state !== 'running' && this.progress.state !== 'paused') this.scheduleRefresh(0);
      } else if (event === 'models.progress') {
        this.modelProgress = data as EventData<'models.progress'>;
      } else if (event === 'models.switch') {
        this.modelSwitch = data as EventData<'models.switch'>;
      } else if (event === 'library.changed') {
        if ((data as EventData<'library.changed'>).reason === 'model ready') void this.start();
        else this.scheduleRefresh(300);
      }
    });
  }

  /** Asks the engine whether a library is open, then loads it; a first run shows the first-run panel. */
  async start(): Promise<void> {
    try {
      const state = await this.transport.call('app.state', {});
      this.ready = state.ready;
      this.notReadyReason = state.reason;
      // A switch under way when the page loaded (or one that ended while events were missed).
      const sw = state.switching;
      if (sw && this.modelSwitch?.id !== sw.id)
        this.modelSwitch = {
          ...sw,
          state: 'indexing',
          photosPerSecond: 0,
          etaSeconds: null,
          error: null,
        };
      else if (!sw && this.modelSwitch?.state === 'indexing') this.modelSwitch = null;
    } catch (err) {
      this.ready = false;
      this.notReadyReason = err instanceof Error ? err.message : String(err);
      return;
    }
    if (this.ready) await this.refresh();
  }

  /** Shows an engine error in the status bar instead of failing silently. */
  report(err: unknown): void {
    this.error = err instanceof CallError || err instanceof Error ? err.message : String(err);
  }

  async run<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      this.error = null;
      return await work();
    } catch (err) {
      this.report(err);
      return undefined;
    }
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    localStorage.setItem('lumen-theme', theme);
  }

  /** Coalesces bursts of library.changed events (one per indexed batch) into one refresh. */
  scheduleRefresh(delay: number): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, delay);
  }

  async refresh(): Promise<void> {
    if (!this.ready) return;
    await this.run(async () => {
      // The first load shows the newest photos at once and fetches the rest behind them: on a 100k
      // library the whole timeline is a few MB. Later refreshes replace it in one go, so a user
      // scrolled deep into the grid is not thrown back to the top while indexing runs.
      const first = this.timelineLoaded ? {} : { limit: FIRST_PAGE };
      const [status, timeline, favorites] = await Promise.all([
        this.transport.call('library.status', {}),
        this.transport.call('photos.timeline', first),
        this.transport.call('photos.favorites', {}),
      ]);
      this.status = status;
      this.marks.showFavorites(favorites);
      this.timeline = toItems(timeline);
      this.timelineLoaded = true;
      if (timeline.total > timeline.ids.length) {
        // The first screen paints before the rest (MBs to parse, a long layout) takes the thread.
        await afterPaint();
        const rest = await this.transport.call('photos.timeline', { offset: timeline.ids.length });
        this.timeline = [...this.timeline, ...toItems(rest)];
      }
      this.byId = byIdOf(this.timeline);
    });
  }

  /** A photo's shape (width / height) as the timeline has it, 1 when it is not known. */
  aspectOf(id: number): number {
    return this.byId.get(id)?.aspect ?? 1;
  }

  /** Grid items for photos known by id alone (an album, a place), dated and shaped as the timeline has them. */
  itemsFor(ids: readonly number[]): GridItem[] {
    return ids.map((id) => {
      const known = this.byId.get(id);
      return { id, takenAt: known?.takenAt ?? null, aspect: known?.aspect ?? 1 };
    });
  }

  open(
    items: readonly GridItem[],
    index: number,
    context: Omit<ViewerContext, 'items' | 'index'> = {},
  ): void {
    this.viewer = { items, index, ...context };
  }
}
