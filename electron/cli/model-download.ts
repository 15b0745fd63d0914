// Downloading a catalogue model from the CLI with a progress bar on stderr and Ctrl-C to stop (a
// later run resumes): shared by `lumen models download` and the first-run offer.

import type { CatalogueEntry, DownloadVariant } from '../core/models/catalogue.js';
import { DownloadError } from '../core/models/errors.js';
import { downloadModel, type DownloadResult } from '../core/models/hub-download.js';
import { CliError, EXIT } from './cli-error.js';
import { interruptSignal, type Output } from './command.js';
import { Progress } from './progress.js';

export const mb = (bytes: number | null | undefined): string =>
  bytes == null ? '?' : `${(bytes / 2 ** 20).toFixed(0)} MB`;

export async function downloadWithProgress(
  entry: CatalogueEntry,
  variant: DownloadVariant,
  err: Output,
  options: { root?: string; hubUrl?: string } = {},
): Promise<DownloadResult> {
  const bar = new Progress(err, 5000);
  const stop = interruptSignal();
  try {
    const result = await downloadModel(entry, variant, {
      ...options,
      signal: stop.signal,
      onProgress: (p) => {
        bar.update({
          label: `${p.phase} ${mb(p.bytes)} of ${mb(p.total)}`,
          done: p.filesDone,
          total: p.filesTotal,
        });
      },
    });
    bar.finish();
    return result;
  } catch (e) {
    bar.finish();
    if (e instanceof DownloadError)
      throw new CliError(
        `${e.message}${stop.signal.aborted ? '' : '\nrun the same command again to resume'}`,
        stop.signal.aborted ? 130 : EXIT.failure,
      );
    throw e;
  } finally {
    stop.release();
  }
}
