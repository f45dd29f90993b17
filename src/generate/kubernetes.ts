/**
 * Kubernetes manifests (a kustomize base and dev/prod overlays) from the model.
 *
 * Batch ordering needs no API access: the stages of a chain are the ordered init containers (and
 * the last, main container) of one Job; the kubelet starts each only after the previous one exited
 * 0. Units that cannot share a pod (a distributed stage) and services that need batch outputs wait
 * in an init container for marker files the unit before them writes on a small shared volume.
 *
 * Kubernetes expands `$(VAR)` in command, args and env values, so spec strings placed there have
 * `$` escaped as `$$`; spec environment variables go through a ConfigMap (envFrom), which is never
 * expanded.
 */
import { createHash } from 'node:crypto';
import { APP_HOME, ENTRYPOINT_PATH, MARKER_DIR, VENV, type BatchUnit, type Marker, type ModelStage, type WorkflowModel } from '../workflow/model.js';
import { knativeService, QUEUE_PROXY_PORTS } from './knative.js';

type Obj = Record<string, unknown>;
export interface K8sFile {
  path: string;
  docs: Obj[];
}

const MiB = 2 ** 20;
const TORCH_PORT = 29500;
const JOB_TTL = 86400;
const JOB_DEADLINE = 86400;

/** A DNS-1035 label of at most `max` characters (Service names are the strictest): hashed when too long. */
export function k8sName(parts: string[], max = 63): string {
  let name = parts.join('-');
  if (!/^[a-z]/.test(name)) name = `w-${name}`;
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9).replace(/-+$/, '')}-${hash}`;
}

const escapeK8s = (s: string) => s.replace(/\$/g, '$$$$');

const mi = (bytes: number) => `${Math.max(1, Math.ceil(bytes / MiB))}Mi`;

/** The recommended labels of everything mlready writes for a workflow. */
export function k8sLabels(model: WorkflowModel, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': model.name,
    'app.kubernetes.io/instance': model.name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': model.name,
    'app.kubernetes.io/managed-by': 'mlready',
  };
}

/** The labels selectors use (stable across versions: no part-of, no managed-by). */
export const SELECTOR_KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component'] as const;

/** Object metadata: name, the workflow's namespace, labels, and the spec's annotations. */
export function k8sMeta(model: WorkflowModel, name: string, component: string): Obj {
  return {
    name,
    namespace: model.namespace,
    labels: k8sLabels(model, component),
    ...(Object.keys(model.kubernetesMeta.annotations).length ? { annotations: { ...model.kubernetesMeta.annotations } } : {}),
  };
}

export function renderKubernetes(model: WorkflowModel): K8sFile[] {
  const ns = model.namespace;
  const stageByName = new Map(model.stages.map((s) => [s.name, s]));
  const labels = (component: string): Obj => k8sLabels(model, component);
  const selector = (component: string): Obj => {
    const all = k8sLabels(model, component);
    return Object.fromEntries(SELECTOR_KEYS.map((k) => [k, all[k]]));
  };
  const meta = (name: string, component: string, extra: Obj = {}): Obj => ({ ...k8sMeta(model, name, component), ...extra });
  const podLabels = (component: string): Obj => ({ ...model.kubernetesMeta.labels, ...labels(component) });
  const serviceAccount = k8sName([model.name]);
  const configMapName = (s: ModelStage) => k8sName([model.name, s.name, 'env'], 253);
  const pvcName = (v: string) => k8sName([model.name, v], 253);
  const dataSourcesConfigMap = k8sName([model.name, 'data-sources'], 253);
  const dataSourcesOf = (s: ModelStage) => model.dataSources.filter((d) => s.dataSources.includes(d.name));
  const containerSecurity = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const stateClaim = model.ordering.k8sStateVolume?.claimName;

  function container(s: ModelStage, o: { env?: Obj[]; args?: string[]; name?: string; withState?: boolean } = {}): Obj {
    const env: Obj[] = [...(o.env ?? [])];
    for (const sec of s.secrets) for (const k of sec.keys) env.push({ name: k, valueFrom: { secretKeyRef: { name: sec.name, key: k } } });
    // Data sources: the URL from a ConfigMap (never expanded), the credentials from their Secret.
    const sources = dataSourcesOf(s);
    for (const d of sources) env.push({ name: d.urlEnv, valueFrom: { configMapKeyRef: { name: dataSourcesConfigMap, key: d.urlEnv } } });
    const credentialSecrets = [...new Set(sources.flatMap((d) => (d.credentialsSecret ? [d.credentialsSecret] : [])))];
    const envFrom: Obj[] = [
      ...(s.env.length ? [{ configMapRef: { name: configMapName(s) } }] : []),
      ...credentialSecrets.map((name) => ({ secretRef: { name } })),
    ];
    const gpu = s.gpu.kubernetes;
    const mounts: Obj[] = [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'cache', mountPath: `${APP_HOME}/.cache` },
    ];
    if (s.shmBytes) mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
    for (const v of s.volumes) mounts.push({ name: `vol-${v}`, mountPath: model.volumes.find((x) => x.name === v)!.mountPath });
    if (o.withState && stateClaim) mounts.push({ name: 'mlready-state', mountPath: MARKER_DIR });
    const c: Obj = {
      name: o.name ?? s.name,
      image: s.image,
      imagePullPolicy: 'IfNotPresent',
      ...(o.args ? { args: o.args.map(escapeK8s) } : {}),
      ...(envFrom.length ? { envFrom } : {}),
      ...(env.length ? { env } : {}),
      ...(s.port !== undefined ? { ports: [{ name: 'http', containerPort: s.port, protocol: 'TCP' }] } : {}),
      resources: {
        requests: { cpu: s.cpu, memory: s.memory, ...(gpu ? { [model.gpu.resourceName]: String(gpu) } : {}) },
        limits: { memory: s.memory, ...(gpu ? { [model.gpu.resourceName]: String(gpu) } : {}) },
      },
      securityContext: containerSecurity,
      volumeMounts: mounts,
    };
    if (s.port !== undefined) {
      const check = s.healthPath ? { httpGet: { path: s.healthPath, port: 'http' } } : { tcpSocket: { port: 'http' } };
      c.startupProbe = { ...check, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.max(3, Math.ceil(s.startPeriodSeconds / 10)) };
      c.readinessProbe = { ...check, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
      c.livenessProbe = { ...check, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 };
    }
    return c;
  }

  /** The spec volumes and whether the state PVC hold these markers. */
  const homes = (markers: Marker[]) => ({ volumes: [...new Set(markers.flatMap((m) => (m.volume ? [m.volume] : [])))], state: markers.some((m) => !m.volume) });

  function waitContainer(image: string, markers: Marker[]): Obj {
    const h = homes(markers);
    return {
      name: 'mlready-wait',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: [`${VENV}/bin/python`, ENTRYPOINT_PATH, '--wait-only'],
      env: [{ name: 'MLREADY_WAIT_FOR', value: escapeK8s(markers.map((m) => m.path).join(':')) }],
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '64Mi' } },
      securityContext: containerSecurity,
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp' },
        ...h.volumes.map((v) => ({ name: `vol-${v}`, mountPath: model.volumes.find((x) => x.name === v)!.mountPath, readOnly: true })),
        ...(h.state ? [{ name: 'mlready-state', mountPath: MARKER_DIR, readOnly: true }] : []),
      ],
    };
  }

  function podSpec(stages: ModelStage[], o: { init: Obj[]; containers: Obj[]; restartPolicy: string; markers: Marker[]; extra?: Obj }): Obj {
    const gpu = stages.some((s) => s.gpu.kubernetes > 0);
    const shm = Math.max(0, ...stages.map((s) => s.shmBytes ?? 0));
    const h = homes(o.markers);
    const vols = [...new Set([...stages.flatMap((s) => s.volumes), ...h.volumes])];
    const volumes: Obj[] = [
      { name: 'tmp', emptyDir: {} },
      { name: 'cache', emptyDir: {} },
      ...(shm ? [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: mi(shm) } }] : []),
      ...vols.map((v) => ({ name: `vol-${v}`, persistentVolumeClaim: { claimName: pvcName(v) } })),
      ...(h.state && stateClaim ? [{ name: 'mlready-state', persistentVolumeClaim: { claimName: stateClaim } }] : []),
    ];
    return {
      serviceAccountName: serviceAccount,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: model.build.uid,
        runAsGroup: model.build.uid,
        fsGroup: model.build.uid,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      ...(gpu && model.gpu.runtimeClassName ? { runtimeClassName: model.gpu.runtimeClassName } : {}),
      ...(gpu && model.gpu.nodeSelector.length ? { nodeSelector: Object.fromEntries(model.gpu.nodeSelector) } : {}),
      ...(gpu && model.gpu.tolerations.length ? { tolerations: model.gpu.tolerations.map((t) => ({ ...t })) } : {}),
      ...(o.extra ?? {}),
      restartPolicy: o.restartPolicy,
      ...(o.init.length ? { initContainers: o.init } : {}),
      containers: o.containers,
      volumes,
    };
  }

  const files: K8sFile[] = [];
  const resources: string[] = [];
  const add = (path: string, docs: Obj[]) => {
    if (!docs.length) return;
    files.push({ path: `k8s/base/${path}`, docs });
    resources.push(path);
  };

  // Namespace (Pod Security "restricted") and a ServiceAccount whose token is never mounted.
  add('namespace.yaml', [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          'app.kubernetes.io/part-of': model.name,
          'app.kubernetes.io/managed-by': 'mlready',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(serviceAccount, 'workflow'), automountServiceAccountToken: false },
  ]);

  // Least privilege for the workflow's ServiceAccount: no stage calls the Kubernetes API (ordering goes
  // through marker files, configuration through envFrom, which the kubelet resolves), so the Role grants
  // nothing — an empty rule set is valid and says so. Grant here only what a stage truly needs.
  add('rbac.yaml', [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(serviceAccount, 'workflow'), rules: [] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(serviceAccount, 'workflow'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: serviceAccount },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: ns }],
    },
  ]);

  // Storage.
  const pvcs: Obj[] = model.volumes.map((v) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(pvcName(v.name), 'storage'),
    spec: {
      accessModes: [v.accessMode],
      ...(v.storageClass ? { storageClassName: v.storageClass } : {}),
      resources: { requests: { storage: v.size } },
    },
  }));
  if (model.ordering.k8sStateVolume) {
    const st = model.ordering.k8sStateVolume;
    pvcs.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(st.claimName, 'ordering'),
      spec: { accessModes: [st.accessMode], ...(st.storageClass ? { storageClassName: st.storageClass } : {}), resources: { requests: { storage: st.size } } },
    });
  }
  add('storage.yaml', pvcs);

  // Environment (never expanded by Kubernetes when read through envFrom).
  const configMaps: Obj[] = model.stages.filter((s) => s.env.length).map((s) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(configMapName(s), s.name),
    data: Object.fromEntries(s.env),
  }));
  const usedSources = model.dataSources.filter((d) => model.stages.some((s) => s.dataSources.includes(d.name)));
  if (usedSources.length) {
    configMaps.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(dataSourcesConfigMap, 'data-sources'),
      data: Object.fromEntries(usedSources.map((d) => [d.urlEnv, d.url])),
    });
  }
  add('config.yaml', configMaps);

  // Network: deny all ingress, then allow what each service serves and what distributed pods need.
  const policies: Obj[] = [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(k8sName([model.name, 'default-deny'], 253), 'network'),
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
  ];
  for (const s of model.stages) {
    if (s.type === 'service' && s.port !== undefined) {
      // Knative sends requests to the pod's queue-proxy, which forwards them to the container over loopback.
      const ports = s.serving === 'knative' ? QUEUE_PROXY_PORTS : [s.port];
      policies.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta(k8sName([model.name, s.name, 'ingress'], 253), s.name),
        spec: { podSelector: { matchLabels: selector(s.name) }, policyTypes: ['Ingress'], ingress: [{ ports: ports.map((port) => ({ port, protocol: 'TCP' })) }] },
      });
    }
    if (s.distributed) {
      policies.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta(k8sName([model.name, s.name, 'peers'], 253), s.name),
        spec: {
          podSelector: { matchLabels: selector(s.name) },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: selector(s.name) } }] }],
        },
      });
    }
  }
  add('network-policy.yaml', policies);

  // Batch units.
  for (const unit of model.ordering.units) add(`batch/${unit.name}.yaml`, batchUnit(unit));

  function batchUnit(unit: BatchUnit): Obj[] {
    const stages = unit.stages.map((n) => stageByName.get(n)!);
    const first = stages[0]!;
    const markers = [...unit.waitFor, ...unit.done];
    const withState = homes(unit.done).state;
    const wait = unit.waitFor.length ? [waitContainer(first.image, unit.waitFor)] : [];
    if (unit.kind === 'chain') {
      const component = unit.name.slice(model.name.length + 1) || 'pipeline';
      const init = [...wait, ...stages.slice(0, -1).map((s) => container(s))];
      const last = stages[stages.length - 1]!;
      const main = container(last, { withState, env: unit.done.length ? [{ name: 'MLREADY_DONE', value: escapeK8s(unit.done[0]!.path) }] : [] });
      return [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: meta(k8sName([unit.name]), component, { annotations: { ...model.kubernetesMeta.annotations, 'mlready.dev/stages': unit.stages.join(',') } }),
          spec: {
            backoffLimit: 1,
            ttlSecondsAfterFinished: JOB_TTL,
            activeDeadlineSeconds: JOB_DEADLINE,
            template: {
              metadata: { labels: podLabels(component) },
              spec: podSpec(stages, { init, containers: [main], restartPolicy: 'Never', markers }),
            },
          },
        },
      ];
    }
    const s = first;
    const d = s.distributed!;
    const jobName = k8sName([unit.name], 52);
    const svcName = k8sName([unit.name, 'workers'], 63);
    if (unit.kind === 'indexed-job') {
      const rank = { name: 'PET_NODE_RANK', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } };
      const env: Obj[] = [
        rank,
        { name: 'RANK', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
        { name: 'PET_NNODES', value: String(d.replicas) },
        { name: 'PET_NPROC_PER_NODE', value: String(d.nprocPerNode) },
        { name: 'PET_MASTER_ADDR', value: `${jobName}-0.${svcName}` },
        { name: 'PET_MASTER_PORT', value: String(TORCH_PORT) },
        { name: 'MASTER_ADDR', value: `${jobName}-0.${svcName}` },
        { name: 'MASTER_PORT', value: String(TORCH_PORT) },
        { name: 'WORLD_SIZE', value: String(d.replicas) },
        // $(PET_NODE_RANK) is expanded by Kubernetes on purpose: one marker per pod.
        ...(unit.done.length ? [{ name: 'MLREADY_DONE', value: `${escapeK8s(unit.done[0]!.path.replace(/\/[^/]*$/, ''))}/${unit.name}.$(PET_NODE_RANK).done` }] : []),
      ];
      const main = container(s, { withState, env, args: d.command });
      if (!main.ports) main.ports = [{ name: 'rendezvous', containerPort: TORCH_PORT, protocol: 'TCP' }];
      return [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: meta(svcName, s.name),
          spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: selector(s.name), ports: [{ name: 'rendezvous', port: TORCH_PORT, targetPort: TORCH_PORT, protocol: 'TCP' }] },
        },
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: meta(jobName, s.name),
          spec: {
            completionMode: 'Indexed',
            completions: d.replicas,
            parallelism: d.replicas,
            backoffLimit: d.replicas,
            ttlSecondsAfterFinished: JOB_TTL,
            activeDeadlineSeconds: JOB_DEADLINE,
            template: {
              metadata: { labels: podLabels(s.name) },
              spec: podSpec([s], { init: wait, containers: [main], restartPolicy: 'Never', markers, extra: { subdomain: svcName } }),
            },
          },
        },
      ];
    }
    // PyTorchJob (Kubeflow Training Operator): it sets MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK.
    const replicaSpec = (replicas: number, master: boolean): Obj => ({
      replicas,
      restartPolicy: 'OnFailure',
      template: {
        metadata: { labels: podLabels(s.name) },
        spec: podSpec([s], {
          init: wait,
          containers: [container(s, { name: 'pytorch', withState, env: master && unit.done.length ? [{ name: 'MLREADY_DONE', value: escapeK8s(unit.done[0]!.path) }] : [] })],
          restartPolicy: 'OnFailure',
          markers,
        }),
      },
    });
    return [
      {
        apiVersion: 'kubeflow.org/v1',
        kind: 'PyTorchJob',
        metadata: meta(jobName, s.name),
        spec: {
          runPolicy: { cleanPodPolicy: 'None', ttlSecondsAfterFinished: JOB_TTL, activeDeadlineSeconds: JOB_DEADLINE, backoffLimit: d.replicas },
          ...(d.nprocPerNode > 1 ? { nprocPerNode: String(d.nprocPerNode) } : {}),
          pytorchReplicaSpecs: {
            Master: replicaSpec(1, true),
            ...(d.replicas > 1 ? { Worker: replicaSpec(d.replicas - 1, false) } : {}),
          },
        },
      },
    ];
  }

  // Services.
  for (const s of model.stages.filter((x) => x.type === 'service')) {
    const name = k8sName([model.name, s.name]);
    const waits = model.ordering.serviceWaits[s.name] ?? [];
    if (s.serving === 'knative') {
      const init = waits.length ? [waitContainer(s.image, waits)] : [];
      const pod = podSpec([s], { init, containers: [container(s)], restartPolicy: 'Always', markers: waits });
      add(`services/${s.name}.yaml`, [
        knativeService({
          stage: s,
          metadata: meta(name, s.name),
          podLabels: podLabels(s.name),
          podAnnotations: { ...model.kubernetesMeta.annotations },
          container: container(s),
          initContainers: init,
          podSpec: pod,
          uid: model.build.uid,
        }),
      ]);
      continue;
    }
    const docs: Obj[] = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(name, s.name),
        spec: {
          replicas: s.autoscale ? s.autoscale.min : s.replicas,
          selector: { matchLabels: selector(s.name) },
          // GPU pods replace in place (no surge: an update must not need spare GPUs); CPU pods surge.
          strategy: { type: 'RollingUpdate', rollingUpdate: s.gpu.kubernetes > 0 ? { maxSurge: 0, maxUnavailable: 1 } : { maxSurge: 1, maxUnavailable: 0 } },
          template: {
            metadata: { labels: podLabels(s.name) },
            spec: podSpec([s], {
              init: waits.length ? [waitContainer(s.image, waits)] : [],
              // Only the init container reads the markers.
              containers: [container(s)],
              restartPolicy: 'Always',
              markers: waits,
              extra: { terminationGracePeriodSeconds: 30 },
            }),
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(name, s.name),
        spec: { type: 'ClusterIP', selector: selector(s.name), ports: [{ name: 'http', port: s.port, targetPort: 'http', protocol: 'TCP' }] },
      },
    ];
    if (s.autoscale && model.kubernetes.hpa) {
      docs.push({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: meta(name, s.name),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: s.autoscale.min,
          maxReplicas: s.autoscale.max,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: s.autoscale.targetCPUUtilization } } }],
        },
      });
    }
    docs.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(name, s.name),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector(s.name) } },
    });
    add(`services/${s.name}.yaml`, docs);
  }

  // Kustomize: the base and two overlays.
  files.push({
    path: 'k8s/base/kustomization.yaml',
    docs: [{ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: ns, resources }],
  });
  const images = [...new Map(model.stages.map((s) => {
    const at = s.image.lastIndexOf(':');
    return [s.image.slice(0, at), s.image.slice(at + 1)] as const;
  })).entries()].map(([name, tag]) => ({ name, newTag: tag }));
  const hasDeployments = model.stages.some((s) => s.type === 'service' && s.serving !== 'knative');
  for (const env of ['dev', 'prod'] as const) {
    const patches: Obj[] = [];
    if (env === 'dev' && hasDeployments) {
      patches.push({ target: { kind: 'Deployment' }, patch: toJsonPatch([{ op: 'replace', path: '/spec/replicas', value: 1 }]) });
    }
    if (env === 'dev' && model.ordering.units.length) {
      patches.push({ target: { kind: 'Job' }, patch: toJsonPatch([{ op: 'replace', path: '/spec/ttlSecondsAfterFinished', value: 3600 }]) });
    }
    files.push({
      path: `k8s/overlays/${env}/kustomization.yaml`,
      docs: [
        {
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: ['../../base'],
          labels: [{ pairs: { 'mlready.dev/environment': env }, includeSelectors: false, includeTemplates: true }],
          images,
          ...(patches.length ? { patches } : {}),
        },
      ],
    });
  }
  return files;
}

function toJsonPatch(ops: object[]): string {
  return JSON.stringify(ops);
}
