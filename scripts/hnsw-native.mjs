// node scripts/hnsw-native.mjs [--force]
//
// Compiles hnswlib-node's addon again for the x86-64 levels v3 (AVX2, FMA) and v4 (AVX-512), into
// node_modules/hnswlib-node/build/<level>/addon.node beside npm's own build, which targets the x86-64
// baseline (SSE2). hnswlib picks its inner-product kernel at compile time, so npm's build walks the
// graph four floats at a time however new the CPU is; the vector index loads the best build the CPU
// runs (electron/core/library/hnsw-binding.ts), as faiss loads its avx2 or avx512 build. electron-builder
// already ships node_modules/hnswlib-node/build/** unpacked, so the app carries them too.
//
// Linux on x64 only, with the C++ toolchain npm used for the baseline build; elsewhere npm's build is
// used as it is. Runs at `npm ci` (the prepare script). A level already built for this hnswlib-node
// version is kept; a level that fails to compile is reported and left out, never fatal.

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
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
const say = (line) => process.stderr.write(`hnsw-native: ${line}\n`);

/** The levels built, and the compiler's name for each (the x86-64 psABI micro-architecture levels). */
const LEVELS = ['x86-64-v3', 'x86-64-v4'];

if (process.platform !== 'linux' || process.arch !== 'x64') {
  say(`nothing to build on ${process.platform}-${process.arch}: npm's build of hnswlib-node is used`);
  process.exit(0);
}

const pkgDir = dirname(require.resolve('hnswlib-node/package.json'));
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;

/**
 * node-gyp needs Node's headers: npm hands scripts its nodedir setting; run by hand, a Node installed
 * with its headers (Debian's, for one) has them under its prefix, which spares a download.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function build(level) {
  const outDir = join(pkgDir, 'build', level);
  const outFile = join(outDir, 'addon.node');
  const stampFile = join(outDir, 'stamp.json');
  if (!values.force && existsSync(outFile) && existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    if (stamp.version === version && stamp.level === level) {
      say(`${level}: up to date (hnswlib-node ${version})`);
      return true;
    }
  }
  // A copy of the sources, so npm's build and its object files stay as they are.
  const work = mkdtempSync(join(tmpdir(), `lumen-hnsw-${level}-`));
  try {
    for (const part of ['binding.gyp', 'package.json', 'src'])
      cpSync(join(pkgDir, part), join(work, part), { recursive: true });
    const started = Date.now();
    const r = spawnSync(
      process.execPath,
      [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--release', ...nodedirArgs()],
      {
        cwd: work,
        encoding: 'utf8',
        // binding.gyp asks Node for node-addon-api's headers from the copy's folder.
        env: { ...process.env, CXXFLAGS: `-march=${level}`, NODE_PATH: join(root, 'node_modules') },
      },
    );
    const built = join(work, 'build', 'Release', 'addon.node');
    if (r.status !== 0 || !existsSync(built)) {
      const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
      say(
        `${level}: could not compile (${r.error?.message ?? `exit ${r.status}`}); npm's build stays in use\n${tail}`,
      );
      return false;
    }
    mkdirSync(outDir, { recursive: true });
    copyFileSync(built, outFile);
    writeFileSync(stampFile, `${JSON.stringify({ version, level }, null, 2)}\n`);
    say(`${level}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

for (const level of LEVELS) build(level);
