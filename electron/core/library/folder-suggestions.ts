// Completes a folder path as the user types it (the browser has no folder dialog): the folders inside
// the typed path's parent whose names start with what follows its last separator. Folders only, never
// files, no hidden ones unless the name typed starts with a dot, at most a few; "~" is the home folder.
// It lists names the user could as well type; it never reads a file.

import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';

export const MAX_SUGGESTIONS = 20;

export async function suggestFolders(typed: string, home = homedir()): Promise<string[]> {
  const text = typed === '~' || typed.startsWith(`~${sep}`) ? home + typed.slice(1) : typed;
  if (!isAbsolute(text)) return [];
  // "/photos/2019" completes names in /photos starting "2019"; "/photos/" lists /photos itself.
  const parent = text.endsWith(sep) ? text : dirname(text);
  const start = text.endsWith(sep) ? '' : basename(text);
  let entries;
  try {
    entries = await readdir(parent, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter(
      (e) =>
        e.isDirectory() && e.name.startsWith(start) && (start.startsWith('.') || !e.name.startsWith('.')),
    )
    .map((e) => join(parent, e.name))
    .sort((a, b) => a.localeCompare(b))
    .slice(0, MAX_SUGGESTIONS);
}
