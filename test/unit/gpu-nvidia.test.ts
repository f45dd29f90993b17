import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS } from '../helpers/paths.js';
import { parseComputeCapCsv, parseNvidiaSmiXml } from '../../src/probes/gpu/nvidia-xml.js';
import * as parsers from '../../src/probes/gpu/nvidia-xml.js';
import { nvidiaResult } from '../../src/probes/gpu/nvidia.js';
import { ToolOutputError } from '../../src/probes/gpu/common.js';
import type { ProbeContext } from '../../src/probes/context.js';
import type { GpuDeviceFacts } from '../../src/facts/schema.js';
import type { ToolResult } from '../../src/util/exec.js';

const DIR = path.join(CORPUS, 'nvidia-smi-xml');
const read = (file: string) => readFileSync(path.join(DIR, file), 'utf8');

interface Expected {
  count: number;
  model: string;
  memoryMiB: number;
  driverVersion: string;
  cudaVersion: string | undefined;
  migMode: GpuDeviceFacts['migMode'];
  /** From the model table, since these files come without a compute_cap answer; undefined: not looked up. */
  computeCapability: string | undefined;
  eccEnabled: boolean | undefined;
  persistenceMode: boolean | undefined;
  processCount: number | undefined;
  pcie: GpuDeviceFacts['pcie'];
  serial?: string;
  architecture?: string;
  driverModel?: string;
  powerLimitWatts?: number;
}

