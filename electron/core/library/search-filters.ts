// The metadata filters of a search (folder, dates, formats, camera) as one SQL query that an index
// answers. Tags and albums are sets of their own (search.ts intersects them).

import { sep } from 'node:path';
import type { SearchFilters } from './search.js';

/**
 * The paths under a folder (any depth) as a half-open range [from, to) in SQLite's order: the folder
 * and its separator, up to the folder and the character after the separator. So "set" takes in
 * neither "set-2" nor "set0" ("0" follows "/").
 */
export function folderRange(folder: string): [string, string] {
  const from = folder.endsWith(sep) ? folder : folder + sep;
  return [from, from.slice(0, -1) + String.fromCharCode(sep.charCodeAt(0) + 1)];
}

/** A format as stored: "jpg" is kept as "jpeg". */
export const storedFormat = (format: string): string => (format === 'jpg' ? 'jpeg' : format);

/**
 * The SQL for the photos that the metadata filters (folder, dates, formats, camera) allow, or null when
 * none is set. Each condition is answered from an index: dates from the timeline index, a folder as a
 * range of paths, camera and format from a covering index, so a narrow filter reads only the rows it
 * allows (a 0.1 % date window over 100k photos: 0.07 ms, not 15 ms).
 */
export function filterQuery(filters: SearchFilters): { sql: string; args: unknown[] } | null {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filters.folder) {
    where.push('path >= ? AND path < ?');
    args.push(...folderRange(filters.folder));
  }
  if (filters.from !== undefined) {
    where.push('COALESCE(taken_at, mtime_ms) >= ?');
    args.push(filters.from);
  }
  if (filters.to !== undefined) {
    where.push('COALESCE(taken_at, mtime_ms) <= ?');
    args.push(filters.to);
  }
  if (filters.formats?.length) {
    where.push(`format IN (${filters.formats.map(() => '?').join(',')})`);
    args.push(...filters.formats.map(storedFormat));
  }
  if (filters.camera) {
    // instr, not LIKE: a camera name's own % or _ is a character, not a wildcard.
    where.push("instr(LOWER(COALESCE(camera, '')), ?) > 0");
    args.push(filters.camera.toLowerCase());
  }
  if (!where.length) return null;
  // Left to itself SQLite walks the status index (every indexed photo) whatever else is asked. A date
  // range takes the timeline index (partial: indexed photos only); otherwise status is checked on the
  // rows the other conditions chose (+status keeps it off the status index).
  const byDate = filters.from !== undefined || filters.to !== undefined;
  const sql = byDate
    ? `SELECT id FROM photos INDEXED BY photos_timeline WHERE status = 'indexed' AND ${where.join(' AND ')}`
    : `SELECT id FROM photos WHERE +status = 'indexed' AND ${where.join(' AND ')}`;
  return { sql, args };
}
