// Moving a file to the system trash from plain Node, for `lumen serve` and the CLI (the desktop app
// uses Electron's shell.trashItem, handed to the engine by the main process). On Linux and the BSDs
// this follows the freedesktop.org Trash specification 1.0, so the desktop's file manager lists the
// file and can put it back: the home trash ($XDG_DATA_HOME/Trash) for files on the home's device, and
// for another device the trash at the top of its mount ($topdir/.Trash/$uid when an administrator made
// a safe one, else $topdir/.Trash-$uid). On macOS the file goes into ~/.Trash. Windows has no trash
// reachable without the shell's COM API, so there it refuses with a TrashError rather than delete.

import { lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, relative } from 'node:path';

export class TrashError extends Error {
  override readonly name = 'TrashError';
}

/** Moves one file to the trash; rejects with why it could not. */
export type TrashItem = (path: string) => Promise<void>;

/** The sticky bit (S_ISVTX), which Node's fs.constants does not name. */
const STICKY = 0o1000;

const pad = (n: number): string => String(n).padStart(2, '0');

/** The spec's DeletionDate: local time, YYYY-MM-DDThh:mm:ss. */
function deletionDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The spec's Path= value: each segment percent-encoded (RFC 2396), the slashes kept. */
const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

/** The mount point holding `path`: the highest ancestor on the same device. */
async function topDir(path: string): Promise<string> {
  const dev = (await stat(path)).dev;
  let dir = dirname(path);
  for (;;) {
    const parent = dirname(dir);
    if (parent === dir || (await stat(parent)).dev !== dev) return dir;
    dir = parent;
  }
}

/** `$topdir/.Trash` is usable only as the spec says: a real folder (no link) with the sticky bit. */
async function adminTrash(top: string, uid: number): Promise<string | null> {
  const shared = join(top, '.Trash');
  const info = await lstat(shared).catch(() => null);
  if (!info?.isDirectory() || (info.mode & STICKY) === 0) return null;
  return join(shared, String(uid));
}

/** The trash folder for `path` and the Path= to record (absolute in the home trash, relative in a topdir one). */
async function freedesktopTrashFor(
  path: string,
  env: NodeJS.ProcessEnv,
): Promise<{ trash: string; recorded: string }> {
  const dataHome =
    env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : join(homedir(), '.local', 'share');
  const home = join(dataHome, 'Trash');
  await mkdir(home, { recursive: true, mode: 0o700 });
  const fileDev = (await stat(path)).dev;
  if ((await stat(home)).dev === fileDev) return { trash: home, recorded: path };
  const top = await topDir(path);
  const uid = process.getuid?.() ?? 0;
  const trash = (await adminTrash(top, uid)) ?? join(top, `.Trash-${uid}`);
  const made = await lstat(trash).catch(() => null);
  if (made && (!made.isDirectory() || made.isSymbolicLink()))
    throw new TrashError(`${trash} is not a trash folder Lumen can trust`);
  return { trash, recorded: relative(top, path) };
}

async function freedesktopTrash(path: string, env: NodeJS.ProcessEnv, now: Date): Promise<void> {
  const { trash, recorded } = await freedesktopTrashFor(path, env);
  const files = join(trash, 'files');
  const infoDir = join(trash, 'info');
  await mkdir(files, { recursive: true, mode: 0o700 });
  await mkdir(infoDir, { recursive: true, mode: 0o700 });
  const ext = extname(path);
  const stem = basename(path, ext);
  const body = `[Trash Info]\nPath=${encodePath(recorded)}\nDeletionDate=${deletionDate(now)}\n`;
  for (let n = 1; n < 10_000; n++) {
    const name = n === 1 ? basename(path) : `${stem}.${n}${ext}`;
    const info = join(infoDir, `${name}.trashinfo`);
    // The spec's lock: the .trashinfo is created exclusively first, so two programs never pick one name.
    let handle;
    try {
      handle = await open(info, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      await handle.writeFile(body);
    } finally {
      await handle.close();
    }
    const target = join(files, name);
    if (await lstat(target).catch(() => null)) {
      // A file left in files/ without its info: keep it, try the next name.
      await unlink(info);
      continue;
    }
    try {
      await rename(path, target);
      return;
    } catch (err) {
      await unlink(info).catch(() => undefined);
      throw err;
    }
  }
  throw new TrashError(`no free name for ${basename(path)} in the trash`);
}

async function macTrash(path: string): Promise<void> {
  const trash = join(homedir(), '.Trash');
  const ext = extname(path);
  const stem = basename(path, ext);
  for (let n = 1; n < 10_000; n++) {
    const target = join(trash, n === 1 ? basename(path) : `${stem} ${n}${ext}`);
    if (await lstat(target).catch(() => null)) continue;
    await rename(path, target);
    return;
  }
  throw new TrashError(`no free name for ${basename(path)} in the trash`);
}

/** The trash of this system as plain Node reaches it. */
export function systemTrash(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): TrashItem {
  return async (path) => {
    if (!isAbsolute(path)) throw new TrashError(`not a full path: ${path}`);
    const info = await lstat(path).catch(() => null);
    if (!info) throw new TrashError(`${path} is not there any more`);
    if (info.isDirectory()) throw new TrashError(`${path} is a folder, not a photo`);
    if (platform === 'darwin') return macTrash(path);
    if (platform === 'win32')
      throw new TrashError('moving files to the Recycle Bin from the browser needs the Lumen app on Windows');
    return freedesktopTrash(path, env, new Date());
  };
}
