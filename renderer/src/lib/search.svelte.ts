// The search as the app holds it: what is in the search box (text, or a photo or dropped image to
// search by example), its filters, whether weaker matches are shown and the order; the results with
// how many photos stand out; and running it, which opens the Search view. One instance, in App.

import type { Params } from '../../../electron/shared/api';
import type { GridItem } from './grid-layout';
import type { Transport } from './transport';
import type { View, ViewerContext } from './app.svelte';

export interface SearchResults {
  items: (GridItem & { score: number; strong: boolean })[];
  ms: number;
  exact: boolean;
  cutoff: number | null;
  /** How many photos stand out, and how many were compared. */
  strong: number;
  searched: number;
}

/** A photo or dropped image searched by example, shown in the box as a chip. */
export interface SearchExample {
  photoId?: number;
  upload?: string;
  label: string;
}

/** What the search needs from the app: the engine, error reporting, the view, and photos' shapes. */
export interface SearchHost {
  readonly transport: Transport;
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
  view: View;
  viewer: ViewerContext | null;
  readonly library: { aspectOf(id: number): number };
}

export class SearchSession {
  query = $state('');
  example = $state<SearchExample | null>(null);
  filters = $state<NonNullable<Params<'search.text'>['filters']>>({});
  /** Show the weaker matches too (the closest photos, ranked), not only the ones that stand out. */
  weaker = $state(false);
  sort = $state<'score' | 'date'>('score');
  results = $state.raw<SearchResults | null>(null);
  busy = $state(false);

  constructor(private readonly host: SearchHost) {}

  /** Whether there is anything to search for: text or an example. */
  get asked(): boolean {
    return this.query.trim() !== '' || this.example !== null;
  }

  /** Runs the search in the box and shows the Search view; with nothing asked, clears the results. */
  async run(): Promise<void> {
    if (!this.asked) {
      this.results = null;
      return;
    }
    const { query, example, weaker, sort } = this;
    this.host.view = 'search';
    this.busy = true;
    const started = performance.now();
    const matches = weaker ? ('all' as const) : ('auto' as const);
    const options = { filters: $state.snapshot(this.filters), matches, sort, limit: 500 };
    const result = await this.host.run(() => {
      const { transport } = this.host;
      if (example?.photoId !== undefined)
        return transport.call('search.similar', { photoId: example.photoId, ...options });
      if (example?.upload !== undefined)
        return transport.call('search.image', { upload: example.upload, ...options });
      return transport.call('search.text', { query, ...options });
    });
    this.busy = false;
    if (!result) return;
    this.results = {
      // When nothing stands out no photo is weaker than another: none is dimmed.
      items: result.hits.map((h) => ({
        id: h.id,
        takenAt: h.takenAt,
        aspect: this.host.library.aspectOf(h.id),
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

  /** Searches by a library photo ("find similar"), closing the viewer. */
  similarTo(photoId: number): void {
    this.host.viewer = null;
    this.query = '';
    this.example = { photoId, label: 'Similar to this photo' };
    void this.run();
  }

  /** Searches by an uploaded image. */
  byUpload(upload: string, label: string): Promise<void> {
    this.query = '';
    this.example = { upload, label };
    return this.run();
  }

  /** Takes the example chip out of the box, and its results with it. */
  clearExample(): void {
    this.example = null;
    this.results = null;
  }
}
