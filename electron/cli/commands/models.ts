// lumen models: the model catalogue and the local model cache shared with the app. list what exists
// and what is installed, download a model (progress, resume, SHA-256 checks, atomic placement),
// import a model folder from disk, and choose the model (and variant) every command uses.

import { parseArgs } from 'node:util';
import { PRECISIONS, type Precision } from '../../core/clip/model-spec.js';
import {
  defaultModel,
  defaultVariant,
  describeDownload,
  findModel,
  loadCatalogue,
  variantsOf,
} from '../../core/models/catalogue.js';
import { listModels, readModelSettings, writeModelSettings } from '../../core/models/installed.js';
import { importModelFolder } from '../../core/models/model-import.js';
import { actionError, EXIT, usageError } from '../cli-error.js';
import { printer, type Command } from '../command.js';
import { downloadWithProgress } from '../model-download.js';
import { table } from '../table.js';

const OPTIONS = {
  json: { type: 'boolean' },
  variant: { type: 'string' },
  root: { type: 'string' },
  hub: { type: 'string' },
  id: { type: 'string' },
} as const;

function variantOf(text: string | undefined): Precision | undefined {
  if (text === undefined) return undefined;
  if (!(PRECISIONS as readonly string[]).includes(text))
    throw usageError(`--variant must be one of ${PRECISIONS.join(', ')}`);
  return text as Precision;
}

/** The command's actions, in the order its help lists them. */
const ACTIONS: readonly string[] = ['list', 'download', 'import', 'use'];

export const models: Command = {
  name: 'models',
  summary: 'the model catalogue and cache: list, download, import, use',
  help: `lumen models <action> [options]

  list                         catalogue models and imported ones: id, repository,
                               whether present, installed variants
  download [ID] [--variant V]  download a model (default: the catalogue's default,
                               quantized): resumable, every file checked against the
                               hub's SHA-256, placed only when complete
  import DIR [--id ID]         copy a model folder (Hugging Face ONNX layout) into the
                               cache after validating it
  use ID [--variant V]         the model every command uses when --model is not given

  --root DIR    the model cache (default: the app-data folder's models/, shared with the app)
  --hub URL     a Hugging Face mirror with the same URL scheme (default $LUMEN_HUB_URL,
                else https://huggingface.co)
  --json        print JSON`,
  async run(argv, out, err) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    const [action, arg] = positionals;
    const root = values.root ? { root: values.root } : {};
    const print = printer(out, values.json);
    switch (action) {
      case 'list': {
        const settings = readModelSettings();
        const rows = listModels(root).map((m) => ({
          id: m.id,
          name: m.name,
          repository: m.entry?.repo ?? null,
          family: m.entry?.family ?? null,
          present: m.installed,
          installedVariants: m.installedVariants,
          offeredVariants: m.offeredVariants,
          default: m.isDefault,
          selected: settings.model === m.id,
          dir: m.dir,
          goodFor: m.entry?.goodFor ?? null,
        }));
        print(
          rows,
          table(
            ['MODEL', 'REPOSITORY', 'STATE'],
            rows.map((r) => [
              `${r.id}${r.selected ? ' (in use)' : ''}${r.default ? ' (default)' : ''}`,
              r.repository ?? '(imported)',
              r.present ? `installed (${r.installedVariants.join(', ')})` : 'not installed',
            ]),
          ),
        );
        return EXIT.ok;
      }
      case 'download': {
        const catalogue = loadCatalogue();
        const entry = arg ? findModel(catalogue, arg) : defaultModel(catalogue);
        if (!entry) throw usageError(`no model "${arg ?? ''}" in the catalogue (lumen models list)`);
        const asked = variantOf(values.variant);
        if (asked && !variantsOf(entry).includes(asked))
          throw usageError(`${entry.id} has no ${asked} variant (it has ${variantsOf(entry).join(', ')})`);
        const variant = asked ?? defaultVariant(entry);
        if (entry.requires.length)
          err.write(`note: ${entry.id} needs runtime support for ${entry.requires.join(', ')}\n`);
        const result = await downloadWithProgress(entry, variant, err, {
          ...root,
          ...(values.hub && { hubUrl: values.hub }),
        });
        print(
          result,
          `${result.alreadyInstalled ? 'already installed' : 'installed'}: ${result.id} (${describeDownload(entry, variant)}) in ${result.dir}\n`,
        );
        return EXIT.ok;
      }
      case 'import': {
        if (!arg) throw usageError('models import needs a folder');
        const result = await importModelFolder(arg, { ...root, ...(values.id && { id: values.id }) });
        print(result, `imported ${result.id} (${result.variants.join(', ')}) into ${result.dir}\n`);
        return EXIT.ok;
      }
      case 'use': {
        if (!arg) throw usageError('models use needs a model id (lumen models list)');
        const listing = listModels(root).find((m) => m.id === arg);
        if (!listing?.installed)
          throw usageError(`model "${arg}" is not installed (lumen models download ${arg})`);
        const variant = variantOf(values.variant);
        if (variant && !listing.installedVariants.includes(variant))
          throw usageError(
            `${arg} has no ${variant} variant installed (${listing.installedVariants.join(', ')})`,
          );
        writeModelSettings({ model: arg, ...(variant && { variant }) });
        print({ model: arg, variant: variant ?? null }, `using ${arg}${variant ? ` (${variant})` : ''}\n`);
        return EXIT.ok;
      }
      default:
        throw actionError(action, ACTIONS);
    }
  },
};
