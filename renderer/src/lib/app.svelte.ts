// The renderer's shell state, as Svelte 5 runes: which view is open, the theme, the photo viewer, the
// last error, and whether the engine has a library at all (a first run has no model yet) with the model
// download's and switch's progress; the rest lives in small managers it holds (the library and its
// timeline, the search, favourites and stars, the trash, selections, view preferences). Views read it
// and call the engine through `app.transport`; engine events are dispatched here, once.

import type { EventData } from '../../../electron/shared/api';
import type { GridItem } from './grid-layout';
import { LibraryState } from './library.svelte';
import { Marks } from './marks.svelte';
import { SearchSession } from './search.svelte';
import { Selection } from './selection.svelte';
import { CallError, pickTransport, type Transport } from './transport';
import { TrashBin } from './trash.svelte';
import { ViewPrefs } from './view-prefs.svelte';

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
  readonly prefs = new ViewPrefs();
  /** The photos picked in the library grid and in the search results, for the selection bar. */
  readonly librarySelection = new Selection();
  readonly searchSelection = new Selection();
  /** Favourites and star ratings. */
  readonly marks: Marks = new Marks(this);
  /** The library's status, the index job's progress and the timeline. */
  readonly library: LibraryState = new LibraryState(this);
  /** Photos on their way to the system trash, hidden from every grid while Undo is offered. */
  readonly trash: TrashBin = new TrashBin(this);
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

  constructor() {
    this.transport.on((event, data) => {
      if (event === 'index.progress') {
        const progress = data as EventData<'index.progress'>;
        this.library.progress = progress;
        if (progress.state !== 'running' && progress.state !== 'paused') this.library.scheduleRefresh(0);
      } else if (event === 'models.progress') {
        this.modelProgress = data as EventData<'models.progress'>;
      } else if (event === 'models.switch') {
        this.modelSwitch = data as EventData<'models.switch'>;
      } else if (event === 'library.changed') {
        if ((data as EventData<'library.changed'>).reason === 'model ready') void this.start();
        else this.library.scheduleRefresh(300);
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
    if (this.ready) await this.library.refresh();
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

  open(
    items: readonly GridItem[],
    index: number,
    context: Omit<ViewerContext, 'items' | 'index'> = {},
  ): void {
    this.viewer = { items, index, ...context };
  }
}
