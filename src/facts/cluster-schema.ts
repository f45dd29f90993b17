/**
 * Cluster facts (`--target k8s`, `--target swarm`): part of the facts document, in its own file.
 *
 * Each part that comes from its own API call is its own section, so a denied or failed read makes
 * exactly those facts `{status: "unknown", reason}` ("forbidden: list pods") and leaves the rest.
 * A single value that could not be computed is an `Unknown` object in place of the number (e.g.
 * `resources["nvidia.com/gpu"].requested` when pods could not be listed); rules reading it are unknown
 * with its reason.
 */
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { StringEnum } from '../rules/schema.js';

const Reason = Type.String({ description: 'Why the value could not be read, in one line.' });
export const Unknown = Type.Object({ status: Type.Literal('unknown'), reason: Reason }, { additionalProperties: false });
const Count = (description: string) => Type.Integer({ minimum: 0, description });
const Counts = (description: string) => Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description });

function Section<T extends TProperties>(properties: T, description: string) {
  return Type.Union([Type.Object({ status: Type.Literal('ok'), ...properties }, { additionalProperties: false }), Unknown], { description });
}

const Taint = Type.Object(
  { key: Type.String(), value: Type.Optional(Type.String()), effect: Type.String() },
  { additionalProperties: false },
);

export const ResourceTotals = Type.Object(
  {
    capacity: Type.Number({ minimum: 0, description: 'Sum over nodes (cores for cpu, bytes for memory, devices otherwise)' }),
    allocatable: Type.Number({ minimum: 0 }),
    requested: Type.Union([Type.Number({ minimum: 0 }), Unknown], { description: 'Requested by pods that have not finished' }),
    largestFreePerNode: Type.Union([Type.Number({ minimum: 0 }), Unknown], {
      description: 'Most allocatable-minus-requested on any one schedulable, ready node: the largest pod that fits',
    }),
  },
  { additionalProperties: false },
);

export const GpuNode = Type.Object(
  {
    name: Type.String(),
    ready: Type.Boolean(),
    schedulable: Type.Boolean(),
    gpus: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'Allocatable GPU resources (nvidia.com/gpu, amd.com/gpu, nvidia.com/mig-*)' }),
    product: Type.Optional(Type.String({ description: 'nvidia.com/gpu.product (GPU Feature Discovery)' })),
    memoryMiB: Type.Optional(Type.Integer({ minimum: 0 })),
    count: Type.Optional(Type.Integer({ minimum: 0 })),
    driverVersion: Type.Optional(Type.String()),
    cudaVersion: Type.Optional(Type.String({ description: 'Highest CUDA the node driver supports (nvidia.com/cuda.runtime or driver major.minor)' })),
    computeCapability: Type.Optional(Type.String()),
    migStrategy: Type.Optional(Type.String()),
    migCapable: Type.Optional(Type.Boolean()),
    architecture: Type.Optional(Type.String()),
    taints: Type.Array(Taint),
  },
  { additionalProperties: false },
);

