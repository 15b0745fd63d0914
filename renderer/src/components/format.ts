// Small formatting helpers shared by the views.

/** A score or threshold as the engine's cosine-like number, e.g. 0.231; a dash when there is none. */
export function fmtScore(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** A recall in [0, 1] as a percentage. */
export function fmtPercent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : `${(value * 100).toFixed(1)}%`;
}

export function fmtDate(value: number | string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString();
}

export function fmtSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

/** A job's estimated time left, rounded as a person would say it; `unknown` while there is no estimate. */
export function fmtTimeLeft(seconds: number | null, unknown = ''): string {
  if (seconds === null || !Number.isFinite(seconds)) return unknown;
  if (seconds < 60) return `${Math.ceil(seconds)} s left`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min left`;
  return `${(seconds / 3600).toFixed(1)} h left`;
}

/** The message of anything thrown, for inline errors that should not go to the status bar. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True when a key press belongs to a text field, so view shortcuts leave it alone. */
export function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}

/** A count with its noun, in the user's locale: "1 photo", "2,000 photos" (or the plural given). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** What forgetting photos would lose, in words: the user's own work only ("" when there is none). */
export function footprintWords(f: { captions: number; tags: number; albums: number }): string {
  const parts = [
    f.captions ? plural(f.captions, 'caption') : '',
    f.tags ? plural(f.tags, 'tag') + ' you set' : '',
    f.albums ? `their places in ${plural(f.albums, 'album')}` : '',
  ].filter(Boolean);
  return parts.join(', ').replace(/, ([^,]*)$/, ' and $1');
}