/** One row per corpus file: a new file without a row fails the "every file" test below. */
const EXPECTED: Record<string, Expected> = {
  'lampaa-2x-rtx-2080-ti-410.73-v10.xml': {
    count: 2,
    model: 'GeForce RTX 2080 Ti',
    memoryMiB: 10989,
    driverVersion: '410.73',
    cudaVersion: '10.0',
    migMode: 'unsupported',
    computeCapability: '7.5',
    eccEnabled: undefined,
    persistenceMode: false,
    processCount: 0,
    pcie: { generation: 1, width: 16, maxGeneration: 3, maxWidth: 16 },
    powerLimitWatts: 250,
  },
  'lampaa-gt-730-440.59-v10.xml': {
    count: 1,
    model: 'GeForce GT 730',
    memoryMiB: 2001,
    driverVersion: '440.59',
    cudaVersion: '10.2',
    migMode: 'unsupported',
    computeCapability: '3.5',
    eccEnabled: undefined,
    persistenceMode: false,
    processCount: undefined, // <processes>N/A</processes>
    pcie: undefined, // every link value is N/A
  },
  'lampaa-quadro-p2200-450.80.02-v11.xml': {
    count: 1,
    model: 'Quadro P2200',
    memoryMiB: 5058,
    driverVersion: '450.80.02',
    cudaVersion: '11.0',
    migMode: 'unsupported',
    computeCapability: '6.1',
    eccEnabled: undefined,
    persistenceMode: false,
    processCount: 1,
    pcie: { generation: 3, width: 16, maxGeneration: 3, maxWidth: 16 },
    serial: '1420820005026',
    powerLimitWatts: 75,
  },
  'rai-grid-k520-352.99-inline-dtd-v7.xml': {
    count: 1,
    model: 'GRID K520',
    memoryMiB: 4095,
    driverVersion: '352.99',
    cudaVersion: undefined, // DTD v7 has no <cuda_version>
    migMode: 'unsupported',
    computeCapability: '3.0',
    eccEnabled: undefined,
    persistenceMode: true,
    processCount: 0,
    pcie: { generation: 1, width: 16, maxGeneration: 3, maxWidth: 16 },
    serial: '0321014026924',
    powerLimitWatts: 125,
  },
  'telegraf-a100-sxm4-80gb-x4-mig-535.54.03-v12.xml': {
    count: 1, // attached_gpus says 4; the file holds one <gpu>
    model: 'NVIDIA A100-SXM4-80GB',
    memoryMiB: 81920,
    driverVersion: '535.54.03',
    cudaVersion: '12.2',
    migMode: 'enabled',
    computeCapability: '8.0',
    eccEnabled: true,
    persistenceMode: false,
    processCount: 0,
    pcie: { generation: 4, width: 16, maxGeneration: 4, maxWidth: 16 },
    serial: '1650522003820',
    architecture: 'Ampere',
    powerLimitWatts: 500,
  },
  'telegraf-a10g-515.105.01-v11.xml': {
    count: 1,
    model: 'NVIDIA A10G',
    memoryMiB: 23028,
    driverVersion: '515.105.01',
    cudaVersion: '11.7',
    migMode: 'unsupported',
    computeCapability: '8.6',
    eccEnabled: true,
    persistenceMode: false,
    processCount: 1,
    pcie: { generation: 1, width: 8, maxGeneration: 4, maxWidth: 16 },
    serial: '0000000000000', // as the cloud's virtual board reports it
    architecture: 'Ampere',
    powerLimitWatts: 300,
  },
  'telegraf-gtx-1660-ti-418.43-nodoctype.xml': {
    count: 1,
    model: 'Graphics Device', // the driver predates the card: kept as reported
    memoryMiB: 5912,
    driverVersion: '418.43',
    cudaVersion: '10.1',
    migMode: 'unsupported',
    computeCapability: undefined, // never guessed for "Graphics Device"
    eccEnabled: undefined,
    persistenceMode: false,
    processCount: 0,
    pcie: { generation: 1, width: 16, maxGeneration: 3, maxWidth: 16 },
    powerLimitWatts: 130,
  },
  'telegraf-quadro-p400-418.43-nodoctype.xml': {
    count: 1,
    model: 'Quadro P400',
    memoryMiB: 1998,
    driverVersion: '418.43',
    cudaVersion: '10.1',
    migMode: 'unsupported',
    computeCapability: '6.1',
    eccEnabled: undefined,
    persistenceMode: false,
    processCount: 0,
    pcie: { generation: 1, width: 16, maxGeneration: 3, maxWidth: 16 },
    serial: '0424418054852',
  },
  'telegraf-rtx-3060-570.124.04-v12.xml': {
    count: 1,
    model: 'NVIDIA GeForce RTX 3060',
    memoryMiB: 12288,
    driverVersion: '570.124.04',
    cudaVersion: '12.8',
    migMode: 'unsupported',
    computeCapability: '8.6',
    eccEnabled: undefined,
    persistenceMode: true,
    processCount: 0,
    pcie: { generation: 1, width: 16, maxGeneration: 4, maxWidth: 16 },
    architecture: 'Ampere',
    powerLimitWatts: 170,
  },
  'telegraf-rtx-3080-595.58.03-v13.xml': {
    count: 1,
    model: 'NVIDIA GeForce RTX 3080',
    memoryMiB: 10240,
    driverVersion: '595.58.03',
    cudaVersion: '13.2',
    migMode: 'unsupported',
    computeCapability: '8.6',
    eccEnabled: undefined,
    persistenceMode: false,
    processCount: 0,
    pcie: { generation: 4, width: 16, maxGeneration: 4, maxWidth: 16 },
    serial: 'REDACTED', // as upstream anonymised it
    architecture: 'Ampere',
    powerLimitWatts: 320,
  },
  'telegraf-rtx-3080-windows-536.40-v12.xml': {
    count: 1,
    model: 'NVIDIA GeForce RTX 3080',
    memoryMiB: 10240,
    driverVersion: '536.40',
    cudaVersion: '12.2',
    migMode: 'unsupported',
    computeCapability: '8.6',
    eccEnabled: undefined,
    persistenceMode: undefined, // N/A on Windows
    processCount: 5,
    pcie: { generation: 4, width: 16, maxGeneration: 4, maxWidth: 16 },
    architecture: 'Ampere',
    driverModel: 'WDDM',
    powerLimitWatts: 336,
  },
  'telegraf-rtx-4000-sff-ada-595.84-v13.xml': {
    count: 1,
    model: 'NVIDIA RTX 4000 SFF Ada Generation',
    memoryMiB: 20475,
    driverVersion: '595.84',
    cudaVersion: '13.2',
    migMode: 'unsupported',
    computeCapability: '8.9',
    eccEnabled: false,
    persistenceMode: true,
    processCount: 4,
    pcie: { generation: 1, width: 16, maxGeneration: 4, maxWidth: 16 },
    serial: 'REDACTED', // as upstream anonymised it
    architecture: 'Ada Lovelace',
    powerLimitWatts: 70,
  },
  'telegraf-tesla-t4-515.105.01-v11.xml': {
    count: 1,
    model: 'Tesla T4',
    memoryMiB: 15360,
    driverVersion: '515.105.01',
    cudaVersion: '11.7',
    migMode: 'unsupported',
    computeCapability: '7.5',
    eccEnabled: true,
    persistenceMode: false,
    processCount: 2,
    pcie: { generation: 3, width: 8, maxGeneration: 3, maxWidth: 16 },
    serial: '0000000000000',
    architecture: 'Turing',
    powerLimitWatts: 70,
  },
};

