import os from 'node:os';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { CORPUS } from '../helpers/paths.js';
import { fakeToolsPath, printsFile } from '../helpers/tools.js';
import { combineGpu, probeGpu } from '../../src/probes/gpu/index.js';
import type { VendorResult } from '../../src/probes/gpu/common.js';
import type { ProbeContext } from '../../src/probes/context.js';
import type { GpuDeviceFacts } from '../../src/facts/schema.js';

const T4 = path.join(CORPUS, 'nvidia-smi-xml', 'telegraf-tesla-t4-515.105.01-v11.xml');
const MI100 = path.join(CORPUS, 'rocm-smi', 'telegraf-mi100-rocm-6.0.2.json');

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function ctxWith(tools: Record<string, string>, timeoutMs = 5000): ProbeContext {
  const { dir, PATH } = fakeToolsPath(tools);
  dirs.push(dir);
  return {
    timeoutMs,
    signal: new AbortController().signal,
    env: { PATH },
    cwd: process.cwd(),
    tmpdir: os.tmpdir(),
    fsRoot: '/',
    progress: () => {},
  };
}

/** nvidia-smi that prints an XML file for -q -x and answers (or rejects) --query-gpu=compute_cap. */
const nvidiaSmi = (xmlFile: string, cap: string | null) =>
  [
    '#!/bin/sh',
    'case "$*" in',
    cap === null
      ? `  *compute_cap*) echo 'Field "compute_cap" is not a valid field to query.'; exit 2 ;;`
      : `  *compute_cap*) printf '${cap}' ;;`,
    `  *) cat '${xmlFile}' ;;`,
    'esac',
    '',
  ].join('\n');

describe('probeGpu with fake tools on PATH', () => {
  test('no tool on PATH: absent, count 0', async () => {
    const gpu = await probeGpu(ctxWith({}));
    expect(gpu).toEqual({
      status: 'absent',
      reason: 'nvidia-smi not found on PATH; rocm-smi not found on PATH',
      count: 0,
      devices: [],
      tools: {
        nvidia: { status: 'absent', reason: 'nvidia-smi not found on PATH' },
        amd: { status: 'absent', reason: 'rocm-smi not found on PATH' },
      },
    });
  });

  test('nvidia-smi with a T4 and a new driver: present, compute capability from nvidia-smi', async () => {
    const ctx = ctxWith({ 'nvidia-smi': nvidiaSmi(T4, '7.5\\n') });
    const gpu = await probeGpu(ctx);
    expect(gpu.status).toBe('present');
    expect(gpu.count).toBe(1);
    expect(gpu.tools.nvidia).toEqual({
      status: 'ok',
      path: path.join(dirs.at(-1)!, 'nvidia-smi'),
      driverVersion: '515.105.01',
      cudaVersion: '11.7',
    });
    expect(gpu.tools.amd.status).toBe('absent');
    expect(gpu.devices[0]).toMatchObject({ model: 'Tesla T4', computeCapability: '7.5', computeCapabilitySource: 'nvidia-smi' });
  });

  test('old driver rejecting compute_cap: present, compute capability from the table', async () => {
    const gpu = await probeGpu(ctxWith({ 'nvidia-smi': nvidiaSmi(T4, null) }));
    expect(gpu.status).toBe('present');
    expect(gpu.devices[0]).toMatchObject({ computeCapability: '7.5', computeCapabilitySource: 'table' });
  });

  test('both vendors: NVIDIA devices first, then AMD', async () => {
    const gpu = await probeGpu(ctxWith({ 'nvidia-smi': nvidiaSmi(T4, '7.5\\n'), 'rocm-smi': printsFile(MI100) }));
    expect(gpu.status).toBe('present');
    expect(gpu.count).toBe(5);
    expect(gpu.devices.map((d) => `${d.vendor}:${d.index}`)).toEqual(['nvidia:0', 'amd:0', 'amd:1', 'amd:2', 'amd:3']);
    expect(gpu.tools.amd).toMatchObject({ status: 'ok', driverVersion: '6.3.6' });
  });

  test('one tool fails while the other lists GPUs: unknown (not a partial "present"), working devices kept', async () => {
    const gpu = await probeGpu(
      ctxWith({
        'nvidia-smi': nvidiaSmi(T4, '7.5\\n'),
        'rocm-smi': "#!/bin/sh\necho 'ERROR:root:Driver not initialized (amdgpu not found in modules)' >&2\nexit 0\n",
      }),
    );
    expect(gpu.status).toBe('unknown');
    expect(gpu.reason).toBe('rocm-smi printed nothing (stderr: ERROR:root:Driver not initialized (amdgpu not found in modules))');
    expect(gpu).not.toHaveProperty('count');
    expect(gpu.devices.map((d) => d.model)).toEqual(['Tesla T4']);
    expect(gpu.tools.nvidia.status).toBe('ok');
    expect(gpu.tools.amd).toMatchObject({ status: 'unknown', reason: gpu.reason });
  });

  test('nvidia-smi "No devices were found": absent, the tool itself is ok', async () => {
    const gpu = await probeGpu(ctxWith({ 'nvidia-smi': '#!/bin/sh\necho "No devices were found"\nexit 6\n' }));
    expect(gpu.status).toBe('absent');
    expect(gpu.count).toBe(0);
    expect(gpu.reason).toBe('nvidia-smi listed no GPUs; rocm-smi not found on PATH');
    expect(gpu.tools.nvidia.status).toBe('ok');
  });

  test('a hung nvidia-smi: unknown with a timeout reason, within the budget', async () => {
    const started = performance.now();
    const gpu = await probeGpu(ctxWith({ 'nvidia-smi': '#!/bin/sh\nsleep 30\n' }, 600));
    const took = performance.now() - started;
    expect(gpu.status).toBe('unknown');
    expect(gpu.reason).toBe('nvidia-smi timed out (no answer within the 0.6 s probe budget)');
    expect(took).toBeLessThan(600);
    expect(gpu.devices).toEqual([]);
  });
});

describe('combineGpu', () => {
  const dev = (vendor: 'nvidia' | 'amd'): GpuDeviceFacts => ({ vendor, index: 0, model: 'X', migMode: 'unsupported', migDevices: [] });
  const ok = (...devices: GpuDeviceFacts[]): VendorResult => ({ tool: { status: 'ok' }, devices });
  const absent: VendorResult = { tool: { status: 'absent', reason: 'not found' }, devices: [] };
  const failed = (reason: string): VendorResult => ({ tool: { status: 'unknown', reason }, devices: [] });

  test('both tools failing: both reasons', () => {
    const gpu = combineGpu(failed('nvidia-smi exited with 9: x'), failed('rocm-smi timed out'));
    expect(gpu).toMatchObject({ status: 'unknown', reason: 'nvidia-smi exited with 9: x; rocm-smi timed out', devices: [] });
  });
  test('a failing tool beside an absent one: unknown', () => {
    expect(combineGpu(failed('nvidia-smi timed out'), absent).status).toBe('unknown');
  });
  test('AMD only: present', () => {
    expect(combineGpu(absent, ok(dev('amd')))).toMatchObject({ status: 'present', count: 1 });
  });
  test('a tool that works and lists nothing beside one with GPUs: present', () => {
    expect(combineGpu(ok(), ok(dev('amd')))).toMatchObject({ status: 'present', count: 1 });
  });
});
