/**
 * A simulated cluster for the loopback API server: N nodes (the last G with GPUs, GPU Feature
 * Discovery labels and a GPU taint; one NotReady, one cordoned), M pods spread over them with
 * requests (GPUs as limits only, some init containers, some finished, some unscheduled), the GPU
 * Operator's DaemonSets and their pods (the device plugin missing on one GPU node), StorageClasses,
 * CSI drivers, CRDs, a ClusterPolicy, an IngressClass, a namespace with Pod Security labels, a quota
 * and a limit range. Nodes and pods are generated lazily, one page at a time, as EKS would show them.
 *
 * `expected` is computed from the same plan with plain arithmetic (not by parsing what is served),
 * so tests compare the probe's parsing and aggregation against an independent sum.
 */
import type { DiscoveryGroup, LazyItems, ResourceSpec } from './k8s-server.js';

export interface SimOptions {
  nodes: number;
  gpuNodes?: number;
  pods: number;
  /** The namespace with Pod Security labels, a quota and a limit range. */
  namespace?: string;
  gatewayApi?: boolean;
}

export interface SimCluster {
  resources: ResourceSpec[];
  groups: DiscoveryGroup[];
  version: object;
  expected: {
    nodes: number;
    ready: number;
    schedulable: number;
    gpuNodes: number;
    notReady: string[];
    /** millicores */
    cpuCapacityMilli: number;
    cpuAllocatableMilli: number;
    cpuRequestedMilli: number;
    memoryRequested: number;
    gpuCapacity: number;
    gpuRequested: number;
    /** Largest free on one ready, schedulable node. */
    largestFreeCpuMilli: number;
    largestFreeGpu: number;
    largestFreeMemory: number;
    devicePluginMissing: string[];
    pods: number;
  };
}

const MI = 2 ** 20;
const GI = 2 ** 30;
const CPU_CHOICES = [100, 250, 500, 1000];
const MEM_CHOICES = [128, 256, 512, 1024].map((m) => m * MI);
const NAMESPACES = ['default', 'ml', 'team-a', 'team-b', 'monitoring', 'ingress'];

const NODE_CPU_MILLI = 16000;
const NODE_CPU_ALLOC_MILLI = 15890;
const NODE_MEM = 64 * GI;
const NODE_MEM_ALLOC = 62 * GI;
const GPUS_PER_NODE = 8;

const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(width, '0').slice(-width);

interface PodPlan {
  name: string;
  namespace: string;
  node?: number;
  phase: 'Running' | 'Succeeded' | 'Pending';
  cpuMilli: number;
  mem: number;
  gpus: number;
  init?: { cpuMilli: number; mem: number };
  owner: { kind: string; name: string };
}