describe('nvidia-smi -q -x corpus', () => {
  test('every corpus file has an expectation row (and every row a file)', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.xml')).sort();
    expect(files.length).toBeGreaterThan(0);
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
  });

  test.each(Object.entries(EXPECTED))('%s', (file, e) => {
    const report = parseNvidiaSmiXml(read(file));
    expect(report.driverVersion).toBe(e.driverVersion);
    expect(report.cudaVersion).toBe(e.cudaVersion);
    expect(report.devices).toHaveLength(e.count);
    report.devices.forEach((d, i) => {
      expect(d.vendor).toBe('nvidia');
      expect(d.index).toBe(i);
      expect(d.model).toBe(e.model);
      expect(d.memoryMiB).toBe(e.memoryMiB);
      expect(d.driverVersion).toBe(e.driverVersion);
      expect(d.cudaVersion).toBe(e.cudaVersion);
      if (e.cudaVersion === undefined) expect(d).not.toHaveProperty('cudaVersion');
      expect(d.migMode).toBe(e.migMode);
      expect(d.computeCapability).toBe(e.computeCapability);
      expect(d.computeCapabilitySource).toBe(e.computeCapability === undefined ? undefined : 'table');
      expect(d.eccEnabled).toBe(e.eccEnabled);
      expect(d.persistenceMode).toBe(e.persistenceMode);
      expect(d.processCount).toBe(e.processCount);
      expect(d.pcie).toEqual(e.pcie);
      expect(d.serial).toBe(e.serial);
      expect(d.architecture).toBe(e.architecture);
      expect(d.driverModel).toBe(e.driverModel);
      expect(d.powerLimitWatts).toBe(e.powerLimitWatts);
      expect(d.uuid).toMatch(/^GPU-/);
      expect(d.pciBusId).toMatch(/^[0-9A-F]{4,8}:[0-9A-F]{2}:[0-9A-F]{2}\.[0-9]$/i);
      // Not reported is left out, never present as undefined, null, zero or a placeholder.
      for (const [key, value] of Object.entries(d)) {
        expect([key, value]).not.toEqual([key, undefined]);
        expect([key, value]).not.toEqual([key, 'N/A']);
      }
      if (e.migMode !== 'enabled') expect(d.migDevices).toEqual([]);
    });
  });

  test('the two RTX 2080 Ti are told apart by UUID and bus id', () => {
    const [a, b] = parseNvidiaSmiXml(read('lampaa-2x-rtx-2080-ti-410.73-v10.xml')).devices;
    expect(a!.uuid).toBe('GPU-57567e11-0be2-381b-5132-2ad95c262e58');
    expect(b!.uuid).toBe('GPU-ef1d0068-5bfd-f1e4-7e79-ff35d71d44b8');
    expect([a!.pciBusId, b!.pciBusId]).toEqual(['00000000:02:00.0', '00000000:03:00.0']);
  });

  test('MIG: four MIG devices with their GPU and compute instance ids', () => {
    const [gpu] = parseNvidiaSmiXml(read('telegraf-a100-sxm4-80gb-x4-mig-535.54.03-v12.xml')).devices;
    expect(gpu!.migModePending).toBe('enabled');
    expect(gpu!.migDevices).toEqual([0, 1, 2, 3].map((i) => ({
      index: i,
      gpuInstanceId: i + 3,
      computeInstanceId: 0,
      memoryMiB: 19968,
      multiprocessorCount: 14,
    })));
  });

  test('GPUs without MIG report neither a pending mode nor MIG devices', () => {
    const [t4] = parseNvidiaSmiXml(read('telegraf-tesla-t4-515.105.01-v11.xml')).devices;
    expect(t4).not.toHaveProperty('migModePending');
    expect(t4!.migDevices).toEqual([]);
  });

  test('serial N/A and driver model N/A are left out', () => {
    const [d] = parseNvidiaSmiXml(read('telegraf-rtx-3060-570.124.04-v12.xml')).devices;
    expect(d).not.toHaveProperty('serial');
    expect(d).not.toHaveProperty('driverModel');
  });
});

