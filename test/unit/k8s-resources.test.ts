/** Kubernetes resource arithmetic: quantities in integer units, pod requests as the scheduler computes them, quotas. */
import { containerRequests, isGpuResource, isTrackedResource, podRequests, quantityRecord, quotaResource, scaledQuantity, unscale } from '../../src/probes/kubernetes/resources.js';

const obj = (m: Map<string, number>) => Object.fromEntries(m);

describe('scaledQuantity', () => {
  test.each([
    ['cpu', '500m', 500],
    ['cpu', '2', 2000],
    ['cpu', '0.1', 100],
    ['cpu', '1.5', 1500],
    ['cpu', '100u', 1], // rounded up to a millicore, as Kubernetes does
    ['memory', '1Gi', 2 ** 30],
    ['memory', '128974848', 128974848],
    ['memory', '129e6', 129000000],
    ['memory', '123Mi', 123 * 2 ** 20],
    ['memory', '1.5Ki', 1536],
    ['memory', '0.5', 1],
    ['nvidia.com/gpu', '8', 8],
    ['ephemeral-storage', '104845292Ki', 104845292 * 1024],
  ])('%s %s → %d', (resource, raw, expected) => {
    expect(scaledQuantity(resource, raw)).toBe(expected);
  });

  test('numbers are taken as they are; garbage is undefined', () => {
    expect(scaledQuantity('cpu', 2)).toBe(2000);
    expect(scaledQuantity('memory', 'lots')).toBeUndefined();
    expect(scaledQuantity('memory', '')).toBeUndefined();
    expect(scaledQuantity('cpu', null)).toBeUndefined();
  });

  test('sums of many small cpu requests do not drift', () => {
    let sum = 0;
    for (let i = 0; i < 100000; i++) sum += scaledQuantity('cpu', '100m')!;
    expect(unscale('cpu', sum)).toBe(10000);
  });
});

describe('which resources are reported', () => {
  test.each([
    ['cpu', true],
    ['memory', true],
    ['ephemeral-storage', true],
    ['hugepages-2Mi', true],
    ['nvidia.com/gpu', true],
    ['nvidia.com/mig-1g.10gb', true],
    ['amd.com/gpu', true],
    ['pods', false],
    ['attachable-volumes-aws-ebs', false],
  ])('%s → %s', (name, tracked) => expect(isTrackedResource(name)).toBe(tracked));

  test('GPU resources', () => {
    expect(['nvidia.com/gpu', 'nvidia.com/mig-3g.40gb', 'amd.com/gpu', 'gpu.intel.com/i915', 'nvidia.com/gpu.shared'].every(isGpuResource)).toBe(true);
    expect(['cpu', 'smarter-devices/fuse', 'hugepages-1Gi'].some(isGpuResource)).toBe(false);
  });
});

describe('podRequests (the scheduler\'s rule)', () => {
  test('sums containers', () => {
    const r = podRequests({
      containers: [
        { resources: { requests: { cpu: '250m', memory: '256Mi' } } },
        { resources: { requests: { cpu: '750m', memory: '768Mi' } } },
      ],
    });
    expect(obj(r)).toEqual({ cpu: 1000, memory: 1024 * 2 ** 20 });
  });

  test('a GPU given only as a limit is requested (API defaulting), and a request wins over its limit', () => {
    expect(obj(containerRequests({ resources: { limits: { 'nvidia.com/gpu': '2', memory: '1Gi' }, requests: { memory: '512Mi' } } }))).toEqual({
      'nvidia.com/gpu': 2,
      memory: 512 * 2 ** 20,
    });
  });

  test('the largest init container counts when it is more than the containers', () => {
    const r = podRequests({
      initContainers: [{ resources: { requests: { cpu: '2', memory: '64Mi' } } }, { resources: { requests: { cpu: '500m', memory: '2Gi' } } }],
      containers: [{ resources: { requests: { cpu: '1', memory: '1Gi' } } }],
    });
    expect(obj(r)).toEqual({ cpu: 2000, memory: 2 * 2 ** 30 });
  });

  test('restartable init containers (sidecars) add to the containers and to later init containers', () => {
    const r = podRequests({
      initContainers: [
        { restartPolicy: 'Always', resources: { requests: { cpu: '100m' } } },
        { resources: { requests: { cpu: '1500m' } } },
      ],
      containers: [{ resources: { requests: { cpu: '1' } } }],
    });
    // containers 1 + sidecar 0.1 = 1.1; init phase: 1.5 + sidecar 0.1 = 1.6 → 1.6
    expect(obj(r)).toEqual({ cpu: 1600 });
  });

  test('pod overhead is added; missing parts are fine', () => {
    expect(obj(podRequests({ containers: [{ resources: { requests: { cpu: '1' } } }], overhead: { cpu: '250m', memory: '120Mi' } }))).toEqual({
      cpu: 1250,
      memory: 120 * 2 ** 20,
    });
    expect(obj(podRequests({ containers: [{}, { resources: null }] }))).toEqual({});
    expect(obj(podRequests(undefined))).toEqual({});
  });
});

describe('quotas and limit ranges as numbers', () => {
  test('quota keys name their resource', () => {
    expect(quotaResource('requests.cpu')).toBe('cpu');
    expect(quotaResource('limits.nvidia.com/gpu')).toBe('nvidia.com/gpu');
    expect(quotaResource('requests.nvidia.com/gpu')).toBe('nvidia.com/gpu');
    expect(quotaResource('pods')).toBe('pods');
    expect(quotaResource('cpu')).toBe('cpu');
  });

  test('quantities are parsed in the unit of their resource', () => {
    expect(
      quantityRecord({ 'requests.cpu': '12500m', 'requests.memory': '48Gi', 'requests.nvidia.com/gpu': '3', pods: '42', 'count/jobs.batch': '10', bogus: 'x' }, quotaResource),
    ).toEqual({ 'requests.cpu': 12.5, 'requests.memory': 48 * 2 ** 30, 'requests.nvidia.com/gpu': 3, pods: 42, 'count/jobs.batch': 10 });
  });
});
