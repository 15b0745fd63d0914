// lumen info: what a model folder holds and how the runtime will run it here.

import { parseArgs } from 'node:util';
import { detectEnvironment } from '../../core/clip/providers.js';
import { EXIT } from '../cli-error.js';
import { ensureModel } from '../first-run.js';
import { MODEL_HELP, MODEL_OPTIONS, openModel } from '../model-options.js';
import type { Command } from '../command.js';

export const info: Command = {
  name: 'info',
  summary: 'describe a model folder and the execution providers found here',
  help: `lumen info [options]

Loads the model's graphs and reports its family, embedding size, input size,
context length, logit scale, the precisions present and the providers that ran.

${MODEL_HELP}
  --json               print one JSON object`,
  async run(argv, out) {
    const { values } = parseArgs({ args: argv, options: { ...MODEL_OPTIONS, json: { type: 'boolean' } } });
    await ensureModel(values);
    const model = openModel(values);
    try {
      await model.encodeText('a photo');
      const spec = model.spec;
      const env = detectEnvironment();
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
          `text        context ${spec.text.contextLength} tokens, ${spec.text.padding} padding`,
          `scoring     ${spec.scoring.kind}, logit scale ${spec.scoring.logitScale.toFixed(2)} (${spec.scoring.source})`,
          `variants    vision: ${report.variants.vision.join(', ')}; text: ${report.variants.text.join(', ')}`,
          `providers   tried in order: ${report.providerOrder.join(' > ')}; text ran on ${report.ran.text ?? '-'}`,
          ...report.fallbacks.map((f) => `  fallback  ${f.tower} ${f.provider}: ${f.reason}`),
          `this machine ${env.platform}, onnxruntime providers: ${env.compiled.join(', ')}; GPU ${env.gpu ? 'present' : 'not found'}`,
          '',
        ].join('\n'),
      );
      return EXIT.ok;
    } finally {
      await model.dispose();
    }
  },
};
