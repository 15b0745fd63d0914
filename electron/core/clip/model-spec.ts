// The plain-data description of a CLIP-family model that the rest of the runtime works from.
// Everything here is read from the model folder (see model-folder.ts), never assumed.

export type ModelFamily = 'clip' | 'siglip';

/** Graph variants in the Transformers.js layout: onnx/{vision,text}_model{suffix}.onnx. */
export const PRECISION_SUFFIXES = {
  fp32: '',
  fp16: '_fp16',
  quantized: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;
export type Precision = keyof typeof PRECISION_SUFFIXES;
export const PRECISIONS = Object.keys(PRECISION_SUFFIXES) as Precision[];

export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

export interface ImageSpec {
  /** Resize target: the shortest edge to a length (CLIP), or an exact height x width (SigLIP). */
  resize: { shortestEdge: number } | { height: number; width: number } | null;
  kernel: ResizeKernel;
  /** Centre crop after resizing, or null. */
  crop: { height: number; width: number } | null;
  /** Final tensor size fed to the vision graph. */
  height: number;
  width: number;
  rescale: number | null;
  mean: readonly [number, number, number] | null;
  std: readonly [number, number, number] | null;
  convertRgb: boolean;
}

export interface TextSpec {
  /** Longest token sequence the text graph accepts, special tokens included. */
  contextLength: number;
  /** 'longest': pad a batch to its longest member (CLIP); 'max_length': always pad to contextLength (SigLIP). */
  padding: 'longest' | 'max_length';
  padId: number;
  bosId: number | null;
  eosId: number | null;
}

export type ScoringSpec =
  | { kind: 'softmax'; logitScale: number; source: LogitSource }
  | { kind: 'sigmoid'; logitScale: number; logitBias: number; source: LogitSource };

/** Where the logit scale came from: the trained value, or only the initial value that HF configs carry. */
export type LogitSource = 'config.logit_scale' | 'config.logit_scale_init_value';

export interface TowerFiles {
  /** Every precision present on disk, by precision. */
  variants: Partial<Record<Precision, string>>;
}

export interface ModelSpec {
  dir: string;
  /** Human name: config `_name_or_path` or the folder's name. */
  name: string;
  family: ModelFamily;
  embedDim: number;
  image: ImageSpec;
  text: TextSpec;
  scoring: ScoringSpec;
  vision: TowerFiles;
  textTower: TowerFiles;
  tokenizerJson: unknown;
  tokenizerConfig: unknown;
}
