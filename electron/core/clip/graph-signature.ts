// Checks that an ONNX graph has an input/output signature the runtime can drive, and records how to feed it:
// names, element types (float32 or float16 pixels; int64 or int32 ids) and whether axes are fixed or dynamic.

import type { InferenceSession } from 'onnxruntime-node';
import { ModelFolderError } from './errors.js';

type Dim = number | string;

export interface VisionSignature {
  kind: 'vision';
  input: string;
  inputType: 'float32' | 'float16';
  output: string;
  outputType: 'float32' | 'float16';
  /** Fixed batch size, if the graph has one. */
  fixedBatch: number | null;
}

export interface TextSignature {
  kind: 'text';
  idsInput: string;
  idsType: 'int64' | 'int32';
  /** Present when the graph declares an attention mask input. */
  maskInput: string | null;
  output: string;
  outputType: 'float32' | 'float16';
  /** Fixed sequence length, if the graph has one (then every query is padded to it). */
  fixedLength: number | null;
  fixedBatch: number | null;
}

const VISION_OUTPUTS = ['image_embeds', 'pooler_output'];
const TEXT_OUTPUTS = ['text_embeds', 'pooler_output'];

interface GraphIo {
  inputMetadata: readonly InferenceSession.ValueMetadata[];
  outputMetadata: readonly InferenceSession.ValueMetadata[];
}

function describe(io: GraphIo): string {
  const one = (m: InferenceSession.ValueMetadata): string =>
    m.isTensor ? `${m.name}: ${m.type}[${m.shape.join(', ')}]` : `${m.name}: (not a tensor)`;
  return `inputs {${io.inputMetadata.map(one).join('; ')}}, outputs {${io.outputMetadata.map(one).join('; ')}}`;
}

function tensor(
  io: GraphIo,
  list: 'inputMetadata' | 'outputMetadata',
  name: string,
): InferenceSession.TensorValueMetadata | null {
  const m = io[list].find((x) => x.name === name);
  return m?.isTensor ? m : null;
}

const fixed = (d: Dim | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);

function floatOutput(
  file: string,
  io: GraphIo,
  candidates: string[],
): { name: string; type: 'float32' | 'float16' } {
  for (const name of candidates) {
    const m = tensor(io, 'outputMetadata', name);
    if (m && (m.type === 'float32' || m.type === 'float16') && m.shape.length === 2)
      return { name, type: m.type };
  }
  throw new ModelFolderError(
    file,
    `unsupported signature: no ${candidates.join(' or ')} output of shape [batch, dim] (${describe(io)})`,
  );
}

export function visionSignature(file: string, io: GraphIo, height: number, width: number): VisionSignature {
  const extra = io.inputMetadata.filter((m) => m.name !== 'pixel_values');
  const px = tensor(io, 'inputMetadata', 'pixel_values');
  if (!px || extra.length > 0 || (px.type !== 'float32' && px.type !== 'float16') || px.shape.length !== 4) {
    throw new ModelFolderError(
      file,
      `unsupported signature: expected one input pixel_values float[batch, 3, H, W] (${describe(io)})`,
    );
  }
  const [b, c, h, w] = px.shape;
  const mismatch = (d: Dim | undefined, want: number): boolean => fixed(d) !== null && fixed(d) !== want;
  if (mismatch(c, 3) || mismatch(h, height) || mismatch(w, width)) {
    throw new ModelFolderError(
      file,
      `pixel_values is [${px.shape.join(', ')}] but preprocessor_config.json gives 3x${height}x${width}`,
    );
  }
  const out = floatOutput(file, io, VISION_OUTPUTS);
  return {
    kind: 'vision',
    input: 'pixel_values',
    inputType: px.type,
    output: out.name,
    outputType: out.type,
    fixedBatch: fixed(b),
  };
}

export function textSignature(file: string, io: GraphIo): TextSignature {
  const ids = tensor(io, 'inputMetadata', 'input_ids');
  const mask = tensor(io, 'inputMetadata', 'attention_mask');
  const extra = io.inputMetadata.filter((m) => m.name !== 'input_ids' && m.name !== 'attention_mask');
  if (!ids || extra.length > 0 || (ids.type !== 'int64' && ids.type !== 'int32') || ids.shape.length !== 2) {
    throw new ModelFolderError(
      file,
      `unsupported signature: expected input_ids int64[batch, sequence] (+ attention_mask) (${describe(io)})`,
    );
  }
  if (mask && (mask.type !== ids.type || mask.shape.length !== 2)) {
    throw new ModelFolderError(
      file,
      `unsupported signature: attention_mask must match input_ids (${describe(io)})`,
    );
  }
  const out = floatOutput(file, io, TEXT_OUTPUTS);
  return {
    kind: 'text',
    idsInput: 'input_ids',
    idsType: ids.type,
    maskInput: mask ? 'attention_mask' : null,
    output: out.name,
    outputType: out.type,
    fixedLength: fixed(ids.shape[1]),
    fixedBatch: fixed(ids.shape[0]),
  };
}