describe('compute capability from nvidia-smi --query-gpu=compute_cap', () => {
  test('one line per GPU: the query wins over the table', () => {
    const report = parseNvidiaSmiXml(read('lampaa-2x-rtx-2080-ti-410.73-v10.xml'), parseComputeCapCsv('7.5\n7.5\n'));
    expect(report.devices.map((d) => [d.computeCapability, d.computeCapabilitySource])).toEqual([
      ['7.5', 'nvidia-smi'],
      ['7.5', 'nvidia-smi'],
    ]);
  });

  test('the query answers for "Graphics Device", which the table cannot', () => {
    const [d] = parseNvidiaSmiXml(read('telegraf-gtx-1660-ti-418.43-nodoctype.xml'), ['7.5']).devices;
    expect(d!.model).toBe('Graphics Device');
    expect([d!.computeCapability, d!.computeCapabilitySource]).toEqual(['7.5', 'nvidia-smi']);
  });

  test('a line count that differs from the <gpu> count is ignored: the table answers', () => {
    // The trimmed A100 sample: a real nvidia-smi would print four lines for its four GPUs.
    const [d] = parseNvidiaSmiXml(read('telegraf-a100-sxm4-80gb-x4-mig-535.54.03-v12.xml'), parseComputeCapCsv('8.0\n8.0\n8.0\n8.0\n')).devices;
    expect([d!.computeCapability, d!.computeCapabilitySource]).toEqual(['8.0', 'table']);
  });

  test('a line that is not a version falls back to the table for that GPU only', () => {
    const caps = parseComputeCapCsv('[N/A]\r\n7.5\r\n');
    expect(caps).toEqual([undefined, '7.5']);
    const devices = parseNvidiaSmiXml(read('lampaa-2x-rtx-2080-ti-410.73-v10.xml'), caps).devices;
    expect(devices.map((d) => d.computeCapabilitySource)).toEqual(['table', 'nvidia-smi']);
  });

  test('an old driver\'s error text yields no versions', () => {
    expect(parseComputeCapCsv('Field "compute_cap" is not a valid field to query.\n')).toEqual([undefined]);
  });
});

describe('output that is not nvidia-smi XML', () => {
  const message = (text: string) => {
    try {
      parseNvidiaSmiXml(text);
    } catch (e) {
      expect(e).toBeInstanceOf(ToolOutputError);
      return (e as Error).message;
    }
    throw new Error('expected a ToolOutputError');
  };

  test('garbage', () => {
    expect(message('this is not xml at all\nsecond line')).toBe('output that is not nvidia-smi XML: this is not xml at all');
  });
  test('JSON', () => {
    expect(message('{"gpus": []}')).toBe('output that is not nvidia-smi XML: {"gpus": []}');
  });
  test('XML without nvidia_smi_log', () => {
    expect(message('<?xml version="1.0"?>\n<rocm_log><gpu/></rocm_log>')).toMatch(/^output that is not nvidia-smi XML: /);
  });
  test('nvidia_smi_log with only text', () => {
    expect(message('<nvidia_smi_log>oops</nvidia_smi_log>')).toMatch(/^output that is not nvidia-smi XML/);
  });
  test('nothing', () => {
    expect(message(' \n')).toBe('nothing');
  });
  test('output cut short', () => {
    const full = read('telegraf-tesla-t4-515.105.01-v11.xml');
    expect(message(full.slice(0, full.indexOf('<processes>')))).toBe('incomplete XML (no closing </nvidia_smi_log>)');
  });
  test('a log with no <gpu> is zero GPUs, not an error', () => {
    const report = parseNvidiaSmiXml('<?xml version="1.0" ?>\n<nvidia_smi_log><driver_version>550.54.15</driver_version><cuda_version>12.4</cuda_version><attached_gpus>0</attached_gpus></nvidia_smi_log>\n');
    expect(report).toEqual({ driverVersion: '550.54.15', cudaVersion: '12.4', devices: [] });
  });
});

