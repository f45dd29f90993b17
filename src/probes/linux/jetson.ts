/**
 * Jetson-class modules (NVIDIA Tegra: Nano, TX2, Xavier, Orin, Thor): they have no discrete GPU and no
 * nvidia-smi worth trusting, so they are recognised by what L4T (Linux for Tegra) installs:
 *
 * - `/etc/nv_tegra_release`: "# R36 (release), REVISION: 3.0, GCID: …, BOARD: generic, EABI: aarch64, …" → L4T R36.3.0;
 * - `tegrastats` on PATH (the L4T utilities);
 * - the device tree: `/proc/device-tree/model` ("NVIDIA Jetson Orin NX …") and `compatible` ("nvidia,tegra234").
 *
 * Read through the probe's filesystem view, so fixture trees can model a board; PATH is searched inside
 * that view too.
 */
import type { HostFacts } from '../../facts/schema.js';
import type { FsView } from './files.js';

type Jetson = NonNullable<HostFacts['jetson']>;

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** "R36.3.0" from the first line of /etc/nv_tegra_release. */
export function parseTegraRelease(text: string): string | undefined {
  const line = text.split('\n').find((l) => /R\d+\s*\(release\)/.test(l));
  if (!line) return undefined;
  const major = /R(\d+)\s*\(release\)/.exec(line)![1]!;
  const revision = /REVISION:\s*([0-9]+(?:\.[0-9]+)*)/.exec(line)?.[1];
  if (!revision) return `R${major}`;
  const parts = revision.split('.');
  while (parts.length < 2) parts.push('0');
  return `R${major}.${parts.join('.')}`;
}

/** Device-tree strings end in NUL; `compatible` is a NUL-separated list. */
const dtStrings = (text: string) => text.split('\0').map((s) => s.trim()).filter(Boolean);

export async function readJetson(view: FsView, env: NodeJS.ProcessEnv): Promise<Jetson> {
  const pathDirs = (env.PATH || DEFAULT_PATH).split(':').filter((d) => d.startsWith('/'));
  const [release, model, compatible, ...onPath] = await Promise.all([
    view.text('/etc/nv_tegra_release'),
    view.text('/proc/device-tree/model'),
    view.text('/proc/device-tree/compatible'),
    ...pathDirs.map((d) => view.exists(`${d.replace(/\/+$/, '')}/tegrastats`)),
  ]);
  const evidence: string[] = [];
  const out: Jetson = { status: 'ok', present: false, evidence };
  if (release.ok) {
    const l4t = parseTegraRelease(release.value);
    if (l4t) {
      out.l4tRelease = l4t;
      evidence.push(`/etc/nv_tegra_release: L4T ${l4t}`);
    } else evidence.push('/etc/nv_tegra_release exists but names no release');
    out.present = true;
  }
  const tegrastats = pathDirs.find((_, i) => onPath[i]);
  if (tegrastats) {
    evidence.push(`tegrastats on PATH (${tegrastats.replace(/\/+$/, '')}/tegrastats)`);
    out.present = true;
  }
  const modelName = model.ok ? dtStrings(model.value)[0] : undefined;
  const tegra = compatible.ok ? dtStrings(compatible.value).find((c) => /^nvidia,(tegra|p\d{4})/.test(c)) : undefined;
  if (modelName && (/jetson|tegra/i.test(modelName) || tegra)) {
    out.model = modelName;
    evidence.push(`/proc/device-tree/model: ${modelName}`);
    out.present = true;
  }
  if (tegra) {
    evidence.push(`/proc/device-tree/compatible: ${tegra}`);
    out.present = true;
  }
  if (!out.present) evidence.push('no /etc/nv_tegra_release, no tegrastats on PATH, no Tegra device tree');
  return out;
}