export function simulatedCluster(options: SimOptions): SimCluster {
  const N = options.nodes;
  const G = Math.min(options.gpuNodes ?? Math.max(1, Math.floor(N / 10)), N);
  const M = options.pods;
  const targetNs = options.namespace ?? 'ml';
  const isGpu = (n: number) => n >= N - G;
  const nodeName = (n: number) => (isGpu(n) ? `ip-10-1-${(n >> 8) & 255}-${n & 255}.gpu.ec2.internal` : `ip-10-0-${(n >> 8) & 255}-${n & 255}.ec2.internal`);
  const notReadyNode = N > 3 ? 1 : -1;
  const cordonedNode = N > 3 ? 2 : -1;
  const ready = (n: number) => n !== notReadyNode;
  const schedulable = (n: number) => ready(n) && n !== cordonedNode;

  // ---- nodes
  const images = Array.from({ length: 8 }, (_, k) => ({
    names: [`602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/pause@sha256:${hex(k * 7919, 8).repeat(8)}`, `602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/image-${k}:v1.${k}.0`],
    sizeBytes: 300000 + k * 1234567,
  }));
  const imagesJson = JSON.stringify(images);
  const nodeJson = (n: number): string => {
    const name = nodeName(n);
    const gpu = isGpu(n);
    const arch = !gpu && n % 7 === 3 ? 'arm64' : 'amd64';
    const zone = ['us-east-1a', 'us-east-1b', 'us-east-1c'][n % 3]!;
    const labels: Record<string, string> = {
      'beta.kubernetes.io/arch': arch,
      'beta.kubernetes.io/instance-type': gpu ? 'p4d.24xlarge' : arch === 'arm64' ? 'm6g.4xlarge' : 'm5.4xlarge',
      'beta.kubernetes.io/os': 'linux',
      'eks.amazonaws.com/capacityType': 'ON_DEMAND',
      'eks.amazonaws.com/nodegroup': gpu ? 'gpu-a100' : 'general',
      'eks.amazonaws.com/nodegroup-image': 'ami-0123456789abcdef0',
      'failure-domain.beta.kubernetes.io/region': 'us-east-1',
      'failure-domain.beta.kubernetes.io/zone': zone,
      'k8s.io/cloud-provider-aws': 'a3b0e2ad8b1c4f2e9d7c6b5a4f3e2d1c',
      'kubernetes.io/arch': arch,
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': gpu ? 'p4d.24xlarge' : arch === 'arm64' ? 'm6g.4xlarge' : 'm5.4xlarge',
      'topology.ebs.csi.aws.com/zone': zone,
      'topology.kubernetes.io/region': 'us-east-1',
      'topology.kubernetes.io/zone': zone,
    };
    if (gpu) {
      Object.assign(labels, {
        'feature.node.kubernetes.io/pci-10de.present': 'true',
        'nvidia.com/cuda.driver-version.full': '535.104.05',
        'nvidia.com/cuda.driver-version.major': '535',
        'nvidia.com/cuda.driver-version.minor': '104',
        'nvidia.com/cuda.driver-version.revision': '05',
        'nvidia.com/cuda.runtime-version.full': '12.2',
        'nvidia.com/cuda.runtime-version.major': '12',
        'nvidia.com/cuda.runtime-version.minor': '2',
        'nvidia.com/gfd.timestamp': '1712345678',
        'nvidia.com/gpu.compute.major': '8',
        'nvidia.com/gpu.compute.minor': '0',
        'nvidia.com/gpu.count': String(GPUS_PER_NODE),
        'nvidia.com/gpu.deploy.device-plugin': 'true',
        'nvidia.com/gpu.family': 'ampere',
        'nvidia.com/gpu.machine': 'p4d.24xlarge',
        'nvidia.com/gpu.memory': '81920',
        'nvidia.com/gpu.present': 'true',
        'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB',
        'nvidia.com/mig.capable': 'true',
        'nvidia.com/mig.strategy': 'single',
      });
    }
    const capacity: Record<string, string> = {
      'attachable-volumes-aws-ebs': '25',
      cpu: String(NODE_CPU_MILLI / 1000),
      'ephemeral-storage': '104845292Ki',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
      memory: `${NODE_MEM / 1024}Ki`,
      pods: '110',
    };
    const allocatable: Record<string, string> = {
      'attachable-volumes-aws-ebs': '25',
      cpu: `${NODE_CPU_ALLOC_MILLI}m`,
      'ephemeral-storage': '95551679124',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
      memory: `${NODE_MEM_ALLOC / 1024}Ki`,
      pods: '110',
    };
    if (gpu) capacity['nvidia.com/gpu'] = allocatable['nvidia.com/gpu'] = String(GPUS_PER_NODE);
    const t = '2024-04-02T10:11:12Z';
    const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: t, lastTransitionTime: t, reason, message });
    const node = {
      metadata: {
        name,
        uid: `${hex(n * 2654435761, 8)}-0000-4000-8000-${hex(n, 12)}`,
        resourceVersion: String(100000 + n),
        creationTimestamp: '2024-04-01T08:00:00Z',
        labels,
        annotations: {
          'alpha.kubernetes.io/provided-node-ip': `10.0.${(n >> 8) & 255}.${n & 255}`,
          'node.alpha.kubernetes.io/ttl': '0',
          'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
          'csi.volume.kubernetes.io/nodeid': `{"ebs.csi.aws.com":"i-0${hex(n * 40503, 16)}"}`,
        },
      },
      spec: {
        providerID: `aws:///${zone}/i-0${hex(n * 40503, 16)}`,
        ...(n === cordonedNode ? { unschedulable: true } : {}),
        ...(gpu ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } : n === cordonedNode ? { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: t }] } : {}),
      },
      status: {
        capacity,
        allocatable,
        conditions: [
          cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
          cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
          ready(n) ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status') : cond('Ready', 'False', 'KubeletNotReady', 'container runtime network not ready: NetworkReady=false'),
        ],
        addresses: [
          { type: 'InternalIP', address: `10.0.${(n >> 8) & 255}.${n & 255}` },
          { type: 'InternalDNS', address: name },
          { type: 'Hostname', address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: hex(n * 97, 32),
          systemUUID: `ec2${hex(n, 5)}-0000-0000-0000-${hex(n * 31, 12)}`,
          bootID: `${hex(n * 131, 8)}-1111-2222-3333-${hex(n, 12)}`,
          kernelVersion: '5.10.213-201.855.amzn2.x86_64',
          osImage: 'Amazon Linux 2',
          containerRuntimeVersion: 'containerd://1.7.11',
          kubeletVersion: n % 5 === 4 ? 'v1.28.5-eks-5e0fdde' : 'v1.29.3-eks-ae9a62a',
          kubeProxyVersion: 'v1.29.3-eks-ae9a62a',
          operatingSystem: 'linux',
          architecture: arch,
        },
      },
    };
    return JSON.stringify(node);
  };
  // Images are the same on every node: splice them in as text, after nodeInfo (the last key of status).
  const nodeText = (n: number) => nodeJson(n).slice(0, -2) + `,"images":${imagesJson}}}`;
  const nodes: LazyItems = { count: N, json: nodeText, meta: (n) => ({ name: nodeName(n) }) };

  // ---- pods: M workload pods, then the GPU DaemonSets' pods (device plugin on all GPU nodes but the last; DCGM on all).
  const gpuNodeIndexes = Array.from({ length: G }, (_, k) => N - G + k);
  const dsPods: { ds: string; node: number }[] = [
    ...gpuNodeIndexes.slice(0, Math.max(0, G - 1)).map((node) => ({ ds: 'nvidia-device-plugin-daemonset', node })),
    ...gpuNodeIndexes.map((node) => ({ ds: 'nvidia-dcgm-exporter', node })),
  ];
  const plan = (i: number): PodPlan => {
    if (i >= M) {
      const d = dsPods[i - M]!;
      return { name: `${d.ds}-${hex(i * 7, 5)}`, namespace: 'gpu-operator', node: d.node, phase: 'Running', cpuMilli: 50, mem: 64 * MI, gpus: 0, owner: { kind: 'DaemonSet', name: d.ds } };
    }
    const namespace = NAMESPACES[i % NAMESPACES.length]!;
    const unscheduled = i % 1000 === 999;
    const node = unscheduled ? undefined : i % N;
    const finished = i % 20 === 7;
    const gpus = node !== undefined && isGpu(node) && Math.floor(i / N) < 6 ? 1 : 0;
    const p: PodPlan = {
      name: `worker-${hex(i * 2654435761, 8)}-${hex(i, 5)}`,
      namespace,
      ...(node !== undefined ? { node } : {}),
      phase: unscheduled ? 'Pending' : finished ? 'Succeeded' : 'Running',
      cpuMilli: CPU_CHOICES[i % 4]!,
      mem: MEM_CHOICES[(i >> 2) % 4]!,
      gpus,
      owner: finished ? { kind: 'Job', name: `batch-${i % 97}` } : { kind: 'ReplicaSet', name: `worker-${hex(i % 113, 8)}` },
    };
    if (i % 10 === 3) p.init = { cpuMilli: 2000, mem: 64 * MI };
    return p;
  };
  const podCount = M + dsPods.length;
  const podJson = (i: number): string => {
    const p = plan(i);
    const nodeN = p.node;
    const requests = `{"cpu":"${p.cpuMilli}m","memory":"${p.mem / MI}Mi"}`;
    const limits = p.gpus ? `{"memory":"${p.mem / MI}Mi","nvidia.com/gpu":"${p.gpus}"}` : `{"memory":"${p.mem / MI}Mi"}`;
    const uid = `${hex(i * 2654435761, 8)}-${hex(i, 4)}-4${hex(i * 3, 3)}-8${hex(i * 5, 3)}-${hex(i * 11, 12)}`;
    const ip = `10.2.${(i >> 8) & 255}.${i & 255}`;
    const running = p.phase === 'Running';
    const t = '2024-04-02T10:11:12Z';
    const init = p.init
      ? `"initContainers":[{"name":"fetch-model","image":"public.ecr.aws/docker/library/busybox:1.36","command":["sh","-c","cp -r /src /models"],"resources":{"requests":{"cpu":"${p.init.cpuMilli}m","memory":"${p.init.mem / MI}Mi"}},"volumeMounts":[{"name":"models","mountPath":"/models"}],"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],`
      : '';
    const conditions = running
      ? `[{"type":"PodReadyToStartContainers","status":"True","lastProbeTime":null,"lastTransitionTime":"${t}"},{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"${t}"},{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"${t}"},{"type":"ContainersReady","status":"True","lastProbeTime":null,"lastTransitionTime":"${t}"},{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"${t}"}]`
      : p.phase === 'Pending'
        ? `[{"type":"PodScheduled","status":"False","lastProbeTime":null,"lastTransitionTime":"${t}","reason":"Unschedulable","message":"0/${N} nodes are available: insufficient cpu."}]`
        : `[{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"${t}","reason":"PodCompleted"},{"type":"Ready","status":"False","lastProbeTime":null,"lastTransitionTime":"${t}","reason":"PodCompleted"},{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"${t}"}]`;
    const containerStatus =
      p.phase === 'Pending'
        ? ''
        : `,"containerStatuses":[{"name":"main","state":${running ? `{"running":{"startedAt":"${t}"}}` : `{"terminated":{"exitCode":0,"reason":"Completed","startedAt":"${t}","finishedAt":"${t}","containerID":"containerd://${hex(i * 13, 16)}${hex(i * 17, 16)}"}}`},"lastState":{},"ready":${running},"restartCount":0,"image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/ml/worker:2024.04","imageID":"123456789012.dkr.ecr.us-east-1.amazonaws.com/ml/worker@sha256:${hex(i % 13, 8).repeat(8)}","containerID":"containerd://${hex(i * 13, 16)}${hex(i * 17, 16)}","started":${running}}]`;
    return (
      `{"metadata":{"name":"${p.name}","generateName":"${p.name.slice(0, -5)}","namespace":"${p.namespace}","uid":"${uid}","resourceVersion":"${200000 + i}","creationTimestamp":"${t}",` +
      `"labels":{"app.kubernetes.io/name":"worker","app.kubernetes.io/instance":"${p.owner.name}","pod-template-hash":"${hex(i % 113, 10)}"},` +
      `"annotations":{"kubectl.kubernetes.io/restartedAt":"${t}"},` +
      `"ownerReferences":[{"apiVersion":"${p.owner.kind === 'DaemonSet' || p.owner.kind === 'ReplicaSet' ? 'apps/v1' : 'batch/v1'}","kind":"${p.owner.kind}","name":"${p.owner.name}","uid":"${hex(i % 113, 8)}-aaaa-4bbb-8ccc-${hex(i % 113, 12)}","controller":true,"blockOwnerDeletion":true}]},` +
      `"spec":{"volumes":[{"name":"models","emptyDir":{}},{"name":"kube-api-access-${hex(i, 5)}","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],` +
      init +
      `"containers":[{"name":"main","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/ml/worker:2024.04","args":["--port=8080","--workers=4"],"ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],"env":[{"name":"MODEL_DIR","value":"/models"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],` +
      `"resources":{"limits":${limits},"requests":${requests}},"volumeMounts":[{"name":"models","mountPath":"/models"},{"name":"kube-api-access-${hex(i, 5)}","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],` +
      `"readinessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"allowPrivilegeEscalation":false}}],` +
      `"restartPolicy":"${p.owner.kind === 'Job' ? 'Never' : 'Always'}","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default",` +
      (nodeN !== undefined ? `"nodeName":"${nodeName(nodeN)}",` : '') +
      `"securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}${p.gpus ? ',{"key":"nvidia.com/gpu","operator":"Exists","effect":"NoSchedule"}' : ''}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},` +
      `"status":{"phase":"${p.phase}","conditions":${conditions}` +
      (nodeN !== undefined ? `,"hostIP":"10.0.${(nodeN >> 8) & 255}.${nodeN & 255}","hostIPs":[{"ip":"10.0.${(nodeN >> 8) & 255}.${nodeN & 255}"}],"podIP":"${ip}","podIPs":[{"ip":"${ip}"}],"startTime":"${t}"` : '') +
      `${containerStatus},"qosClass":"Burstable"}}`
    );
  };
  const pods: LazyItems = { count: podCount, json: podJson, meta: (i) => { const p = plan(i); return { name: p.name, namespace: p.namespace }; } };

  // ---- expected, by arithmetic over the plan
  let cpuReq = 0;
  let memReq = 0;
  let gpuReq = 0;
  const perNodeCpu = new Float64Array(N);
  const perNodeMem = new Float64Array(N);
  const perNodeGpu = new Float64Array(N);
  for (let i = 0; i < podCount; i++) {
    const p = plan(i);
    if (p.phase === 'Succeeded') continue;
    const cpu = Math.max(p.cpuMilli, p.init?.cpuMilli ?? 0);
    const mem = Math.max(p.mem, p.init?.mem ?? 0);
    cpuReq += cpu;
    memReq += mem;
    gpuReq += p.gpus;
    if (p.node !== undefined) {
      perNodeCpu[p.node] = perNodeCpu[p.node]! + cpu;
      perNodeMem[p.node] = perNodeMem[p.node]! + mem;
      perNodeGpu[p.node] = perNodeGpu[p.node]! + p.gpus;
    }
  }
  let freeCpu = 0;
  let freeMem = 0;
  let freeGpu = 0;
  for (let n = 0; n < N; n++) {
    if (!schedulable(n)) continue;
    freeCpu = Math.max(freeCpu, NODE_CPU_ALLOC_MILLI - perNodeCpu[n]!);
    freeMem = Math.max(freeMem, NODE_MEM_ALLOC - perNodeMem[n]!);
    if (isGpu(n)) freeGpu = Math.max(freeGpu, GPUS_PER_NODE - perNodeGpu[n]!);
  }
  const notReady = Array.from({ length: N }, (_, n) => n)
    .filter((n) => !ready(n))
    .map(nodeName);

  // ---- everything else
  const meta = (name: string, namespace?: string, extra: object = {}) => ({
    name,
    ...(namespace ? { namespace } : {}),
    uid: `${hex(name.length * 7777, 8)}-1234-4abc-8def-${hex(name.length * 31, 12)}`,
    resourceVersion: '4242',
    creationTimestamp: '2024-04-01T08:00:00Z',
    ...extra,
  });
  const ds = (name: string, namespace: string, desired: number, readyCount: number, containers: object[] = [{ name, image: `registry.example/${name}:v1` }]) => ({
    metadata: meta(name, namespace, { generation: 1, labels: { 'app.kubernetes.io/name': name } }),
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: { metadata: { labels: { 'app.kubernetes.io/name': name } }, spec: { containers } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
    status: { currentNumberScheduled: desired, numberMisscheduled: 0, desiredNumberScheduled: desired, numberReady: readyCount, observedGeneration: 1, updatedNumberScheduled: desired, numberAvailable: readyCount, ...(desired > readyCount ? { numberUnavailable: desired - readyCount } : {}) },
  });
  const daemonSets = [
    ds('aws-node', 'kube-system', N, N - 1, [
      { name: 'aws-node', image: '602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni:v1.18.0' },
      { name: 'aws-eks-nodeagent', image: '602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon/aws-network-policy-agent:v1.1.0', args: ['--enable-ipv6=false', '--enable-network-policy=false', '--enable-cloudwatch-logs=false', '--metrics-bind-addr=:8162', '--health-probe-bind-addr=:8163'] },
    ]),
    ds('kube-proxy', 'kube-system', N, N - 1),
    ds('ebs-csi-node', 'kube-system', N, N - 1),
    ds('nvidia-device-plugin-daemonset', 'gpu-operator', G, Math.max(0, G - 1)),
    ds('nvidia-dcgm-exporter', 'gpu-operator', G, G),
    ds('gpu-feature-discovery', 'gpu-operator', G, G),
    ds('nvidia-operator-validator', 'gpu-operator', G, G),
    ds('fluent-bit', 'logging', N, N - 1),
  ];
  const crd = (plural: string, group: string, kind: string, scope = 'Namespaced') => ({
    metadata: meta(`${plural}.${group}`, undefined, { annotations: { 'controller-gen.kubebuilder.io/version': 'v0.14.0' } }),
    spec: {
      group,
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      scope,
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } }, subresources: { status: {} } }],
    },
    status: { acceptedNames: { plural, kind }, storedVersions: ['v1'], conditions: [{ type: 'Established', status: 'True', lastTransitionTime: '2024-04-01T08:00:00Z', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }] },
  });
  const crds = [
    crd('clusterpolicies', 'nvidia.com', 'ClusterPolicy', 'Cluster'),
    crd('nvidiadrivers', 'nvidia.com', 'NVIDIADriver', 'Cluster'),
    crd('pytorchjobs', 'kubeflow.org', 'PyTorchJob'),
    crd('rayclusters', 'ray.io', 'RayCluster'),
    crd('rayjobs', 'ray.io', 'RayJob'),
    crd('clusterqueues', 'kueue.x-k8s.io', 'ClusterQueue', 'Cluster'),
    crd('localqueues', 'kueue.x-k8s.io', 'LocalQueue'),
    crd('servicemonitors', 'monitoring.coreos.com', 'ServiceMonitor'),
    crd('prometheuses', 'monitoring.coreos.com', 'Prometheus'),
    crd('alertmanagers', 'monitoring.coreos.com', 'Alertmanager'),
    crd('certificates', 'cert-manager.io', 'Certificate'),
    crd('volumesnapshots', 'snapshot.storage.k8s.io', 'VolumeSnapshot'),
    crd('volumesnapshotclasses', 'snapshot.storage.k8s.io', 'VolumeSnapshotClass', 'Cluster'),
  ];
  const storageClasses = [
    { metadata: meta('gp3', undefined, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', encrypted: 'true' }, reclaimPolicy: 'Delete', allowVolumeExpansion: true, volumeBindingMode: 'WaitForFirstConsumer' },
    { metadata: meta('gp2'), provisioner: 'kubernetes.io/aws-ebs', parameters: { type: 'gp2', fsType: 'ext4' }, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' },
    { metadata: meta('efs-sc'), provisioner: 'efs.csi.aws.com', parameters: { provisioningMode: 'efs-ap', fileSystemId: 'fs-0123456789abcdef0', directoryPerms: '700' }, reclaimPolicy: 'Retain', volumeBindingMode: 'Immediate' },
  ];
  const csiDrivers = ['ebs.csi.aws.com', 'efs.csi.aws.com'].map((name) => ({ metadata: meta(name), spec: { attachRequired: name.startsWith('ebs'), podInfoOnMount: false, fsGroupPolicy: 'ReadWriteOnceWithFSType', volumeLifecycleModes: ['Persistent'] } }));
  const namespaces = ['default', 'kube-system', 'gpu-operator', 'logging', targetNs].map((name) => ({
    metadata: meta(name, undefined, {
      labels: { 'kubernetes.io/metadata.name': name, ...(name === targetNs ? { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' } : {}) },
    }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }));
  const resources: ResourceSpec[] = [
    { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, items: nodes, shortNames: ['no'] },
    { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, items: pods, shortNames: ['po'] },
    { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, items: namespaces, shortNames: ['ns'] },
    {
      group: '',
      version: 'v1',
      resource: 'resourcequotas',
      kind: 'ResourceQuota',
      namespaced: true,
      items: [
        {
          metadata: meta('gpu-quota', targetNs),
          spec: { hard: { 'requests.cpu': '100', 'requests.memory': '500Gi', 'requests.nvidia.com/gpu': '8', pods: '200' } },
          status: { hard: { 'requests.cpu': '100', 'requests.memory': '500Gi', 'requests.nvidia.com/gpu': '8', pods: '200' }, used: { 'requests.cpu': '12500m', 'requests.memory': '48Gi', 'requests.nvidia.com/gpu': '3', pods: '42' } },
        },
      ],
    },
    {
      group: '',
      version: 'v1',
      resource: 'limitranges',
      kind: 'LimitRange',
      namespaced: true,
      items: [{ metadata: meta('defaults', targetNs), spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' }, max: { cpu: '8', memory: '64Gi' } }] } }],
    },
    { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, items: daemonSets, shortNames: ['ds'] },
    {
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      kind: 'Deployment',
      namespaced: true,
      items: [['coredns', 'kube-system'], ['metrics-server', 'kube-system'], ['gpu-operator', 'gpu-operator'], ['kube-prometheus-stack-operator', 'monitoring'], ['cert-manager', 'cert-manager']].map(([n, s]) => ({ metadata: meta(n!, s), spec: { replicas: 1 }, status: { replicas: 1, readyReplicas: 1 } })),
    },
    { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true, items: [{ metadata: meta('alertmanager-main', 'monitoring'), spec: { replicas: 1 }, status: { replicas: 1 } }] },
    { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false, items: storageClasses, shortNames: ['sc'] },
    { group: 'storage.k8s.io', version: 'v1', resource: 'csidrivers', kind: 'CSIDriver', namespaced: false, items: csiDrivers },
    { group: 'node.k8s.io', version: 'v1', resource: 'runtimeclasses', kind: 'RuntimeClass', namespaced: false, items: [{ metadata: meta('nvidia'), handler: 'nvidia' }] },
    {
      group: 'networking.k8s.io',
      version: 'v1',
      resource: 'ingressclasses',
      kind: 'IngressClass',
      namespaced: false,
      items: [
        { metadata: meta('alb', undefined, { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }), spec: { controller: 'ingress.k8s.aws/alb' } },
        { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx' } },
      ],
    },
    { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, items: crds, shortNames: ['crd'] },
    {
      group: 'apiregistration.k8s.io',
      version: 'v1',
      resource: 'apiservices',
      kind: 'APIService',
      namespaced: false,
      items: [
        {
          metadata: meta('v1beta1.metrics.k8s.io'),
          spec: { service: { name: 'metrics-server', namespace: 'kube-system', port: 443 }, group: 'metrics.k8s.io', version: 'v1beta1', insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100 },
          status: { conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2024-04-01T08:05:00Z', reason: 'Passed', message: 'all checks passed' }] },
        },
      ],
    },
    {
      group: 'nvidia.com',
      version: 'v1',
      resource: 'clusterpolicies',
      kind: 'ClusterPolicy',
      namespaced: false,
      items: [{ metadata: meta('cluster-policy'), spec: { operator: { defaultRuntime: 'containerd' }, driver: { enabled: true }, devicePlugin: { enabled: true }, mig: { strategy: 'single' } }, status: { state: 'ready', namespace: 'gpu-operator' } }],
    },
  ];
  const groups: DiscoveryGroup[] = [
    { group: 'metrics.k8s.io', version: 'v1beta1', resources: [{ name: 'nodes', kind: 'NodeMetrics', namespaced: false }, { name: 'pods', kind: 'PodMetrics', namespaced: true }] },
    { group: 'snapshot.storage.k8s.io', version: 'v1', resources: [{ name: 'volumesnapshots', kind: 'VolumeSnapshot', namespaced: true }, { name: 'volumesnapshotclasses', kind: 'VolumeSnapshotClass', namespaced: false }] },
    { group: 'kubeflow.org', version: 'v1', resources: [{ name: 'pytorchjobs', kind: 'PyTorchJob', namespaced: true }] },
    ...(options.gatewayApi ? [{ group: 'gateway.networking.k8s.io', version: 'v1', resources: [{ name: 'gateways', kind: 'Gateway', namespaced: true }] }] : []),
  ];
  const version = {
    major: '1',
    minor: '29+',
    gitVersion: 'v1.29.3-eks-adc7111',
    gitCommit: '8b9e3b1e9b8f4b3fa3c2d8a1c2b3a4d5e6f7a8b9',
    gitTreeState: 'clean',
    buildDate: '2024-03-28T17:36:30Z',
    goVersion: 'go1.21.8',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
  return {
    resources,
    groups,
    version,
    expected: {
      nodes: N,
      ready: N - (notReadyNode >= 0 ? 1 : 0),
      schedulable: Array.from({ length: N }, (_, n) => n).filter(schedulable).length,
      gpuNodes: G,
      notReady,
      cpuCapacityMilli: N * NODE_CPU_MILLI,
      cpuAllocatableMilli: N * NODE_CPU_ALLOC_MILLI,
      cpuRequestedMilli: cpuReq,
      memoryRequested: memReq,
      gpuCapacity: G * GPUS_PER_NODE,
      gpuRequested: gpuReq,
      largestFreeCpuMilli: freeCpu,
      largestFreeMemory: freeMem,
      largestFreeGpu: freeGpu,
      devicePluginMissing: G > 0 ? [nodeName(N - 1)] : [],
      pods: podCount,
    },
  };
}
