// lumen classify: zero-shot classification of images into the user's labels, as in the CLIP paper.

import { parseArgs } from 'node:util';
import { EXIT, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { ensureModel } from '../first-run.js';
import { MODEL_HELP, MODEL_OPTIONS, openModel } from '../model-options.js';

export const classify: Command = {
  name: 'classify',
  summary: 'zero-shot classify images into labels',
  help: `lumen classify IMAGE... --labels "cat,dog,car" [--template "a photo of a {}."] [options]

Each label becomes a prompt through the template; each image gets the model's
probability for every label (softmax for CLIP, sigmoid for SigLIP).

${MODEL_HELP}
  --labels LIST        comma-separated labels (required)
  --template T         prompt template with {} for the label (default "a photo of a {}.")
  --json               print one JSON array of {image, best, scores} or {image, error}`,
  async run(argv, out) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...MODEL_OPTIONS,
        labels: { type: 'string' },
        template: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const labels = (values.labels ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    if (labels.length < 2) throw usageError('--labels needs at least two comma-separated labels');
    if (positionals.length === 0) throw usageError('no images given');
    const template = values.template ?? 'a photo of a {}.';
    if (!template.includes('{}')) throw usageError('--template must contain {}');
    await ensureModel(values);
    const model = openModel(values);
    try {
      const prompts = await model.encodeTexts(labels.map((l) => template.replace('{}', l)));
      const results = (await model.encodeImagesSettled(positionals)).map((r, i) => {
        const image = positionals[i] ?? '';
        if (!r.ok) return { image, error: r.error };
        const probs = model.classify(r.embedding, prompts);
        const scores = Object.fromEntries(labels.map((l, j) => [l, Number((probs[j] ?? 0).toFixed(4))]));
        const best = labels[probs.indexOf(Math.max(...probs))] ?? '';
        return { image, best, scores };
      });
      if (values.json) out.write(`${JSON.stringify(results)}\n`);
      else
        for (const r of results)
          out.write(
            'error' in r
              ? `${r.image}\terror: ${r.error}\n`
              : `${r.image}\t${r.best}\t${(r.scores[r.best] ?? 0).toFixed(3)}\n`,
          );
      return results.some((r) => 'error' in r) ? EXIT.failure : EXIT.ok;
    } finally {
      await model.dispose();
    }
  },
};
