// What a scan and the watcher leave out of a library folder, decided in one place so every path agrees:
// hidden and system folders (folder-scan.ts), the library's own folders (its thumbnails and index,
// should the library live inside a photo folder), and the user's exclusion patterns (the `exclude`
// setting). A pattern without a slash matches any file or folder name ("Screenshots", "*.tmp.jpg");
// one with a slash matches the path below the library folder ("Trips/raw", "**/private"), where * is any
// run of characters within a name and ** any number of folders. Matching ignores case. An excluded
// folder is left out with everything under it.

import { relative, resolve, sep } from 'node:path';

export interface Exclusions {
  /** Whether `path` (absolute, inside `root`) is left out. */
  excludes(root: string, path: string): boolean;
}

/** Rejects patterns that cannot mean anything: empty, absolute, or climbing out with "..". */
export function checkExcludePattern(pattern: string): string | null {
  const p = pattern.trim();
  if (!p) return 'an exclusion pattern cannot be empty';
  if (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p))
    return `"${pattern}": patterns are relative to each library folder (no leading /)`;
  if (p.split(/[\\/]/).includes('..')) return `"${pattern}": patterns cannot contain ".."`;
  if (p.length > 500) return 'an exclusion pattern is at most 500 characters';
  return null;
}

function escape(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** A glob as a regular expression over a whole name or a /-separated relative path. */
function globToRegExp(glob: string): RegExp {
  let out = '';
  const parts = glob.split('/');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '**') {
      // Any number of folders, including none.
      out += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    out += part
      .split('*')
      .map((s) => escape(s).replace(/\?/g, '[^/]'))
      .join('[^/]*');
    if (!last) out += '/';
  });
  return new RegExp(`^${out}$`, 'i');
}

export function compileExclusions(patterns: readonly string[], ownFolders: readonly string[]): Exclusions {
  const names: RegExp[] = [];
  const paths: RegExp[] = [];
  for (const raw of patterns) {
    if (checkExcludePattern(raw)) continue;
    const p = raw.trim().replace(/\\/g, '/').replace(/\/+$/, '');
    if (p.includes('/')) paths.push(globToRegExp(p.replace(/^\.\//, '')));
    else names.push(globToRegExp(p));
  }
  const own = ownFolders.map((f) => resolve(f));
  return {
    excludes(root, path) {
      const full = resolve(path);
      if (own.some((f) => full === f || full.startsWith(f + sep))) return true;
      if (!names.length && !paths.length) return false;
      const rel = relative(root, full).split(sep).join('/');
      if (!rel || rel.startsWith('..')) return false;
      const segments = rel.split('/');
      if (names.some((re) => segments.some((s) => re.test(s)))) return true;
      // A folder matched by a path pattern takes everything under it along.
      for (let i = 1; i <= segments.length; i++) {
        const prefix = segments.slice(0, i).join('/');
        if (paths.some((re) => re.test(prefix))) return true;
      }
      return false;
    },
  };
}
