/**
 * Which profile an assessment uses: `--profile NAME|FILE`, else the config file's `profile`, else a
 * default chosen from the facts (documented in README and printed in every report):
 *
 *   arm64/armv7 with at most 8 GiB of memory (Jetson-class boards included) → edge
 *   GPUs present on the host or in a probed cluster (or a GPU tool failed)   → training-gpu
 *   macOS, Windows or WSL                                                  → dev-workstation
 *   anything else                                                          → training-cpu
 */
import { existsSync } from 'node:fs';
import type { Facts } from '../facts/schema.js';
import { UsageError } from '../cli/errors.js';
import { loadProfileFile, type LoadedProfile } from './load.js';

export interface ProfileChoice {
  profile: LoadedProfile;
  source: 'flag' | 'config' | 'default';
  why: string;
}

function looksLikeFile(value: string): boolean {
  return value.includes('/') || value.includes('\\') || /\.ya?ml$/.test(value) || existsSync(value);
}

/** A profile by name, or from a file; a UsageError listing the valid names otherwise. */
export function resolveProfile(value: string, profiles: Map<string, LoadedProfile>, origin: string): LoadedProfile {
  const byName = profiles.get(value);
  if (byName) return byName;
  if (looksLikeFile(value)) {
    if (!existsSync(value)) throw new UsageError(`${origin}: profile file not found: ${value}`);
    return loadProfileFile(value);
  }
  throw new UsageError(`${origin}: unknown profile "${value}": valid profiles are ${[...profiles.keys()].sort().join(', ')} (or a profile file)`);
}

export function defaultProfileName(facts: Facts): { name: string; why: string } {
  const gpu = facts.gpu;
  const os = facts.host.os.status === 'ok' ? facts.host.os : undefined;
  const memory = facts.host.memory.status === 'ok' ? facts.host.memory.totalBytes : undefined;
  if (os && /^(aarch64|arm64|armv\d)/.test(os.arch) && memory !== undefined && memory <= 8 * 2 ** 30) {
    return { name: 'edge', why: `default: ${os.arch} with ${Math.round(memory / 2 ** 30)} GiB of memory` };
  }
  if (gpu.status === 'present') {
    const n = gpu.devices.length;
    const vendors = [...new Set(gpu.devices.map((d) => (d.vendor === 'nvidia' ? 'NVIDIA' : 'AMD')))].join('/');
    return { name: 'training-gpu', why: `default: ${n} ${vendors} GPU${n === 1 ? '' : 's'} found` };
  }
  const clusterGpus = clusterGpuSummary(facts);
  if (clusterGpus) return { name: 'training-gpu', why: `default: ${clusterGpus}` };
  const toolFailed = (t: { status: string; reason?: string }) => t.status === 'unknown' && !t.reason?.startsWith('not probed');
  if (gpu.status === 'unknown' && (toolFailed(gpu.tools.nvidia) || toolFailed(gpu.tools.amd))) {
    return { name: 'training-gpu', why: 'default: a GPU tool is installed but could not be read' };
  }
  const wsl = facts.host.virtualization.status === 'ok' && facts.host.virtualization.wsl;
  if (os && (os.platform === 'darwin' || os.platform === 'win32' || wsl)) {
    return { name: 'dev-workstation', why: `default: ${wsl ? 'WSL' : os.platform} workstation` };
  }
  return { name: 'training-cpu', why: 'default: no GPU found' };
}

/** GPUs in a probed cluster (Kubernetes GPU nodes, Swarm GPU generic resources), in words. */
function clusterGpuSummary(facts: Facts): string | undefined {
  const k8s = facts.cluster?.kubernetes.gpuNodes;
  if (k8s?.status === 'ok' && k8s.count > 0) return `${k8s.count} GPU node${k8s.count === 1 ? '' : 's'} in the Kubernetes cluster`;
  const swarmGpus = Object.entries(facts.cluster?.swarm.genericResources ?? {})
    .filter(([kind]) => /gpu/i.test(kind))
    .reduce((n, [, v]) => n + v, 0);
  if (swarmGpus > 0) return `${swarmGpus} GPU${swarmGpus === 1 ? '' : 's'} advertised in the swarm`;
  return undefined;
}

export function chooseProfile(
  facts: Facts,
  profiles: Map<string, LoadedProfile>,
  options: { flag?: string; config?: string; configFile?: string },
): ProfileChoice {
  if (options.flag) return { profile: resolveProfile(options.flag, profiles, '--profile'), source: 'flag', why: 'chosen with --profile' };
  if (options.config) {
    return {
      profile: resolveProfile(options.config, profiles, options.configFile ?? 'config'),
      source: 'config',
      why: `from ${options.configFile ?? 'the configuration file'}`,
    };
  }
  const { name, why } = defaultProfileName(facts);
  const profile = profiles.get(name);
  if (!profile) throw new UsageError(`the default profile "${name}" is not defined`);
  return { profile, source: 'default', why };
}
