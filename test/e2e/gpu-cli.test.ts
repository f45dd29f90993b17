/**
 * `mlready probe --target local` as a process, with fake nvidia-smi / rocm-smi scripts first on PATH
 * (and no real GPU tool after them). Needs a build: `npm run build`.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, runCli } from '../helpers/cli.js';
import { CORPUS } from '../helpers/paths.js';
import { assertValid } from '../helpers/schema.js';
import { fakeToolsPath, printsFile } from '../helpers/tools.js';
import type { Facts } from '../../src/facts/schema.js';

const XML = (file: string) => path.join(CORPUS, 'nvidia-smi-xml', file);
const ROCM = (file: string) => path.join(CORPUS, 'rocm-smi', file);
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A fake nvidia-smi: the XML file for `-q -x`; for `--query-gpu=compute_cap` either the given CSV or an old driver's refusal. */
function nvidiaSmi(xmlFile: string, computeCap: string | 'old-driver'): string {
  const capAnswer =
    computeCap === 'old-driver'
      ? `echo 'Field "compute_cap" is not a valid field to query.'; echo; echo "Run 'nvidia-smi --help-query-gpu' for usage."; exit 2`
      : `printf ${quote(computeCap)}`;
  return `#!/bin/sh
case "$*" in
  *--query-gpu=compute_cap*) ${capAnswer} ;;
  "-q -x") cat ${quote(xmlFile)} ;;
  *) echo "unexpected arguments: $*" >&2; exit 64 ;;
esac
`;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function probe(tools: Record<string, string>, extra: string[] = []) {
  const { dir, PATH } = fakeToolsPath(tools);
  dirs.push(dir);
  const r = await runCli(['probe', '--target', 'local', ...extra], { env: cliEnv({ PATH }) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as Facts;
  assertValid('facts', doc);
  return { doc, gpu: doc.gpu, dir, durationMs: r.durationMs };
}

describe('mlready probe: GPUs', () => {
  test('no GPU tool on PATH: absent', async () => {
    const { gpu } = await probe({});
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

  test('new driver: A100 with MIG, compute capability from nvidia-smi', async () => {
    const { gpu, dir } = await probe({
      'nvidia-smi': nvidiaSmi(XML('telegraf-a100-sxm4-80gb-x4-mig-535.54.03-v12.xml'), '9.9\n'),
    });
    expect(gpu.status).toBe('present');
    expect(gpu.count).toBe(1);
    expect(gpu.tools.nvidia).toEqual({ status: 'ok', path: path.join(dir, 'nvidia-smi'), driverVersion: '535.54.03', cudaVersion: '12.2' });
    expect(gpu.tools.amd.status).toBe('absent');
    const [a100] = gpu.devices;
    expect(a100).toMatchObject({
      vendor: 'nvidia',
      index: 0,
      model: 'NVIDIA A100-SXM4-80GB',
      memoryMiB: 81920,
      driverVersion: '535.54.03',
      cudaVersion: '12.2',
      // 9.9 is not the A100's real value: it proves the answer came from the query, not the table.
      computeCapability: '9.9',
      computeCapabilitySource: 'nvidia-smi',
      migMode: 'enabled',
      eccEnabled: true,
      persistenceMode: false,
      pcie: { generation: 4, width: 16, maxGeneration: 4, maxWidth: 16 },
      processCount: 0,
    });
    expect(a100!.migDevices.map((m) => [m.index, m.gpuInstanceId, m.computeInstanceId])).toEqual([
      [0, 3, 0],
      [1, 4, 0],
      [2, 5, 0],
      [3, 6, 0],
    ]);
  });

  test('old driver (inline-DTD v7 XML, compute_cap rejected): compute capability from the table, no CUDA version', async () => {
    const { gpu } = await probe({ 'nvidia-smi': nvidiaSmi(XML('rai-grid-k520-352.99-inline-dtd-v7.xml'), 'old-driver') });
    expect(gpu.status).toBe('present');
    expect(gpu.tools.nvidia).not.toHaveProperty('cudaVersion');
    const [k520] = gpu.devices;
    expect(k520).toMatchObject({ model: 'GRID K520', driverVersion: '352.99', computeCapability: '3.0', computeCapabilitySource: 'table', persistenceMode: true });
    expect(k520).not.toHaveProperty('cudaVersion');
  });

  test('"Graphics Device" on an old driver: no compute capability at all', async () => {
    const { gpu } = await probe({ 'nvidia-smi': nvidiaSmi(XML('telegraf-gtx-1660-ti-418.43-nodoctype.xml'), 'old-driver') });
    expect(gpu.status).toBe('present');
    expect(gpu.devices[0]!.model).toBe('Graphics Device');
    expect(gpu.devices[0]).not.toHaveProperty('computeCapability');
    expect(gpu.devices[0]).not.toHaveProperty('computeCapabilitySource');
  });

  test('two GPUs, compute_cap answered for both', async () => {
    const { gpu } = await probe({ 'nvidia-smi': nvidiaSmi(XML('lampaa-2x-rtx-2080-ti-410.73-v10.xml'), '7.5\n7.5\n') });
    expect(gpu.count).toBe(2);
    expect(gpu.devices.map((d) => [d.index, d.model, d.computeCapability, d.computeCapabilitySource])).toEqual([
      [0, 'GeForce RTX 2080 Ti', '7.5', 'nvidia-smi'],
      [1, 'GeForce RTX 2080 Ti', '7.5', 'nvidia-smi'],
    ]);
  });

  test('a hung nvidia-smi: unknown with a timeout reason, the process ends within the budget, no tool left running', async () => {
    const pidFile = path.join(fakeToolsPath({}).dir, 'pids');
    dirs.push(path.dirname(pidFile));
    const { gpu, doc, durationMs } = await probe(
      { 'nvidia-smi': `#!/bin/sh\necho $$ >> ${quote(pidFile)}\nexec sleep 30\n` },
      // 2 s rather than 1: on a loaded CI runner both queries must have started before the deadline.
      ['--timeout', '2'],
    );
    expect(durationMs).toBeLessThan(5000);
    expect(gpu.status).toBe('unknown');
    expect(gpu.reason).toBe('nvidia-smi timed out (no answer within the 2 s probe budget)');
    expect(gpu).not.toHaveProperty('count');
    expect(gpu.devices).toEqual([]);
    expect(gpu.tools.nvidia).toMatchObject({ status: 'unknown', reason: gpu.reason });
    expect(doc.probes.find((p) => p.target === 'gpu')).toMatchObject({ outcome: 'ok' });
    // Both queries were started, and both were killed at the deadline.
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    // Gone, or a zombie waiting for init to reap it (killed, no longer running).
    const running = (pid: number): boolean => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
      } catch {
        return false;
      }
    };
    for (const pid of pids) expect(running(pid)).toBe(false);
  });

  test('garbage instead of XML: unknown with the reason', async () => {
    const { gpu } = await probe({ 'nvidia-smi': '#!/bin/sh\necho "Segmentation fault (core dumped)"\necho more\n' });
    expect(gpu.status).toBe('unknown');
    expect(gpu.reason).toBe('nvidia-smi printed output that is not nvidia-smi XML: Segmentation fault (core dumped)');
    expect(gpu.devices).toEqual([]);
  });

  test('driver not loaded (exit 9): unknown with nvidia-smi\'s message', async () => {
    const said = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
    const { gpu } = await probe({ 'nvidia-smi': `#!/bin/sh\necho ${quote(said)}\necho\nexit 9\n` });
    expect(gpu).toMatchObject({ status: 'unknown', reason: `nvidia-smi exited with 9: ${said}`, devices: [] });
  });

  test('rocm-smi printing a corpus file: AMD devices', async () => {
    const { gpu } = await probe({ 'rocm-smi': printsFile(ROCM('telegraf-rx6700xt-rocm-6.1.2.json')) });
    expect(gpu.status).toBe('present');
    expect(gpu.count).toBe(1);
    expect(gpu.tools.amd).toMatchObject({ status: 'ok', driverVersion: '6.3.6' });
    expect(gpu.tools.nvidia.status).toBe('absent');
    expect(gpu.devices).toEqual([
      {
        vendor: 'amd',
        index: 0,
        model: 'Navi 22 [Radeon RX 6700/6700 XT / 6800M]',
        pciBusId: '0000:07:00.0',
        memoryMiB: 12272,
        driverVersion: '6.3.6',
        architecture: 'gfx1031',
        migMode: 'unsupported',
        migDevices: [],
      },
    ]);
  });

  test('NVIDIA and AMD together: both listed', async () => {
    const { gpu } = await probe({
      'nvidia-smi': nvidiaSmi(XML('telegraf-tesla-t4-515.105.01-v11.xml'), '7.5\n'),
      'rocm-smi': printsFile(ROCM('telegraf-mi100-rocm-6.0.2.json')),
    });
    expect(gpu.status).toBe('present');
    expect(gpu.count).toBe(5);
    expect(gpu.devices.map((d) => `${d.vendor} ${d.model}`)).toEqual([
      'nvidia Tesla T4',
      ...Array(4).fill('amd Arcturus GL-XL [Instinct MI100]'),
    ]);
  });
});
