// What the owner marks on photos: favourites (the hearts on tiles, the Favourites page) and star
// ratings. The favourites are loaded with each refresh of the library and change at once when the user
// marks a photo; the engine writes both to the photos' sidecars when the library keeps them.

import { SvelteSet } from 'svelte/reactivity';
import type { Transport } from './transport';

/** What the marks need from the app: the engine, and error reporting. */
export interface MarksHost {
  readonly transport: Transport;
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
}

export class Marks {
  #favoriteIds = $state.raw<number[]>([]);
  readonly #favorites = new SvelteSet<number>();

  constructor(private readonly host: MarksHost) {}

  /** The favourite photos, newest first. */
  get favoriteIds(): readonly number[] {
    return this.#favoriteIds;
  }

  isFavorite(id: number): boolean {
    return this.#favorites.has(id);
  }

  /** Shows the engine's list of favourites (from a refresh). */
  showFavorites(ids: number[]): void {
    this.#favoriteIds = ids;
    this.#favorites.clear();
    for (const id of ids) this.#favorites.add(id);
  }

  /** Marks photos as favourites (or not): the hearts change at once, the page's order on the engine's answer. */
  async setFavorite(ids: readonly number[], favorite: boolean): Promise<boolean> {
    const { transport } = this.host;
    const done = await this.host.run(() =>
      transport.call('photos.favorite', { photoIds: [...ids], favorite }),
    );
    if (!done) return false;
    for (const id of ids) {
      if (favorite) this.#favorites.add(id);
      else this.#favorites.delete(id);
    }
    const list = await this.host.run(() => transport.call('photos.favorites', {}));
    if (list) this.showFavorites(list);
    return true;
  }

  /** Gives photos a star rating (0 clears it). */
  async rate(ids: readonly number[], rating: number): Promise<boolean> {
    const { transport } = this.host;
    return (
      (await this.host.run(() => transport.call('photos.rate', { photoIds: [...ids], rating }))) !== undefined
    );
  }
}
