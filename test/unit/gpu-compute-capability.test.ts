import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { computeCapabilityFromTable, modelWords } from '../../src/probes/gpu/compute-capability.js';

const TABLE = JSON.parse(readFileSync(path.join(ROOT, 'data', 'nvidia-compute-capability.json'), 'utf8')) as {
  source: string;
  retrieved: string;
  notes: Record<string, string>;
  models: Record<string, string>;
};

describe('data/nvidia-compute-capability.json', () => {
  test('names its source and date', () => {
    expect(TABLE.source).toBe('https://developer.nvidia.com/cuda-gpus');
    expect(TABLE.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('keys are normalised names and values are versions', () => {
    for (const [key, value] of Object.entries(TABLE.models)) {
      expect([key, value]).toEqual([key, expect.stringMatching(/^\d+\.\d+$/)]);
      expect(modelWords(key).join(' ')).toBe(key);
    }
    for (const key of Object.keys(TABLE.notes)) expect(TABLE.models).toHaveProperty([key]);
  });
});

describe('computeCapabilityFromTable', () => {
  // Names as nvidia-smi prints them (product_name), Kepler to Blackwell.
  test.each([
    ['Tesla K80', '3.7'],
    ['GRID K520', '3.0'],
    ['GeForce GT 730', '3.5'],
    ['Tesla M60', '5.2'],
    ['Tesla P100-PCIE-16GB', '6.0'],
    ['Tesla P40', '6.1'],
    ['Quadro P400', '6.1'],
    ['Quadro P2200', '6.1'],
    ['GeForce GTX 1080 Ti', '6.1'],
    ['NVIDIA TITAN Xp', '6.1'],
    ['Tesla V100-SXM2-16GB', '7.0'],
    ['Tesla V100-DGXS-32GB', '7.0'],
    ['Tesla V100S-PCIE-32GB', '7.0'],
    ['Tesla T4', '7.5'],
    ['GeForce RTX 2080 Ti', '7.5'],
    ['NVIDIA GeForce RTX 2070 SUPER', '7.5'],
    ['NVIDIA GeForce RTX 2080 with Max-Q Design', '7.5'],
    ['Quadro RTX 4000', '7.5'],
    ['NVIDIA GeForce GTX 1660 Ti', '7.5'],
    ['NVIDIA A100-SXM4-80GB', '8.0'],
    ['NVIDIA A100-PCIE-40GB', '8.0'],
    ['NVIDIA A100 80GB PCIe', '8.0'],
    ['NVIDIA A30', '8.0'],
    ['NVIDIA A10', '8.6'],
    ['NVIDIA A10G', '8.6'],
    ['NVIDIA A40', '8.6'],
    ['NVIDIA RTX A6000', '8.6'],
    ['NVIDIA GeForce RTX 3060', '8.6'],
    ['NVIDIA GeForce RTX 3080 Ti Laptop GPU', '8.6'],
    ['NVIDIA L4', '8.9'],
    ['NVIDIA L40', '8.9'],
    ['NVIDIA L40S', '8.9'],
    ['NVIDIA RTX 4000 SFF Ada Generation', '8.9'],
    ['NVIDIA RTX 6000 Ada Generation', '8.9'],
    ['NVIDIA GeForce RTX 4090', '8.9'],
    ['NVIDIA GeForce RTX 4070 Ti SUPER', '8.9'],
    ['NVIDIA H100 80GB HBM3', '9.0'],
    ['NVIDIA H100 PCIe', '9.0'],
    ['NVIDIA H100 NVL', '9.0'],
    ['NVIDIA H200', '9.0'],
    ['NVIDIA GH200 480GB', '9.0'],
    ['NVIDIA B200', '10.0'],
    ['NVIDIA GeForce RTX 5090', '12.0'],
    ['NVIDIA RTX PRO 6000 Blackwell Workstation Edition', '12.0'],
    ['NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition', '12.0'],
  ])('%s → %s', (model, cc) => {
    expect(computeCapabilityFromTable(model)).toBe(cc);
  });

  test.each([
    ['Graphics Device'], // driver older than the card: the name says nothing
    ['NVIDIA Future GPU 9000'],
    ['constructor'],
    [''],
  ])('%p is not guessed', (model) => {
    expect(computeCapabilityFromTable(model)).toBeUndefined();
  });

  test('stripping stops at words that tell models apart (SFF Ada is not Quadro RTX 4000)', () => {
    // "RTX 4000 SFF Ada" must never fall back to "RTX 4000"; an unknown Ada-generation name stays unknown.
    expect(computeCapabilityFromTable('NVIDIA RTX 4000 Blorp Ada Generation')).toBeUndefined();
    expect(computeCapabilityFromTable('NVIDIA RTX 4000 Blorp')).toBeUndefined();
  });
});
