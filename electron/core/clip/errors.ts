// Errors the CLIP runtime raises, each naming the file or input at fault so a user can act on it.

/** A model folder is incomplete, malformed or has a graph we cannot drive. */
export class ModelFolderError extends Error {
  override readonly name = 'ModelFolderError';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** An image could not be decoded or preprocessed. */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly source: string,
    /** The reason alone, without the source: what a per-photo error column shows. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${detail}`, options);
  }
}

/** Every execution provider that was tried failed; carries each one's reason. */
export class NoProviderError extends Error {
  override readonly name = 'NoProviderError';
  constructor(
    readonly file: string,
    readonly reasons: readonly { provider: string; reason: string }[],
  ) {
    super(
      `${file}: no execution provider could run it (${reasons.map((r) => `${r.provider}: ${r.reason}`).join('; ')})`,
    );
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
