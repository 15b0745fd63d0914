// The CLIP runtime's front door: open a model folder, turn images and texts into L2-normalised
// embeddings in one space, on the best execution provider present. Sessions are created lazily.

import { availableParallelism } from 'node:os';
import { quietLogger, type Logger } from '../log.js';
import type { ImageInput } from '../images/image-source.js';
import { defaultPrecision, type TowerPrecisions } from './default-precision.js';
import { ModelFolderError } from './errors.js';
import { readModelFolder } from './model-folder.js';
import { PRECISIONS, type ModelSpec, type Precision, type TowerFiles } from './model-spec.js';
import {
  detectEnvironment,
  resolveProviders,
  type ProviderChoice,
  type ProviderEnvironment,
  type ProviderName,
} from './providers.js';
import { probabilities } from './scoring.js';
import { TextEncoder } from './text-encoder.js';
import { VisionEncoder, type EncodeImagesOptions, type ImageResult } from './vision-encoder.js';

export interface ClipModelOptions {
  /** One precision for both towers, or one each. Default: defaultPrecision's, per encoder. */
  precision?: Precision | { vision?: Precision; text?: Precision };
  providers?: ProviderChoice;
  /** Intra-op threads per session; default: all cores. */
  threads?: number;
  imageBatchSize?: number;
  logger?: Logger;
  /** Override hardware detection (tests). */
  env?: ProviderEnvironment;
}

export interface ClipModelInfo {
  name: string;
  dir: string;
  family: ModelSpec['family'];
  embedDim: number;
  precision: { vision: Precision; text: Precision };
  /** Intra-op threads per session. */
  threads: number;
  /** Providers in the order they will be tried. */
  providerOrder: ProviderName[];
  /** The provider that ran each tower last, null before its first run. */
  ran: { vision: ProviderName | null; text: ProviderName | null };
  fallbacks: { tower: 'vision' | 'text'; provider: ProviderName; reason: string }[];
}

/** Graphs whose activations are quantised per run: a row's result depends on the rows beside it. */
const DYNAMIC_QUANT: readonly Precision[] = ['quantized', 'int8', 'uint8'];

function pickVariant(
  tower: TowerFiles,
  wanted: Precision,
  stem: string,
  dir: string,
): { precision: Precision; file: string } {
  const file = tower.variants[wanted];
  if (!file) {
    const have = Object.keys(tower.variants).join(', ');
    throw new ModelFolderError(`${dir}/onnx/${stem}`, `has no ${wanted} variant (present: ${have})`);
  }
  return { precision: wanted, file };
}

/** The graphs each tower of a model folder has. */
export function towerPrecisions(spec: ModelSpec): TowerPrecisions {
  const of = (t: TowerFiles): Precision[] => PRECISIONS.filter((p) => t.variants[p] !== undefined);
  return { vision: of(spec.vision), text: of(spec.textTower) };
}

export class ClipModel {
  readonly vision: VisionEncoder;
  readonly text: TextEncoder;
  readonly precision: { vision: Precision; text: Precision };
  readonly providerOrder: ProviderName[];
  readonly threads: number;

  private constructor(
    readonly spec: ModelSpec,
    options: ClipModelOptions,
  ) {
    const env = options.env ?? detectEnvironment();
    this.providerOrder = resolveProviders(options.providers ?? 'auto', env);
    const settings = {
      providers: this.providerOrder,
      env,
      threads: options.threads ?? availableParallelism(),
      logger: options.logger ?? quietLogger,
    };
    this.threads = settings.threads;
    const p = options.precision;
    // Unless asked, each encoder at the one default every entry point shares (default-precision.ts).
    const fallback = defaultPrecision(towerPrecisions(spec), this.providerOrder[0] === 'cpu');
    if (!fallback) throw new ModelFolderError(`${spec.dir}/onnx`, 'has no graph for one of the encoders');
    const v = pickVariant(
      spec.vision,
      (typeof p === 'string' ? p : p?.vision) ?? fallback.vision,
      'vision_model',
      spec.dir,
    );
    const t = pickVariant(
      spec.textTower,
      (typeof p === 'string' ? p : p?.text) ?? fallback.text,
      'text_model',
      spec.dir,
    );
    this.precision = { vision: v.precision, text: t.precision };
    this.vision = new VisionEncoder(v.file, spec.image, settings, options.imageBatchSize);
    this.text = new TextEncoder(
      t.file,
      spec.text,
      spec.tokenizerJson,
      spec.tokenizerConfig,
      settings,
      DYNAMIC_QUANT.includes(t.precision),
    );
  }

  /** Reads and validates the folder; sessions are created on first use. */
  static open(dir: string, options: ClipModelOptions = {}): ClipModel {
    return new ClipModel(readModelFolder(dir), options);
  }

  get embedDim(): number {
    return this.spec.embedDim;
  }

  /** Loads both graphs now (otherwise they load on first use); surfaces a bad file early. */
  async load(): Promise<void> {
    await Promise.all([this.vision.session.get(), this.text.session.get()]);
  }

  encodeImages(inputs: readonly ImageInput[], options?: EncodeImagesOptions): Promise<Float32Array[]> {
    return this.vision.encodeAll(inputs, options);
  }

  /** Per-image results: a failed image does not stop the others. */
  encodeImagesSettled(inputs: readonly ImageInput[], options?: EncodeImagesOptions): Promise<ImageResult[]> {
    return this.vision.encode(inputs, options);
  }

  encodeTexts(texts: readonly string[]): Promise<Float32Array[]> {
    return this.text.encode(texts);
  }

  async encodeText(text: string): Promise<Float32Array> {
    const [embedding] = await this.text.encode([text]);
    if (!embedding) throw new Error('text encoder returned nothing');
    return embedding;
  }

  /** Zero-shot classification: the model's probabilities of each label text for one image embedding. */
  classify(image: Float32Array, labels: readonly Float32Array[]): number[] {
    return probabilities(this.spec.scoring, image, labels);
  }

  info(): ClipModelInfo {
    return {
      name: this.spec.name,
      dir: this.spec.dir,
      family: this.spec.family,
      embedDim: this.spec.embedDim,
      precision: this.precision,
      threads: this.threads,
      providerOrder: this.providerOrder,
      ran: { vision: this.vision.provider, text: this.text.provider },
      fallbacks: [
        ...this.vision.session.failures.map((f) => ({ tower: 'vision' as const, ...f })),
        ...this.text.session.failures.map((f) => ({ tower: 'text' as const, ...f })),
      ],
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.vision.session.dispose(), this.text.session.dispose()]);
  }
}