const DaemonSetStatus = Type.Object(
  {
    present: Type.Boolean(),
    name: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    desired: Type.Optional(Count('Pods the DaemonSet should run')),
    ready: Type.Optional(Count('Pods ready')),
    /** GPU nodes with no ready pod of this DaemonSet. */
    gpuNodesMissing: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export const StorageClass = Type.Object(
  {
    name: Type.String(),
    provisioner: Type.String(),
    default: Type.Boolean(),
    bindingMode: Type.Optional(Type.String()),
    allowExpansion: Type.Boolean(),
    reclaimPolicy: Type.Optional(Type.String()),
    readWriteMany: Type.Optional(Type.Boolean({ description: 'The provisioner is known to support ReadWriteMany (absent when unknown)' })),
  },
  { additionalProperties: false },
);

export const Kubernetes = Type.Object(
  {
    status: StringEnum(['available', 'unavailable', 'unknown']),
    reason: Type.Optional(Reason),
    context: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String({ description: 'The namespace workloads will run in' })),
    namespaceSource: Type.Optional(StringEnum(['flag', 'spec', 'context', 'default'])),
    server: Type.Optional(Type.String({ description: 'API server URL (a hash under --redact)' })),
    authMethod: Type.Optional(StringEnum(['token', 'client-certificate', 'exec', 'auth-provider', 'basic', 'in-cluster', 'none'])),
    proxy: Type.Optional(Type.String({ description: 'host:port of the HTTPS_PROXY the API requests went through (CONNECT), as kubectl would; absent when none applies (NO_PROXY, loopback, a kubeconfig proxy-url)' })),
    insecureSkipTlsVerify: Type.Optional(Type.Boolean({ description: 'The kubeconfig context turns TLS verification off' })),
    serverVersion: Type.Optional(Type.String({ description: 'gitVersion, e.g. v1.29.3+k3s1' })),
    distribution: Type.Optional(StringEnum(['eks', 'gke', 'aks', 'openshift', 'k3s', 'rke2', 'kind', 'minikube', 'other'])),
    distributionEvidence: Type.Optional(Type.String()),
    nodes: Type.Optional(
      Section(
        {
          total: Count('Nodes'),
          ready: Count('Ready nodes'),
          schedulable: Count('Ready nodes without spec.unschedulable'),
          roles: Counts('Nodes per role (control-plane, worker…)'),
          architectures: Counts('Nodes per kubernetes.io/arch'),
          operatingSystems: Counts('Nodes per kubernetes.io/os'),
          kubeletVersions: Counts('Nodes per kubelet version'),
          containerRuntimes: Counts('Nodes per container runtime (containerd, cri-o, docker)'),
          maxKubeletMinorSkew: Type.Optional(Type.Integer({ description: 'Largest (server minor - kubelet minor); negative when a kubelet is newer' })),
          notReady: Type.Array(Type.String(), { description: 'Names of nodes that are not Ready (at most 50)' }),
        },
        'Nodes.',
      ),
    ),
    resources: Type.Optional(
      Type.Union([
        Type.Object({ status: Type.Literal('ok') }, { additionalProperties: ResourceTotals }),
        Unknown,
      ], { description: 'Per resource name (cpu, memory, nvidia.com/gpu, amd.com/gpu, nvidia.com/mig-*): capacity, allocatable, requested, largest free on one node' }),
    ),
    gpuNodes: Type.Optional(
      Section(
        {
          count: Count('Nodes with an allocatable GPU resource'),
          items: Type.Array(GpuNode, { description: 'At most 200 nodes; the aggregates below cover all' }),
          products: Counts('GPU nodes per product label'),
          driverVersions: Counts('GPU nodes per driver version label'),
          cudaVersions: Counts('GPU nodes per CUDA version label'),
          taints: Type.Array(Taint, { description: 'Distinct taints of GPU nodes' }),
          untainted: Count('GPU nodes with no NoSchedule/NoExecute taint'),
        },
        'GPU nodes and their GPU Feature Discovery labels.',
      ),
    ),
    gpuSoftware: Type.Optional(
      Section(
        {
          devicePlugin: DaemonSetStatus,
          gpuOperator: Type.Object(
            { present: Type.Boolean(), namespace: Type.Optional(Type.String()), clusterPolicyState: Type.Optional(Type.String()) },
            { additionalProperties: false },
          ),
          dcgmExporter: DaemonSetStatus,
          amdDevicePlugin: DaemonSetStatus,
        },
        'GPU software: device plugin, GPU Operator, DCGM exporter.',
      ),
    ),
    runtimeClasses: Type.Optional(
      Section({ items: Type.Array(Type.Object({ name: Type.String(), handler: Type.String() }, { additionalProperties: false })) }, 'RuntimeClasses.'),
    ),
    storage: Type.Optional(
      Section(
        {
          classes: Type.Array(StorageClass),
          defaultCount: Count('StorageClasses marked default'),
          defaultClass: Type.Optional(Type.String()),
          readWriteMany: Type.Array(Type.String(), { description: 'Classes known to support ReadWriteMany' }),
          csiDrivers: Type.Array(Type.String()),
          volumeSnapshots: Type.Boolean({ description: 'The VolumeSnapshot API is served' }),
        },
        'Storage classes, CSI drivers, snapshots.',
      ),
    ),
    metricsApi: Type.Optional(Section({ available: Type.Boolean() }, 'The resource metrics API (metrics.k8s.io) for autoscaling.')),
    networking: Type.Optional(
      Section(
        {
          ingressClasses: Type.Array(
            Type.Object({ name: Type.String(), controller: Type.String(), default: Type.Boolean() }, { additionalProperties: false }),
          ),
          gatewayApi: Type.Boolean(),
          cni: Type.Optional(Type.String({ description: 'Detected CNI (calico, cilium, weave, flannel, kindnet, aws-vpc-cni, …)' })),
          networkPolicyEnforced: Type.Optional(Type.Boolean({ description: 'The CNI enforces NetworkPolicy (absent when not detectable)' })),
        },
        'Ingress, Gateway API, CNI.',
      ),
    ),
    targetNamespace: Type.Optional(
      Section(
        {
          name: Type.String(),
          exists: Type.Optional(Type.Boolean({ description: 'Absent (see unknownFields) when the Namespace could not be read' })),
          podSecurity: Type.Optional(
            Type.Object(
              { enforce: Type.Optional(Type.String()), audit: Type.Optional(Type.String()), warn: Type.Optional(Type.String()) },
              { additionalProperties: false },
            ),
          ),
          unknownFields: Type.Optional(
            Type.Record(Type.String(), Reason, {
              description:
                'Parts that could not be read, with the reason: exists and podSecurity (GET the Namespace, often forbidden to namespace-scoped users), resourceQuotas, limitRanges; the parts that were read stay usable',
            }),
          ),
          resourceQuotas: Type.Optional(Type.Array(
            Type.Object(
              {
                name: Type.String(),
                hard: Type.Record(Type.String(), Type.Number()),
                used: Type.Record(Type.String(), Type.Number()),
              },
              { additionalProperties: false },
            ),
          )),
          limitRanges: Type.Optional(Type.Array(
            Type.Object(
              {
                name: Type.String(),
                limits: Type.Array(
                  Type.Object(
                    {
                      type: Type.String(),
                      max: Type.Optional(Type.Record(Type.String(), Type.Number())),
                      min: Type.Optional(Type.Record(Type.String(), Type.Number())),
                      default: Type.Optional(Type.Record(Type.String(), Type.Number())),
                      defaultRequest: Type.Optional(Type.Record(Type.String(), Type.Number())),
                    },
                    { additionalProperties: false },
                  ),
                ),
              },
              { additionalProperties: false },
            ),
          )),
        },
        'The namespace workloads will run in: Pod Security labels, quotas (quantities as numbers), limit ranges.',
      ),
    ),
    access: Type.Optional(
      Section(
        {
          can: Type.Record(Type.String(), Type.Boolean(), {
            description: 'SelfSubjectAccessReview in the target namespace, keyed "verb resource" (e.g. "create jobs.batch")',
          }),
          denied: Type.Array(Type.String()),
        },
        'What the current identity may do in the target namespace.',
      ),
    ),
    addons: Type.Optional(
      Section(
        {
          kubeflowTrainingOperator: Type.Boolean(),
          kuberay: Type.Boolean(),
          kueue: Type.Boolean(),
          volcano: Type.Boolean(),
          jobset: Type.Boolean(),
          knativeServing: Type.Boolean(),
          kserve: Type.Boolean(),
          argoWorkflows: Type.Boolean(),
          prometheusOperator: Type.Boolean(),
          prometheus: Type.Optional(Type.Boolean({ description: 'A Prometheus server runs (workload or Prometheus resource)' })),
          grafana: Type.Optional(Type.Boolean({ description: 'A Grafana workload runs' })),
          kubeStateMetrics: Type.Optional(Type.Boolean({ description: 'kube-state-metrics runs (workload name): Job and Deployment metrics for alerts' })),
          alertmanager: Type.Boolean(),
          certManager: Type.Boolean(),
          logShippers: Type.Array(Type.String(), { description: 'fluent-bit, fluentd, filebeat, vector, promtail' }),
          crds: Type.Integer({ minimum: 0, description: 'CustomResourceDefinitions seen' }),
        },
        'Installed engines and add-ons, from CRDs and workloads.',
      ),
    ),
    probe: Type.Optional(
      Type.Object(
        {
          requests: Count('API requests made'),
          pages: Count('List pages read'),
          retries: Count('Requests retried (429, 5xx, 410 restarts)'),
          partial: Type.Boolean({ description: 'The budget ran out before every list was read' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: 'A Kubernetes cluster (--target k8s).' },
);

export const SwarmNode = Type.Object(
  {
    id: Type.String(),
    hostname: Type.String(),
    role: Type.String(),
    availability: Type.String(),
    state: Type.String(),
    leader: Type.Optional(Type.Boolean()),
    engineVersion: Type.Optional(Type.String()),
    labels: Type.Record(Type.String(), Type.String()),
    genericResources: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'Discrete generic resources (e.g. NVIDIA-GPU: 4)' }),
    nanoCpus: Type.Optional(Type.Number()),
    memoryBytes: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

export const Swarm = Type.Object(
  {
    status: StringEnum(['available', 'unavailable', 'unknown'], {
      description: 'available: this engine is a manager of an active swarm; unavailable: not in a swarm, or not a manager',
    }),
    reason: Type.Optional(Reason),
    state: Type.Optional(Type.String({ description: 'LocalNodeState: inactive, pending, active, error, locked' })),
    managers: Type.Optional(Count('Manager nodes')),
    workers: Type.Optional(Count('Worker nodes')),
    nodes: Type.Optional(
      Type.Object(
        {
          total: Count('Nodes'),
          ready: Count('Nodes whose state is ready'),
          byRole: Counts('Nodes per role'),
          byAvailability: Counts('Nodes per availability (active, pause, drain)'),
          engineVersions: Counts('Nodes per engine version'),
          items: Type.Array(SwarmNode, { description: 'At most 200 nodes' }),
        },
        { additionalProperties: false },
      ),
    ),
    genericResources: Type.Optional(Counts('Generic resources over all nodes (e.g. NVIDIA-GPU)')),
    services: Type.Optional(Count('Services')),
  },
  { additionalProperties: false, description: 'Docker Swarm, as seen from this engine (--target swarm).' },
);

export const Cluster = Type.Object({ kubernetes: Kubernetes, swarm: Swarm }, { additionalProperties: false, description: 'Clusters.' });

export type KubernetesFacts = Static<typeof Kubernetes>;
export type SwarmFacts = Static<typeof Swarm>;
export type ClusterFacts = Static<typeof Cluster>;
export type GpuNodeFacts = Static<typeof GpuNode>;
export type StorageClassFacts = Static<typeof StorageClass>;
export type ResourceTotalsFacts = Static<typeof ResourceTotals>;
export type SwarmNodeFacts = Static<typeof SwarmNode>;
