// Reads a model folder in the Hugging Face / Transformers.js ONNX layout into a ModelSpec:
//   config.json, preprocessor_config.json, tokenizer.json (+ tokenizer_config.json),
//   onnx/vision_model{,_fp16,_quantized,...}.onnx and onnx/text_model{...}.onnx.
// Sizes, normalisation, context length, special tokens and the logit scale all come from these files.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ModelFolderError } from './errors.js';
import { isRecord, JsonFields } from './json-fields.js';
import {
  PRECISION_SUFFIXES,
  PRECISIONS,
  type ImageSpec,
  type ModelFamily,
  type ModelSpec,
  type ResizeKernel,
  type ScoringSpec,
  type TextSpec,
  type TowerFiles,
} from './model-spec.js';

// PIL resample codes as stored in preprocessor_config.json. Box and Hamming have no sharp kernel;
// linear is the closest in support and smoothing.
const PIL_RESAMPLE: Record<number, ResizeKernel> = {
  0: 'nearest',
  1: 'lanczos3',
  2: 'linear',
  3: 'cubic',
  4: 'linear',
  5: 'linear',
};

export function readModelFolder(dir: string): ModelSpec {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ModelFolderError(dir, 'is not a model folder (it does not exist or is not a directory)');
  }
  const config = JsonFields.read(join(dir, 'config.json'));
  const family = readFamily(config);
  const pre = JsonFields.read(join(dir, 'preprocessor_config.json'));
  const tokenizerFile = join(dir, 'tokenizer.json');
  const tokenizer = JsonFields.read(tokenizerFile);
  const tokConfigFile = join(dir, 'tokenizer_config.json');
  const tokConfig = existsSync(tokConfigFile) ? JsonFields.read(tokConfigFile) : null;

  return {
    dir,
    name: config.str('_name_or_path', '') || basename(dir),
    family,
    embedDim: readEmbedDim(config, family),
    image: readImageSpec(pre, family),
    text: readTextSpec(config, tokenizer, tokConfig, family),
    scoring: readScoring(config, family),
    vision: findTower(dir, 'vision_model'),
    textTower: findTower(dir, 'text_model'),
    tokenizerJson: tokenizer.raw,
    tokenizerConfig: tokConfig?.raw ?? {},
  };
}

function readFamily(config: JsonFields): ModelFamily {
  const type = config.str('model_type');
  if (type === 'clip' || type === 'siglip') return type;
  throw new ModelFolderError(config.file, `model_type "${type}" is not supported (supported: clip, siglip)`);
}

function readEmbedDim(config: JsonFields, family: ModelFamily): number {
  if (family === 'clip') return config.int('projection_dim');
  // SigLIP has no projection: the pooled width is the embedding.
  const text = config.child('text_config');
  if (!text) throw new ModelFolderError(config.file, '"text_config" is missing');
  return text.int('hidden_size');
}

function sizeOf(
  fields: JsonFields,
  key: string,
): { height: number; width: number } | { shortestEdge: number } | null {
  const v = fields.value(key);
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return { shortestEdge: fields.int(key) };
  const o = fields.child(key);
  if (o?.has('shortest_edge')) return { shortestEdge: o.int('shortest_edge') };
  if (o?.has('height') && o.has('width')) return { height: o.int('height'), width: o.int('width') };
  throw new ModelFolderError(fields.file, `"${key}" must be a number, {shortest_edge} or {height, width}`);
}

export function readImageSpec(pre: JsonFields, family: ModelFamily): ImageSpec {
  const doResize = pre.bool('do_resize', true);
  let resize = doResize ? sizeOf(pre, 'size') : null;
  // A bare number means the shortest edge for CLIP, a square for SigLIP (as in transformers).
  if (resize && 'shortestEdge' in resize && family === 'siglip' && typeof pre.value('size') === 'number') {
    resize = { height: resize.shortestEdge, width: resize.shortestEdge };
  }
  const cropSize = sizeOf(pre, 'crop_size');
  const doCrop = pre.bool('do_center_crop', cropSize !== null);
  let crop: { height: number; width: number } | null = null;
  if (doCrop) {
    if (!cropSize) throw new ModelFolderError(pre.file, '"do_center_crop" is set but "crop_size" is missing');
    crop =
      'shortestEdge' in cropSize ? { height: cropSize.shortestEdge, width: cropSize.shortestEdge } : cropSize;
  }
  if (crop && resize) {
    const minH = 'height' in resize ? resize.height : resize.shortestEdge;
    const minW = 'width' in resize ? resize.width : resize.shortestEdge;
    if (crop.height > minH || crop.width > minW) {
      throw new ModelFolderError(pre.file, '"crop_size" is larger than the resized image ("size")');
    }
  }
  const final = crop ?? (resize && 'height' in resize ? resize : null);
  if (!final)
    throw new ModelFolderError(pre.file, 'neither "crop_size" nor a fixed "size" gives the input size');
  const resample = pre.num('resample', 3);
  const kernel = PIL_RESAMPLE[resample];
  if (!kernel) throw new ModelFolderError(pre.file, `"resample" ${resample} is not a known PIL filter`);
  const rescale = pre.bool('do_rescale', true) ? pre.num('rescale_factor', 1 / 255) : null;
  const normalize = pre.bool('do_normalize', true);
  const mean = normalize ? pre.triple('image_mean') : null;
  const std = normalize ? pre.triple('image_std') : null;
  if (normalize && (!mean || !std))
    throw new ModelFolderError(pre.file, '"do_normalize" needs "image_mean" and "image_std"');
  if (std?.some((s) => s === 0)) throw new ModelFolderError(pre.file, '"image_std" must not contain 0');
  return {
    resize,
    kernel,
    crop,
    height: final.height,
    width: final.width,
    rescale,
    mean,
    std,
    convertRgb: pre.bool('do_convert_rgb', true),
  };
}

