// AdamW (Loshchilov & Hutter): Adam with weight decay applied to the weights directly rather than
// through the gradient. On a residual adapter, decaying W toward zero is a steady pull back to the
// identity, which is what keeps the model's general knowledge while it learns the user's words.

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay: number;
}

export class AdamW {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    readonly size: number,
    private readonly options: AdamWOptions,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One update of `w` in place from `grad`; `decay` false for parameters that must not shrink. */
  step(w: Float64Array, grad: Float64Array, decay = true): void {
    const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay } = this.options;
    this.t++;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    for (let i = 0; i < w.length; i++) {
      const gi = grad[i] as number;
      const m = (this.m[i] = beta1 * (this.m[i] as number) + (1 - beta1) * gi);
      const v = (this.v[i] = beta2 * (this.v[i] as number) + (1 - beta2) * gi * gi);
      const decayed = decay ? (w[i] as number) * (1 - lr * weightDecay) : (w[i] as number);
      w[i] = decayed - (lr * (m / c1)) / (Math.sqrt(v / c2) + eps);
    }
  }
}
