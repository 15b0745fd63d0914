// node scripts/electron-native.mjs [--arch x64|arm64|ia32] [--force]
//
// Builds better-sqlite3 for the installed Electron's ABI into build/electron-native/better_sqlite3.node,
// leaving node_modules/better-sqlite3 (built for Node, which the tests and the CLI use) untouched. The
// app's main process hands the file to the engine as $LUMEN_SQLITE_BINDING; electron-builder ships it
// as resources/native/better_sqlite3.node. onnxruntime-node, sharp and hnswlib-node are Node-API
// addons and load in Electron as they are.
//
// Works in a temporary copy of the package: first prebuild-install (a prebuilt binary for
// --runtime electron --target <version>), else node-gyp against Electron's headers (needs python3,
// make and a C++ compiler). Skips the work when the file is already there for this Electron,
// better-sqlite3, platform and arch (build/electron-native/better_sqlite3.json).

import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const { values } = parseArgs({
  options: { arch: { type: 'string', default: process.arch }, force: { type: 'boolean', default: false } },
});

const say = (line) => process.stderr.write(`electron-native: ${line}\n`);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

const electronVersion = readJson(require.resolve('electron/package.json')).version;
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = readJson(join(sqliteDir, 'package.json')).version;
const outDir = join(root, 'build', 'electron-native');
const outFile = join(outDir, 'better_sqlite3.node');
const stampFile = join(outDir, 'better_sqlite3.json');
const stamp = {
  electron: electronVersion,
  betterSqlite3: sqliteVersion,
  platform: process.platform,
  arch: values.arch,
};

if (!values.force && existsSync(outFile) && existsSync(stampFile)) {
  const old = readJson(stampFile);
  if (Object.entries(stamp).every(([k, v]) => old[k] === v)) {
    say(
      `up to date (better-sqlite3 ${sqliteVersion} for Electron ${electronVersion}, ${process.platform}-${values.arch})`,
    );
    process.exit(0);
  }
}

function run(what, command, args, cwd) {
  say(`${what}: ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, { cwd, stdio: 'inherit', env: process.env });
  if (r.error) say(`${what} could not start: ${r.error.message}`);
  return r.status === 0;
}

function build(work) {
  const pkg = join(work, 'better-sqlite3');
  // Sources only: a copy of the Node build would be mistaken for the result.
  const nodeBuild = join(sqliteDir, 'build');
  cpSync(sqliteDir, pkg, {
    recursive: true,
    filter: (src) => src !== nodeBuild && !src.startsWith(nodeBuild + sep),
  });
  const built = join(pkg, 'build', 'Release', 'better_sqlite3.node');
  const target = ['--runtime', 'electron', '--target', electronVersion, '--arch', values.arch];

  const prebuilt =
    run(
      'prebuilt binary',
      process.execPath,
      [require.resolve('prebuild-install/bin.js'), ...target, '--verbose'],
      pkg,
    ) && existsSync(built);
  const compiled =
    !prebuilt &&
    run(
      'compiling',
      process.execPath,
      [
        require.resolve('node-gyp/bin/node-gyp.js'),
        'rebuild',
        '--release',
        '--runtime=electron',
        `--target=${electronVersion}`,
        `--arch=${values.arch}`,
        '--dist-url=https://electronjs.org/headers',
      ],
      pkg,
    ) &&
    existsSync(built);
  if (!prebuilt && !compiled) {
    say(
      `could not get better-sqlite3 for Electron ${electronVersion}: no prebuilt binary could be downloaded and ` +
        'compiling failed (needs network access to electronjs.org for the headers, python3, make and a C++ compiler)',
    );
    return 1;
  }
  mkdirSync(outDir, { recursive: true });
  copyFileSync(built, outFile);
  writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
  say(`wrote ${outFile} (${prebuilt ? 'prebuilt' : 'compiled'})`);
  return 0;
}

const work = mkdtempSync(join(tmpdir(), 'lumen-electron-sqlite-'));
try {
  process.exitCode = build(work);
} finally {
  rmSync(work, { recursive: true, force: true });
}