/** Resolves a special token given as "text" or {content: "text"} to its id in tokenizer.json. */
function tokenId(tokenizer: JsonFields, token: unknown): number | null {
  const content =
    typeof token === 'string'
      ? token
      : isRecord(token) && typeof token.content === 'string'
        ? token.content
        : null;
  if (content === null) return null;
  const added = tokenizer.value('added_tokens');
  if (Array.isArray(added)) {
    for (const t of added) if (isRecord(t) && t.content === content && typeof t.id === 'number') return t.id;
  }
  const vocab = tokenizer.child('model')?.value('vocab');
  if (isRecord(vocab) && typeof vocab[content] === 'number') return vocab[content];
  if (Array.isArray(vocab)) {
    // Unigram vocabularies (SigLIP's SentencePiece) are [piece, score] pairs.
    const i = vocab.findIndex((v) => Array.isArray(v) && v[0] === content);
    if (i >= 0) return i;
  }
  throw new ModelFolderError(tokenizer.file, `special token "${content}" is not in the vocabulary`);
}

export function readTextSpec(
  config: JsonFields,
  tokenizer: JsonFields,
  tokConfig: JsonFields | null,
  family: ModelFamily,
): TextSpec {
  const textConfig = config.child('text_config');
  if (!textConfig) throw new ModelFolderError(config.file, '"text_config" is missing');
  // Transformers writes configs as a diff from the class defaults, so a missing context length means
  // the family's default (CLIPTextConfig 77, SiglipTextConfig 64), exactly as transformers reads it.
  let contextLength = textConfig.int('max_position_embeddings', family === 'siglip' ? 64 : 77);
  const maxLen = tokConfig?.optNum('model_max_length');
  // Tokenizer configs without a limit carry a huge sentinel (1e30); only a real limit narrows the context.
  if (maxLen != null && maxLen > 0 && maxLen < contextLength) contextLength = Math.floor(maxLen);
  if (!tokenizer.child('model')) throw new ModelFolderError(tokenizer.file, '"model" is missing');
  const special = (key: string): number | null =>
    tokConfig ? tokenId(tokenizer, tokConfig.value(key)) : null;
  const eosId = special('eos_token');
  const bosId = special('bos_token');
  const padId = special('pad_token') ?? eosId;
  if (padId === null)
    throw new ModelFolderError(tokConfig?.file ?? tokenizer.file, 'no pad_token or eos_token is defined');
  return { contextLength, padding: family === 'siglip' ? 'max_length' : 'longest', padId, bosId, eosId };
}

function readScoring(config: JsonFields, family: ModelFamily): ScoringSpec {
  // Hugging Face configs only carry the initial temperature; our exports and the catalogue add the trained one.
  const trained = config.optNum('logit_scale');
  const source = trained !== null ? 'config.logit_scale' : 'config.logit_scale_init_value';
  const logScale =
    trained ?? config.num('logit_scale_init_value', family === 'siglip' ? Math.log(10) : 2.6592);
  if (family === 'siglip') {
    return {
      kind: 'sigmoid',
      logitScale: Math.exp(logScale),
      logitBias: config.num('logit_bias', -10),
      source,
    };
  }
  return { kind: 'softmax', logitScale: Math.exp(logScale), source };
}

function findTower(dir: string, stem: 'vision_model' | 'text_model'): TowerFiles {
  const onnxDir = join(dir, 'onnx');
  const present = existsSync(onnxDir) ? new Set(readdirSync(onnxDir)) : new Set<string>();
  const variants: TowerFiles['variants'] = {};
  for (const p of PRECISIONS) {
    const file = `${stem}${PRECISION_SUFFIXES[p]}.onnx`;
    if (present.has(file)) variants[p] = join(onnxDir, file);
  }
  if (Object.keys(variants).length === 0) {
    throw new ModelFolderError(
      join(onnxDir, `${stem}.onnx`),
      'missing (no variant of this graph is in the folder)',
    );
  }
  return { variants };
}
