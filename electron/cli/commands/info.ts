// lumen info: what a model folder holds and how the runtime will run it here. With no model installed it
// still says what this machine offers and how to get one, and exits 0.

import { parseArgs } from 'node:util';
import { detectEnvironment, type ProviderEnvironment } from '../../core/clip/providers.js';
import { EXIT } from '../cli-error.js';
import { ensureModel } from '../first-run.js';
import { ClipModel } from '../../core/clip/clip-model.js';
import { libraryModelOptions } from '../../core/library/open-library.js';
import { describeHnswBuild, hnswlib } from '../../core/library/hnsw-binding.js';
import { describeSearchHealth, readSearchHealthAt } from '../../core/library/search-check.js';
import { EXACT_LIMIT } from '../../core/library/search.js';
import { databasePath } from '../library-options.js';
import { configuredModel, MODEL_HELP, MODEL_OPTIONS, modelOptions } from '../model-options.js';
import type { Command, Output } from '../command.js';

const machine = (env: ProviderEnvironment): string => {
  const missing = Object.keys(env.missing);
  const usable = env.compiled.filter((p) => !missing.includes(p));
  const lacking = missing.length ? ` (${missing.join(', ')}: libraries not installed)` : '';
  return `this machine ${env.platform}, onnxruntime providers: ${usable.join(', ')}${lacking}; GPU ${env.gpu ? 'present' : 'not found'}`;
};

function noModel(out: Output, json: boolean | undefined): number {
  const environment = detectEnvironment();
  out.write(
    json
      ? `${JSON.stringify({ model: null, environment }, null, 2)}\n`
      : `model       none installed yet: run "lumen models download" (or pass --model DIR)\n${machine(environment)}\n`,
  );
  return EXIT.ok;
}

export const info: Command = {
  name: 'info',
  summary: 'describe a model folder and the execution providers found here',
  help: `lumen info [options]

Loads the model's graphs and reports its family, embedding size, input size,
context length, logit scale, the precisions present, the threads, the
providers that ran, how the library's search runs (the recall its last
self-check measured) and which build of hnswlib this CPU runs. With no model
installed, says so and what this machine offers (exit 0).

${MODEL_HELP}
  --db PATH            the library whose thread setting applies (default: the app's)
  --json               print one JSON object`,
  async run(argv, out) {
    const { values } = parseArgs({
      args: argv,
      options: { ...MODEL_OPTIONS, db: { type: 'string' }, json: { type: 'boolean' } },
    });
    await ensureModel(values);
    const choice = configuredModel(values);
    if (choice === null) return noModel(out, values.json);
    // As the library's commands will run it: its thread setting applies unless --threads is given.
    const model = ClipModel.open(
      choice.dir,
      libraryModelOptions(databasePath(values), choice, modelOptions(values)),
    );
    try {
      await model.encodeText('a photo');
      const spec = model.spec;
      const env = detectEnvironment();
      const graph = hnswlib();
      const report = {
        ...model.info(),
        image: {
          height: spec.image.height,
          width: spec.image.width,
          resize: spec.image.resize,
          kernel: spec.image.kernel,
        },
        text: spec.text,
        scoring: spec.scoring,
        variants: { vision: Object.keys(spec.vision.variants), text: Object.keys(spec.textTower.variants) },
        search: readSearchHealthAt(databasePath(values)),
        graph: { build: graph.build, fellBack: graph.fellBack },
        environment: env,
      };
      if (values.json) {
        out.write(`${JSON.stringify(report, null, 2)}\n`);
        return EXIT.ok;
      }
      out.write(
        [
          `model       ${report.name} (${report.family}) at ${report.dir}`,
          `embedding   ${report.embedDim} dimensions`,
          `image       ${report.image.width}x${report.image.height}, ${report.image.kernel} resize`,
          `runs on     ${report.threads} thread${report.threads === 1 ? '' : 's'} per session (--threads)`,
          `text        context ${spec.text.contextLength} tokens, ${spec.text.padding} padding`,
          `scoring     ${spec.scoring.kind}, logit scale ${spec.scoring.logitScale.toFixed(2)} (${spec.scoring.source})`,
          `variants    vision: ${report.variants.vision.join(', ')}; text: ${report.variants.text.join(', ')}`,
          `providers   tried in order: ${report.providerOrder.join(' > ')}; text ran on ${report.ran.text ?? '-'}`,
          `search      ${describeSearchHealth(report.search, EXACT_LIMIT)}`,
          `graph       ${describeHnswBuild(graph)}`,
          ...report.fallbacks.map((f) => `  fallback  ${f.tower} ${f.provider}: ${f.reason}`),
          machine(env),
          '',
        ].join('\n'),
      );
      return EXIT.ok;
    } finally {
      await model.dispose();
    }
  },
};