describe('nvidiaResult: the two runs → tools.nvidia and devices', () => {
  const ctx = { timeoutMs: 5000 } as ProbeContext;
  const ok = (stdout: string, code = 0, stderr = ''): ToolResult => ({ kind: 'ok', code, stdout, stderr, durationMs: 1 });
  const t4 = read('telegraf-tesla-t4-515.105.01-v11.xml');
  const P = '/usr/bin/nvidia-smi';

  test('new driver: devices, driver and CUDA versions, compute capability from the query', () => {
    const r = nvidiaResult(P, ctx, ok(t4), ok('7.5\n'), parsers);
    expect(r.tool).toEqual({ status: 'ok', path: P, driverVersion: '515.105.01', cudaVersion: '11.7' });
    expect(r.devices).toHaveLength(1);
    expect(r.devices[0]).toMatchObject({ model: 'Tesla T4', computeCapability: '7.5', computeCapabilitySource: 'nvidia-smi' });
  });

  test('old driver rejecting compute_cap: still ok, compute capability from the table', () => {
    const r = nvidiaResult(P, ctx, ok(t4), ok('Field "compute_cap" is not a valid field to query.\n', 2), parsers);
    expect(r.tool.status).toBe('ok');
    expect(r.devices[0]).toMatchObject({ computeCapability: '7.5', computeCapabilitySource: 'table' });
  });

  test('the compute_cap query timing out never makes the section unknown', () => {
    const r = nvidiaResult(P, ctx, ok(t4), { kind: 'timeout', timeoutMs: 4750, stdout: '' }, parsers);
    expect(r.tool.status).toBe('ok');
    expect(r.devices[0]!.computeCapabilitySource).toBe('table');
  });

  test('driver not loaded: unknown, with nvidia-smi\'s own words', () => {
    const said = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
    const r = nvidiaResult(P, ctx, ok(`${said}\n\n`, 9), ok(`${said}\n`, 9), parsers);
    expect(r).toEqual({ tool: { status: 'unknown', reason: `nvidia-smi exited with 9: ${said}`, path: P }, devices: [] });
  });

  test('"No devices were found" (exit 6): the tool works and lists no GPU', () => {
    const r = nvidiaResult(P, ctx, ok('No devices were found\n', 6), ok('No devices were found\n', 6), parsers);
    expect(r).toEqual({ tool: { status: 'ok', path: P }, devices: [] });
  });

  test('timeout', () => {
    const r = nvidiaResult(P, ctx, { kind: 'timeout', timeoutMs: 4750, stdout: '' }, { kind: 'timeout', timeoutMs: 4750, stdout: '' }, parsers);
    expect(r.tool).toEqual({ status: 'unknown', reason: 'nvidia-smi timed out (no answer within the 5 s probe budget)', path: P });
  });

  test('garbage on stdout with exit 0', () => {
    const r = nvidiaResult(P, ctx, ok('Segmentation fault\n'), ok(''), parsers);
    expect(r.tool).toEqual({ status: 'unknown', reason: 'nvidia-smi printed output that is not nvidia-smi XML: Segmentation fault', path: P });
  });

  test('nothing on stdout with exit 0: the reason quotes stderr', () => {
    const r = nvidiaResult(P, ctx, ok('', 0, 'Unable to determine the device handle\n'), ok(''), parsers);
    expect(r.tool.reason).toBe('nvidia-smi printed nothing (stderr: Unable to determine the device handle)');
  });
});
