// Which onnxruntime execution providers to try, fastest first for the platform:
// CUDA on NVIDIA, DirectML on Windows, CoreML on macOS, WebGPU where a GPU is present, then CPU.
// Pure functions over a detected environment, so the policy is testable on any machine.

import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { listSupportedBackends } from 'onnxruntime-node';

export const PROVIDERS = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export type ProviderChoice = 'auto' | readonly ProviderName[];

export interface ProviderEnvironment {
  platform: NodeJS.Platform;
  /** Providers compiled into this onnxruntime-node build. */
  compiled: readonly string[];
  /** Providers whose libraries ship with the package (CUDA's are downloaded at install time). */
  bundled: readonly string[];
  /**
   * Providers not bundled whose libraries are missing, with the file: onnxruntime would print a
   * native error dump trying them, so they are not tried.
   */
  missing: Readonly<Partial<Record<string, string>>>;
  nvidia: boolean;
  gpu: boolean;
}

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value);
}

function linuxGpu(): { nvidia: boolean; gpu: boolean } {
  const nvidia = existsSync('/dev/nvidia0') || existsSync('/proc/driver/nvidia/version');
  let render = false;
  try {
    render = readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    // no DRI devices: no GPU visible to this process
  }
  return { nvidia, gpu: nvidia || render };
}

/** The provider library onnxruntime-node loads for a provider it does not bundle, where it installs it. */
function providerLibrary(name: string): string {
  const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
  const file =
    process.platform === 'win32'
      ? `onnxruntime_providers_${name}.dll`
      : `libonnxruntime_providers_${name}.so`;
  return join(dist, '..', 'bin', 'napi-v6', process.platform, process.arch, file);
}

export function detectEnvironment(): ProviderEnvironment {
  const backends = listSupportedBackends();
  const platform = process.platform;
  const hw = platform === 'linux' ? linuxGpu() : { nvidia: platform === 'win32', gpu: true };
  const missing: Record<string, string> = {};
  for (const b of backends) {
    if (b.bundled) continue;
    const library = providerLibrary(b.name);
    if (!existsSync(library)) missing[b.name] = library;
  }
  return {
    platform,
    compiled: backends.map((b) => b.name),
    bundled: backends.filter((b) => b.bundled).map((b) => b.name),
    missing,
    ...hw,
  };
}

/** The automatic order: every accelerated provider that could work here, then CPU. */
export function autoProviders(env: ProviderEnvironment): ProviderName[] {
  const order: ProviderName[] = [];
  const has = (p: string): boolean => env.compiled.includes(p) && env.missing[p] === undefined;
  if (env.nvidia && has('cuda') && env.platform !== 'darwin') order.push('cuda');
  if (env.platform === 'win32' && has('dml')) order.push('dml');
  if (env.platform === 'darwin' && has('coreml')) order.push('coreml');
  // WebGPU only where a GPU is visible: on a machine without one it would fall to a software adapter.
  if (env.gpu && has('webgpu')) order.push('webgpu');
  order.push('cpu');
  return order;
}

/** The user's choice (or auto), in order, always ending with CPU as the last resort. */
export function resolveProviders(choice: ProviderChoice, env: ProviderEnvironment): ProviderName[] {
  if (choice === 'auto') return autoProviders(env);
  return [...new Set<ProviderName>([...choice, 'cpu'])];
}

/** Why a provider cannot be tried at all here, or null if it can. */
export function unavailableReason(provider: ProviderName, env: ProviderEnvironment): string | null {
  if (provider === 'cpu') return null;
  if (!env.compiled.includes(provider))
    return `not in this onnxruntime-node build for ${env.platform} (it has: ${env.compiled.join(', ')})`;
  const library = env.missing[provider];
  if (library)
    return `its libraries were not installed with onnxruntime-node (${library} is missing; npm install downloads them where their host can be reached)`;
  return null;
}

/** Image batch size suited to a provider: small on CPU (latency, memory), larger where a GPU amortises launches. */
export function imageBatchSize(provider: ProviderName): number {
  return provider === 'cpu' ? 8 : 32;
}
