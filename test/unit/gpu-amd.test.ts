import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS } from '../helpers/paths.js';
import { parseRocmSmiJson } from '../../src/probes/gpu/amd.js';
import { ToolOutputError } from '../../src/probes/gpu/common.js';

const DIR = path.join(CORPUS, 'rocm-smi');
const read = (file: string) => readFileSync(path.join(DIR, file), 'utf8');

interface Expected {
  count: number;
  model: string;
  memoryMiB: number;
  driverVersion: string;
  uuid: string | undefined;
  serial: string | undefined;
  pciBusIds: string[];
  architecture?: string;
}

/** One row per corpus file: a new file without a row fails the "every file" test below. */
const EXPECTED: Record<string, Expected> = {
  'telegraf-mi100-rocm-6.0.2.json': {
    count: 4,
    model: 'Arcturus GL-XL [Instinct MI100]', // `Card series`; `Card model` is a PCI id here
    memoryMiB: 32752, // 34342961152 B
    driverVersion: '6.3.6',
    uuid: '0x79ccd55167a2124a',
    serial: undefined, // "N/A"
    pciBusIds: ['0000:83:00.0', '0000:A3:00.0', '0000:C3:00.0', '0000:E3:00.0'],
  },
  'telegraf-rx6700xt-rocm-6.1.2.json': {
    count: 1,
    model: 'Navi 22 [Radeon RX 6700/6700 XT / 6800M]', // `Card Series` (ROCm 6.1 key)
    memoryMiB: 12272, // 12868124672 B
    driverVersion: '6.3.6',
    uuid: undefined, // "N/A"
    serial: undefined,
    pciBusIds: ['0000:07:00.0'],
    architecture: 'gfx1031',
  },
  'telegraf-vega20-radeon-pro-vii.json': {
    count: 1, // the topology block mentions 8 devices; the file holds card0 only
    model: 'Radeon Instinct MI50 32GB',
    memoryMiB: 32752,
    driverVersion: '5.9.17',
    uuid: '0x2f048617326b1ea',
    serial: '692024000810',
    pciBusIds: ['0000:63:00.0'],
  },
};

describe('rocm-smi --json corpus', () => {
  test('every corpus file has an expectation row (and every row a file)', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(0);
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
  });

  test.each(Object.entries(EXPECTED))('%s', (file, e) => {
    const report = parseRocmSmiJson(read(file));
    expect(report.driverVersion).toBe(e.driverVersion);
    expect(report.devices).toHaveLength(e.count);
    expect(report.devices.map((d) => d.pciBusId)).toEqual(e.pciBusIds);
    report.devices.forEach((d, i) => {
      expect(d.vendor).toBe('amd');
      expect(d.index).toBe(i);
      expect(d.model).toBe(e.model);
      expect(d.memoryMiB).toBe(e.memoryMiB);
      expect(d.driverVersion).toBe(e.driverVersion);
      expect(d.migMode).toBe('unsupported');
      expect(d.migDevices).toEqual([]);
      expect(d.architecture).toBe(e.architecture);
      if (i === 0) {
        expect(d.uuid).toBe(e.uuid);
        expect(d.serial).toBe(e.serial);
      }
      if (e.uuid === undefined) expect(d).not.toHaveProperty('uuid');
      if (e.serial === undefined) expect(d).not.toHaveProperty('serial');
      // NVIDIA-only facts are not invented for AMD.
      expect(d).not.toHaveProperty('cudaVersion');
      expect(d).not.toHaveProperty('computeCapability');
    });
  });

  test('the four MI100 keep their card order and unique ids', () => {
    const { devices } = parseRocmSmiJson(read('telegraf-mi100-rocm-6.0.2.json'));
    expect(devices.map((d) => d.index)).toEqual([0, 1, 2, 3]);
    expect(new Set(devices.map((d) => d.uuid)).size).toBe(4);
  });
});

describe('rocm-smi output edge cases', () => {
  const message = (text: string) => {
    try {
      parseRocmSmiJson(text);
    } catch (e) {
      expect(e).toBeInstanceOf(ToolOutputError);
      return (e as Error).message;
    }
    throw new Error('expected a ToolOutputError');
  };

  test('cards are ordered by number, not by key order (card10 after card2)', () => {
    const card = (bus: string) => ({ 'Card series': 'Instinct MI210', 'PCI Bus': bus, 'VRAM Total Memory (B)': '68702699520' });
    const report = parseRocmSmiJson(JSON.stringify({ card10: card('c'), card2: card('b'), card0: card('a'), system: { 'Driver version': '6.7.0' } }));
    expect(report.devices.map((d) => [d.index, d.pciBusId, d.memoryMiB])).toEqual([
      [0, 'a', 65520],
      [2, 'b', 65520],
      [10, 'c', 65520],
    ]);
  });

  test('warning lines before the JSON are skipped', () => {
    const report = parseRocmSmiJson('WARNING: Unlocked monitor_devices lock; it should have been locked.\n{"card0": {"Card Series": "Instinct MI300X"}}\n');
    expect(report.devices.map((d) => d.model)).toEqual(['Instinct MI300X']);
    expect(report.devices[0]).not.toHaveProperty('memoryMiB');
  });

  test('JSON without cards is zero GPUs', () => {
    expect(parseRocmSmiJson('{"system": {"Driver version": "6.3.6"}}')).toEqual({ driverVersion: '6.3.6', devices: [] });
  });

  test('nothing on stdout (amdgpu not loaded: rocm-smi exits 0 and says so on stderr) is an error', () => {
    expect(message('\n')).toBe('nothing');
  });

  test('garbage is an error', () => {
    expect(message('ERROR:root:Driver not initialized (amdgpu not found in modules)')).toBe(
      'output that is not rocm-smi JSON: ERROR:root:Driver not initialized (amdgpu not found in modules)',
    );
    expect(message('[1, 2]')).toBe('output that is not rocm-smi JSON: [1, 2]');
  });
});
