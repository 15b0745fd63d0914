// Which folder may import which, said once and enforced by ESLint (`npm run check` fails on a wrong-way
// import). Folders follow runtimes: electron/core is plain Node (the CLI, the engine and the tests run
// it); electron/cli and electron/engine build on core; electron/main (Electron's main process) and
// electron/preload sit on top; electron/shared is the typed contract every side uses and imports none
// of them; renderer/ (the Svelte UI) reaches the rest only through electron/shared. Electron itself is
// imported for real only by main/main.ts and preload/preload.ts; the other main and preload modules
// and the engine take it for types, so they run in plain Node. bench/ and scripts/ never import test/.

/** A relative import that reaches into a folder named `name` (e.g. '../../cli/x.js'). */
const into = (name, why) => ({ regex: `(^|/)${name}/`, message: why });

const LAYERS = {
  core: "electron/core is plain Node under every entry point: it imports no entry point's code (cli, engine, main, preload), no UI contract (shared) and no renderer or test code",
  shared: 'electron/shared is the contract: it imports nothing of the processes that use it',
  cli: 'electron/cli builds on core and engine; it never imports main, preload, the renderer or tests',
  engine:
    'electron/engine builds on core and shared; opening a library or choosing a model belongs in core, not in the CLI',
  main: 'electron/main wires Electron to engine and shared; it never imports the CLI, the preload, the renderer or tests',
  preload: 'electron/preload is a thin pipe over electron/shared',
  renderer: 'the renderer reaches the engine through electron/shared only',
  tools: 'bench/ and scripts/ never import test/ (shared helpers live in scripts/)',
};

const noElectron = {
  name: 'electron',
  message: 'Electron is imported for real only by main/main.ts and preload/preload.ts',
};
const electronTypesOnly = { ...noElectron, allowTypeImports: true };

/** One block per folder: the rule is @typescript-eslint/no-restricted-imports (it knows type-only imports). */
const block = (files, patterns, paths = [noElectron], ignores = []) => ({
  files,
  ...(ignores.length && { ignores }),
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] },
});

export const layerRules = [
  block(
    ['electron/core/**/*.ts'],
    ['cli', 'engine', 'main', 'preload', 'shared', 'renderer', 'test'].map((n) => into(n, LAYERS.core)),
  ),
  block(
    ['electron/shared/**/*.ts'],
    ['core', 'cli', 'engine', 'main', 'preload', 'renderer', 'test'].map((n) => into(n, LAYERS.shared)),
    [electronTypesOnly],
  ),
  block(
    ['electron/cli/**/*.ts'],
    ['main', 'preload', 'renderer', 'test'].map((n) => into(n, LAYERS.cli)),
  ),
  block(
    ['electron/engine/**/*.ts'],
    ['cli', 'main', 'preload', 'renderer', 'test'].map((n) => into(n, LAYERS.engine)),
    [electronTypesOnly],
  ),
  block(
    ['electron/main/**/*.ts'],
    ['cli', 'preload', 'renderer', 'test'].map((n) => into(n, LAYERS.main)),
    [electronTypesOnly],
    ['electron/main/main.ts'],
  ),
  block(
    ['electron/main/main.ts'],
    ['cli', 'preload', 'renderer', 'test'].map((n) => into(n, LAYERS.main)),
    [],
  ),
  block(
    ['electron/preload/**/*.ts'],
    ['core', 'cli', 'engine', 'main', 'renderer', 'test'].map((n) => into(n, LAYERS.preload)),
    [electronTypesOnly],
    ['electron/preload/preload.ts'],
  ),
  block(
    ['electron/preload/preload.ts'],
    ['core', 'cli', 'engine', 'main', 'renderer', 'test'].map((n) => into(n, LAYERS.preload)),
    [],
  ),
  block(
    ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    [{ regex: '(^|/)electron/(?!shared/)', message: LAYERS.renderer }, into('test', LAYERS.renderer)],
  ),
  block(['bench/**/*.ts', 'scripts/**/*.ts'], [into('test', LAYERS.tools)], []),
];
