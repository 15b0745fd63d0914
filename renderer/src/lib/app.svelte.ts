// The renderer's shared state, as Svelte 5 runes: which view is open, the library's status and the
// running index job, the timeline, the current search and the photo viewer, and whether the engine has a
// library at all (a first run has no model yet) with the model download's progress. Views read it and
// call the engine through `app.transport`; engine events (progress, library changes) update it here, once.

import { SvelteSet } from 'svelte/reactivity';
import type { EventData, Params, Result } from '../../../electron/shared/api';
import { byIdOf, type GridItem } from './grid-layout';
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

export interface SearchState {
  query: string;
  /** A photo or dropped image searched by example, shown in the box as a chip. */
  example: { photoId?: number; upload?: string; label: string } | null;
  filters: NonNullable<Params<'search.text'>['filters']>;
  /** Show the weaker matches too (the closest photos, ranked), not only the ones that stand out. */
  weaker: boolean;
  sort: 'score' | 'date';
}

export interface SearchResults {
  items: (GridItem & { score: number; strong: boolean })[];
  ms: number;
  exact: boolean;
  cutoff: number | null;
  /** How many photos stand out, and how many were compared. */
  strong: number;
  searched: number;
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
  /** The favourite photos, newest first (the Favourites page), and as a set (the hearts on tiles). */
  favoriteIds = $state.raw<number[]>([]);
  readonly favorites = new SvelteSet<number>();
  /** Photos on their way to the system trash, hidden from every grid while Undo is offered. */
  readonly trash: TrashBin = new TrashBin(this);
  timelineLoaded = $state(false);
  search = $state<SearchState>({ query: '', example: null, filters: {}, weaker: false, sort: 'score' });
  results = $state.raw<SearchResults | null>(null);
  searching = $state(false);
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
      this.showFavorites(favorites);
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

  async runSearch(): Promise<void> {
    const { query, example, filters, weaker, sort } = this.search;
    if (!query.trim() && !example) {
      this.results = null;
      return;
    }
    this.view = 'search';
    this.searching = true;
    const started = performance.now();
    const matches = weaker ? ('all' as const) : ('auto' as const);
    const options = { filters: $state.snapshot(filters), matches, sort, limit: 500 };
    const result = await this.run(() => {
      if (example?.photoId !== undefined)
        return this.transport.call('search.similar', { photoId: example.photoId, ...options });
      if (example?.upload !== undefined)
        return this.transport.call('search.image', { upload: example.upload, ...options });
      return this.transport.call('search.text', { query, ...options });
    });
    this.searching = false;
    if (!result) return;
    this.results = {
      // When nothing stands out no photo is weaker than another: none is dimmed.
      items: result.hits.map((h) => ({
        id: h.id,
        takenAt: h.takenAt,
        aspect: this.byId.get(h.id)?.aspect ?? 1,
        score: h.score,
        strong: h.strong || result.cutoff === null,
      })),
      ms: performance.now() - started,
      exact: result.exact,
      cutoff: result.cutoff,
      strong: result.strong,
      searched: result.searched,
    };
  }

  private showFavorites(ids: number[]): void {
    this.favoriteIds = ids;
    this.favorites.clear();
    for (const id of ids) this.favorites.add(id);
  }

  /** Marks photos as favourites (or not); the hearts change at once, the page's order after the engine's answer. */
  async setFavorite(ids: readonly number[], favorite: boolean): Promise<boolean> {
    const done = await this.run(() =>
      this.transport.call('photos.favorite', { photoIds: [...ids], favorite }),
    );
    if (!done) return false;
    for (const id of ids) {
      if (favorite) this.favorites.add(id);
      else this.favorites.delete(id);
    }
    const list = await this.run(() => this.transport.call('photos.favorites', {}));
    if (list) this.showFavorites(list);
    return true;
  }

  /** Gives photos a star rating (0 clears it). */
  async rate(ids: readonly number[], rating: number): Promise<boolean> {
    return (
      (await this.run(() => this.transport.call('photos.rate', { photoIds: [...ids], rating }))) !== undefined
    );
  }

  /** Grid items for photos known by id alone (an album, a place), dated and shaped as the timeline has them. */
  itemsFor(ids: readonly number[]): GridItem[] {
    return ids.map((id) => {
      const known = this.byId.get(id);
      return { id, takenAt: known?.takenAt ?? null, aspect: known?.aspect ?? 1 };
    });
  }

  findSimilar(photoId: number): void {
    this.viewer = null;
    this.search.query = '';
    this.search.example = { photoId, label: 'Similar to this photo' };
    void this.runSearch();
  }

  open(
    items: readonly GridItem[],
    index: number,
    context: Omit<ViewerContext, 'items' | 'index'> = {},
  ): void {
    this.viewer = { items, index, ...context };
  }
}
