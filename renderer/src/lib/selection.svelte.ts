// The photos the user has picked in a grid, for the selection bar's bulk actions: a tick on a tile
// toggles one, shift extends from the last one ticked, dragging across tiles from a tick picks each
// tile passed, Ctrl/Cmd+A takes the whole grid and Esc lets go. One selection per grid; the grid
// decides what its items are, this only keeps ids (the same photo in another order is the same pick).

import { SvelteSet } from 'svelte/reactivity';
import { idsOf } from './grid-layout';

export class Selection {
  readonly #ids = new SvelteSet<number>();
  /** The index, in the grid's items, that a shift-click extends from. */
  #anchor: number | null = null;

  get size(): number {
    return this.#ids.size;
  }

  get active(): boolean {
    return this.#ids.size > 0;
  }

  has(id: number): boolean {
    return this.#ids.has(id);
  }

  /** The selected ids in the order of `items` (what the bulk actions act on, in grid order). */
  ids(items?: readonly { id: number }[]): number[] {
    if (!items) return [...this.#ids];
    return items.filter((it) => this.#ids.has(it.id)).map((it) => it.id);
  }

  toggle(id: number, index: number): void {
    if (this.#ids.has(id)) this.#ids.delete(id);
    else this.#ids.add(id);
    this.#anchor = index;
  }

  /** Adds items from the anchor (or `to` itself without one) through `to`, both ends included. */
  extend(items: readonly { id: number }[], to: number): void {
    const from = this.#anchor ?? to;
    for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
      const item = items[i];
      if (item) this.#ids.add(item.id);
    }
    this.#anchor = to;
  }

  add(id: number): void {
    this.#ids.add(id);
  }

  selectAll(items: readonly { id: number }[]): void {
    for (const it of items) this.#ids.add(it.id);
  }

  clear(): void {
    this.#ids.clear();
    this.#anchor = null;
  }

  /** Drops ids no longer in the grid (photos removed or trashed meanwhile). */
  keepOnly(items: readonly { id: number }[]): void {
    if (!this.#ids.size) return;
    const present = idsOf(items);
    for (const id of [...this.#ids]) if (!present.has(id)) this.#ids.delete(id);
  }
}
