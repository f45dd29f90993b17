/**
 * Jetson detection (host.jetson): /etc/nv_tegra_release, tegrastats on PATH and the Tegra device tree, read
 * through the probe's filesystem view — against the jetson-orin-nano-l4t36 fixture tree (made by
 * test/fixtures/linux/make-fixtures.py), trees holding one piece of evidence each, and machines that are not
 * Jetsons.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeHost } from '../../src/probes/host.js';
import { parseTegraRelease, readJetson } from '../../src/probes/linux/jetson.js';
import { FsView } from '../../src/probes/linux/files.js';
import type { ProbeContext } from '../../src/probes/context.js';
import { FIXTURES } from '../helpers/paths.js';

const LINUX = path.join(FIXTURES, 'linux');
const describeLinux = process.platform === 'linux' ? describe : describe.skip;
const ctxFor = (fsRoot: string): ProbeContext => ({ timeoutMs: 5000, signal: new AbortController().signal, env: {}, cwd: '/', tmpdir: os.tmpdir(), fsRoot, progress: () => {} });

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-jetson-'));
  dirs.push(dir);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), content);
  }
  return dir;
}

test('the L4T release from /etc/nv_tegra_release, as JetPack 4, 5 and 6 write it', () => {
  expect(parseTegraRelease('# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64, DATE: Wed Jan  8 01:49:37 UTC 2025\n')).toBe('R36.4.3');
  expect(parseTegraRelease('# R35 (release), REVISION: 5.0, GCID: 35550185, BOARD: t186ref, EABI: aarch64, DATE: Tue Feb 20 04:46:31 UTC 2024\n')).toBe('R35.5.0');
  expect(parseTegraRelease('# R32 (release), REVISION: 7.4, GCID: 33514132, BOARD: t210ref, EABI: aarch64, DATE: Fri Jun  9 04:25:08 UTC 2023\n')).toBe('R32.7.4');
  expect(parseTegraRelease('# R36 (release), REVISION: 3, GCID: 1\n')).toBe('R36.3.0');
  expect(parseTegraRelease('# R34 (release), GCID: 1\n')).toBe('R34');
  expect(parseTegraRelease('garbage\n')).toBeUndefined();
});

describeLinux('host.jetson from the host probe', () => {
  test('jetson-orin-nano-l4t36: present, L4T R36.4.3, the device-tree model, every piece of evidence', async () => {
    const host = await probeHost(ctxFor(path.join(LINUX, 'jetson-orin-nano-l4t36')));
    expect(host.jetson).toEqual({
      status: 'ok',
      present: true,
      l4tRelease: 'R36.4.3',
      model: 'NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super',
      evidence: [
        '/etc/nv_tegra_release: L4T R36.4.3',
        'tegrastats on PATH (/usr/bin/tegrastats)',
        '/proc/device-tree/model: NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super',
        '/proc/device-tree/compatible: nvidia,p3768-0000+p3767-0005-super',
      ],
    });
    expect(host.os).toMatchObject({ status: 'ok', arch: 'aarch64', kernel: '5.15.148-tegra' });
    expect(host.memory).toMatchObject({ status: 'ok', totalBytes: 7802384 * 1024, swapBytes: 3901184 * 1024 });
  });

  test('a server or a Graviton instance is not a Jetson (present: false, and why)', async () => {
    for (const name of ['avx512-amx-sapphire-rapids', 'arm64-graviton']) {
      const host = await probeHost(ctxFor(path.join(LINUX, name)));
      expect(host.jetson).toEqual({ status: 'ok', present: false, evidence: ['no /etc/nv_tegra_release, no tegrastats on PATH, no Tegra device tree'] });
    }
  });

  test('any one piece of evidence is enough; PATH is searched in the probed root', async () => {
    const onlyTegrastats = tree({ 'opt/l4t/bin/tegrastats': '#!/bin/sh\n' });
    expect(await readJetson(new FsView(onlyTegrastats), { PATH: '/usr/bin:/opt/l4t/bin' })).toMatchObject({ present: true, evidence: ['tegrastats on PATH (/opt/l4t/bin/tegrastats)'] });
    expect(await readJetson(new FsView(onlyTegrastats), {})).toMatchObject({ present: false });
    const onlyDeviceTree = tree({ 'proc/device-tree/model': 'NVIDIA Jetson Xavier NX Developer Kit\0', 'proc/device-tree/compatible': 'nvidia,p3509-0000+p3668-0001\0nvidia,tegra194\0' });
    expect(await readJetson(new FsView(onlyDeviceTree), {})).toEqual({
      status: 'ok',
      present: true,
      model: 'NVIDIA Jetson Xavier NX Developer Kit',
      evidence: ['/proc/device-tree/model: NVIDIA Jetson Xavier NX Developer Kit', '/proc/device-tree/compatible: nvidia,p3509-0000+p3668-0001'],
    });
    // A Raspberry Pi's device tree is not Tegra.
    const pi = tree({ 'proc/device-tree/model': 'Raspberry Pi 5 Model B Rev 1.0\0', 'proc/device-tree/compatible': 'raspberrypi,5-model-b\0brcm,bcm2712\0' });
    expect(await readJetson(new FsView(pi), {})).toMatchObject({ present: false });
  });
});
