// Execution provider policy (pure), and real fallbacks on this machine: GPU providers that cannot load
// here are logged with their reason and the model runs on CPU, which the runtime reports.

import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import {
  autoProviders,
  detectEnvironment,
  resolveProviders,
  unavailableReason,
  type ProviderEnvironment,
} from '../../../electron/core/clip/providers.js';
import { MemoryLogger } from '../../../electron/core/log.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';

const env = (over: Partial<ProviderEnvironment>): ProviderEnvironment => ({
  platform: 'linux',
  compiled: ['cpu', 'webgpu', 'cuda', 'tensorrt'],
  bundled: ['cpu', 'webgpu'],
  missing: {},
  nvidia: false,
  gpu: false,
  ...over,
});

describe('provider order', () => {
  it('puts CUDA first on Linux with an NVIDIA GPU, then WebGPU, then CPU', () => {
    expect(autoProviders(env({ nvidia: true, gpu: true }))).toEqual(['cuda', 'webgpu', 'cpu']);
  });
  it('uses only CPU on a Linux machine without a GPU', () => {
    expect(autoProviders(env({}))).toEqual(['cpu']);
  });
  it('tries WebGPU on a non-NVIDIA Linux GPU', () => {
    expect(autoProviders(env({ gpu: true }))).toEqual(['webgpu', 'cpu']);
  });
  it('prefers DirectML on Windows, CoreML on macOS', () => {
    expect(autoProviders(env({ platform: 'win32', compiled: ['cpu', 'dml', 'webgpu'], gpu: true }))).toEqual([
      'dml',
      'webgpu',
      'cpu',
    ]);
    expect(
      autoProviders(env({ platform: 'darwin', compiled: ['cpu', 'coreml', 'webgpu'], gpu: true })),
    ).toEqual(['coreml', 'webgpu', 'cpu']);
  });
  it("keeps the user's order and always ends with CPU", () => {
    expect(resolveProviders(['webgpu', 'cuda'], env({}))).toEqual(['webgpu', 'cuda', 'cpu']);
    expect(resolveProviders(['cpu'], env({}))).toEqual(['cpu']);
  });
  it('does not try CUDA when its libraries were not installed, and says which file is missing', () => {
    const lacking = env({
      nvidia: true,
      gpu: true,
      missing: { cuda: '/x/libonnxruntime_providers_cuda.so' },
    });
    expect(autoProviders(lacking)).toEqual(['webgpu', 'cpu']);
    expect(unavailableReason('cuda', lacking)).toMatch(
      /libraries were not installed .*\/x\/libonnxruntime_providers_cuda\.so is missing/,
    );
    expect(unavailableReason('cuda', env({}))).toBeNull();
  });
  it('explains a provider this build lacks', () => {
    expect(unavailableReason('dml', env({}))).toMatch(/not in this onnxruntime-node build for linux/);
    expect(unavailableReason('cpu', env({}))).toBeNull();
  });
  it('detects this machine', () => {
    const here = detectEnvironment();
    expect(here.compiled).toContain('cpu');
    expect(here.platform).toBe(process.platform);
  });
});

describe('fallback on this machine', () => {
  // None of these can run here (no GPU, no CUDA libraries, not Windows/macOS): each must fall back to CPU
  // with its reason logged, and the runtime must report CPU as the provider that ran.
  for (const provider of ['webgpu', 'cuda', 'dml', 'coreml'] as const) {
    it(`falls back from ${provider} to CPU and says why`, async () => {
      const logger = new MemoryLogger();
      const model = ClipModel.open(TEST_MODEL_DIR, { providers: [provider], logger });
      expect(model.info().providerOrder).toEqual([provider, 'cpu']);
      const embedding = await model.encodeText('a photo of a red circle');
      expect(embedding.length).toBe(model.embedDim);
      const info = model.info();
      expect(info.ran.text).toBe('cpu');
      expect(info.fallbacks).toEqual([{ tower: 'text', provider, reason: expect.any(String) as string }]);
      expect(
        logger.lines.some((l) => l.level === 'warn' && l.message.includes(`${provider} unavailable`)),
      ).toBe(true);
      await model.dispose();
    });
  }
});
