// How the user likes the grid: the thumbnail size (the row height the justified grid aims for) and
// whether search results show their match scores. Kept in localStorage, per browser profile, like the
// theme; a stored value out of range (an older version, a hand edit) falls back to the default.

const SIZE_KEY = 'lumen-thumb-size';
const SCORES_KEY = 'lumen-show-scores';

export const THUMB_SIZES = { min: 100, max: 320, default: 180 } as const;

function storedSize(): number {
  const n = Number(localStorage.getItem(SIZE_KEY));
  return Number.isFinite(n) && n >= THUMB_SIZES.min && n <= THUMB_SIZES.max ? n : THUMB_SIZES.default;
}

export class ViewPrefs {
  #thumbSize = $state(storedSize());
  #showScores = $state(localStorage.getItem(SCORES_KEY) === 'true');

  get thumbSize(): number {
    return this.#thumbSize;
  }

  set thumbSize(px: number) {
    this.#thumbSize = Math.min(THUMB_SIZES.max, Math.max(THUMB_SIZES.min, Math.round(px)));
    localStorage.setItem(SIZE_KEY, String(this.#thumbSize));
  }

  get showScores(): boolean {
    return this.#showScores;
  }

  set showScores(on: boolean) {
    this.#showScores = on;
    localStorage.setItem(SCORES_KEY, String(on));
  }
}
