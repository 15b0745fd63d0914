// The precision each encoder runs at unless the user picks one: one rule for every path (`--model
// DIR`, `lumen models use`, the app, downloads), so a library is never embedded one way and searched
// another. On CPU the image encoder runs in full precision and the text encoder quantised: photos are
// embedded once and kept, so accuracy is worth the image encoder's time there (Ente keeps its image
// encoder fp32 and quantises only the text encoder; OpenVINO measures ViT-B/32 on ImageNet at 63.37 %
// fp32, 63.30 % int8 weight-only, 61.92 % int8 static; openai-clip-js found ORT's uint8 quantisation of
// the image encoder "noticeably worse"), while a query is one short text run that quantisation makes
// faster and smaller to download at little cost. On a GPU both run in full precision.

import type { Precision } from './model-spec.js';

/** Which graphs each encoder has. */
export interface TowerPrecisions {
  vision: readonly Precision[];
  text: readonly Precision[];
}

export interface EncoderPrecision {
  vision: Precision;
  text: Precision;
}

const FULL_FIRST: Precision[] = ['fp32', 'fp16', 'quantized', 'uint8', 'int8', 'q4f16', 'q4', 'bnb4'];
// fp16 last on CPU: onnxruntime's CPU kernels upcast it, slower than fp32 and no more accurate.
const VISION_ON_CPU: Precision[] = ['fp32', 'quantized', 'uint8', 'int8', 'q4', 'bnb4', 'fp16', 'q4f16'];
const TEXT_ON_CPU: Precision[] = ['quantized', 'uint8', 'int8', 'fp32', 'q4', 'bnb4', 'fp16', 'q4f16'];

/** The precision each encoder opens at by default among the graphs present; null for a missing tower. */
export function defaultPrecision(present: TowerPrecisions, onCpu: boolean): EncoderPrecision | null {
  const pick = (order: Precision[], have: readonly Precision[]): Precision | undefined =>
    order.find((p) => have.includes(p)) ?? have[0];
  const vision = pick(onCpu ? VISION_ON_CPU : FULL_FIRST, present.vision);
  const text = pick(onCpu ? TEXT_ON_CPU : FULL_FIRST, present.text);
  return vision && text ? { vision, text } : null;
}

/** "fp32", or "image fp32, text quantized" when the encoders differ: how status lines name it. */
export function describePrecision(p: EncoderPrecision): string {
  return p.vision === p.text ? p.vision : `image ${p.vision}, text ${p.text}`;
}
