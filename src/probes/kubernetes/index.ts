/**
 * The Kubernetes probe (`--target k8s`). One plan of requests, started at once and run through a
 * small pool (see http.ts): /version first (is there a cluster, may we talk to it), then nodes,
 * pods, DaemonSets, discovery, CRDs, storage, networking, the target namespace and access reviews
 * in parallel; lists are paged and aggregated page by page. The whole probe ends a little before
 * its budget: whatever was not read by then is `unknown` "timed out …" and `probe.partial` is true.
 * Each section depends on exactly the reads it needs, so a 403 on one read leaves the others.
 */
import type { KubernetesFacts, ResourceTotalsFacts, StorageClassFacts } from '../../facts/cluster-schema.js';
import { describeMs } from '../../util/exec.js';
import { errorMessage, type ProbeContext } from '../context.js';
import { addonsFromCrds, logShippers, monitoringWorkloads } from './addons.js';
import { detectDistribution } from './distribution.js';
import { ApiClient, ApiError, type ErrorKind, type ListSink, parseJson, statusReason } from './http.js';
import { connect, type Connection } from './kubeconfig.js';
import { detectCni, type DaemonSetLike } from './networking.js';
import { NodeAggregator } from './nodes.js';
import type { KubernetesOptions } from './options.js';
import { isAmdDevicePlugin, isDcgmExporter, isNvidiaDevicePlugin, PodAggregator, type PodLike } from './pods.js';
import { ALWAYS_REPORTED, isTrackedResource, quantityRecord, quotaResource, unscale } from './resources.js';
import { Scrubber } from './sanitize.js';
import { storageClassFacts, type StorageClassLike } from './storage.js';

type Unknown = { status: 'unknown'; reason: string };
type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string; kind: ErrorKind | 'internal' };

/** SelfSubjectAccessReviews made in the target namespace: [verb, group, resource]. */
export const ACCESS_CHECKS: [string, string, string][] = [
  ['create', 'batch', 'jobs'],
  ['create', 'apps', 'deployments'],
  ['create', '', 'services'],
  ['create', '', 'persistentvolumeclaims'],
  ['create', 'autoscaling', 'horizontalpodautoscalers'],
  ['create', 'networking.k8s.io', 'networkpolicies'],
  ['create', '', 'configmaps'],
  ['create', '', 'serviceaccounts'],
  ['create', 'policy', 'poddisruptionbudgets'],
  ['create', 'rbac.authorization.k8s.io', 'roles'],
  ['create', 'rbac.authorization.k8s.io', 'rolebindings'],
  ['create', 'networking.k8s.io', 'ingresses'],
  ['create', 'kubeflow.org', 'pytorchjobs'],
  ['create', 'serving.knative.dev', 'services'],
  // What `scaffold --with` adds: monitoring and alerting through the Prometheus Operator, certificates.
  ['create', 'monitoring.coreos.com', 'servicemonitors'],
  ['create', 'monitoring.coreos.com', 'podmonitors'],
  ['create', 'monitoring.coreos.com', 'prometheusrules'],
  ['create', 'monitoring.coreos.com', 'alertmanagerconfigs'],
  ['create', 'cert-manager.io', 'certificates'],
  // Cluster-scoped: asked without a namespace.
  ['create', '', 'namespaces'],
];
const CLUSTER_SCOPED = new Set(['namespaces']);
export const accessKey = (verb: string, group: string, resource: string) => `${verb} ${resource}${group ? `.${group}` : ''}`;

const MAX_MISSING = 50;

/** One read of the plan: its outcome once settled, or "timed out" when asked before. */
class Read<T> {
  outcome?: Outcome<T>;
  readonly done: Promise<void>;
  constructor(
    run: () => Promise<T>,
    private readonly client: ApiClient,
    private readonly what: string,
    scrub: Scrubber,
  ) {
    this.done = run().then(
      (value) => {
        this.outcome = { ok: true, value };
      },
      (e: unknown) => {
        const kind: ErrorKind | 'internal' = e instanceof ApiError ? e.kind : 'internal';
        const message = e instanceof ApiError ? e.message : `internal error: ${errorMessage(e)}`;
        this.outcome = { ok: false, reason: scrub.line(message), kind };
      },
    );
  }
  get(): Outcome<T> {
    return this.outcome ?? { ok: false, reason: this.client.timedOut(this.what).message, kind: 'timeout' };
  }
}

const unknown = (reason: string): Unknown => ({ status: 'unknown', reason });

/** The first failed outcome among `outcomes`, as an Unknown. */
function firstFailure(...outcomes: Outcome<unknown>[]): Unknown | undefined {
  for (const o of outcomes) if (!o.ok) return unknown(o.reason);
  return undefined;
}

function sink<T>(add: (item: T) => void, reset: () => void = () => {}): ListSink {
  return { page: (items) => items.forEach((i) => add(i as T)), reset };
}

interface VersionInfo {
  major?: string;
  minor?: string;
  gitVersion?: string;
}

/** /version, also when wrapped as support bundles store it ({info: {...}, string}). */
export function parseVersion(doc: unknown): VersionInfo | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const d = doc as VersionInfo & { info?: VersionInfo };
  const v = typeof d.gitVersion === 'string' ? d : d.info && typeof d.info.gitVersion === 'string' ? d.info : undefined;
  return v;
}

export function serverMinor(v: VersionInfo): number | undefined {
  const m = /^(\d+)/.exec(v.minor ?? '');
  if (m) return Number(m[1]);
  const g = /^v?\d+\.(\d+)/.exec(v.gitVersion ?? '');
  return g ? Number(g[1]) : undefined;
}

/** Status of the whole target from the failure of /version. */
function versionFailure(o: Extract<Outcome<unknown>, { ok: false }>): { status: 'unavailable' | 'unknown'; reason: string } {
  if (o.kind === 'refused' || o.kind === 'dns' || o.kind === 'unreachable') return { status: 'unavailable', reason: o.reason };
  return { status: 'unknown', reason: o.reason };
}

interface MetaLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> | null; annotations?: Record<string, string> | null } | null;
}

/** What is kept of a DaemonSet: names, counts, and for aws-node its containers (network policy agent flags). */
function compactDaemonSet(ds: DaemonSetLike): DaemonSetLike {
  const name = ds.metadata?.name ?? '';
  return {
    metadata: { name, namespace: ds.metadata?.namespace ?? '' },
    status: { desiredNumberScheduled: ds.status?.desiredNumberScheduled ?? 0, numberReady: ds.status?.numberReady ?? 0 },
    ...(name === 'aws-node' ? { spec: { template: { spec: { containers: (ds.spec?.template?.spec?.containers ?? []).map((c) => ({ name: c?.name ?? '', args: c?.args ?? [], command: c?.command ?? [] })) } } } } : {}),
  };
}

export async function probeKubernetes(ctx: ProbeContext, options: KubernetesOptions): Promise<KubernetesFacts> {
  const started = performance.now();
  const budget = ctx.timeoutMs;
  // End a little before the budget (which started when this module was being imported) so that what
  // was read is reported, not replaced by the collector's "timed out" for the whole target.
  const margin = Math.min(750, Math.max(250, budget * 0.08));
  const deadline = started + Math.max(budget - margin, budget * 0.5);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => controller.abort(), deadline - performance.now());
  timer.unref?.();
  const scrub = new Scrubber();
  const debug = options.debug ? (line: string) => process.stderr.write(`mlready k8s: ${scrub.line(line, 400)}\n`) : () => {};

  let conn: Connection | undefined;
  try {
    const connected = await connect(ctx, options, scrub, controller.signal, debug);
    if (!connected.ok) {
      debug(`${connected.status}: ${connected.reason}`);
      return scrub.deep({ status: connected.status, reason: connected.reason, ...connected.partial });
    }
    conn = connected.conn;
    const client = new ApiClient(conn, controller.signal, deadline, budget, debug);
    const facts = await probeCluster(client, conn, scrub, deadline);
    debug(`done in ${describeMs(Math.round(performance.now() - started))}: ${facts.probe?.requests ?? 0} requests, ${facts.probe?.pages ?? 0} pages${facts.probe?.partial ? ', partial' : ''}`);
    return scrub.deep(facts);
  } catch (e) {
    const reason = scrub.line(`internal error in the Kubernetes probe: ${errorMessage(e)}`);
    debug(reason);
    return { status: 'unknown', reason };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onOuterAbort);
    conn?.close();
  }
}

async function probeCluster(client: ApiClient, conn: Connection, scrub: Scrubber, deadline: number): Promise<KubernetesFacts> {
  const base: KubernetesFacts = {
    status: 'unknown',
    context: conn.context,
    namespace: conn.namespace,
    namespaceSource: conn.namespaceSource,
    server: conn.server,
    authMethod: conn.authMethod,
    ...(conn.proxy ? { proxy: conn.proxy } : {}),
    insecureSkipTlsVerify: conn.insecureSkipTlsVerify,
  };
  const read = <T>(what: string, run: () => Promise<T>) => new Read<T>(run, client, what, scrub);
  const probeStats = (partial: boolean) => ({ ...client.stats, partial });

  const version = read('GET /version', () => client.json<unknown>('/version', { what: 'GET /version' }));
  await version.done;
  const v = version.get();
  if (!v.ok) {
    const failure = versionFailure(v);
    return { ...base, ...failure, probe: probeStats(v.kind === 'timeout') };
  }
  const info = parseVersion(v.value);
  if (!info) return { ...base, status: 'unknown', reason: 'unexpected response to GET /version (no gitVersion): not a Kubernetes API server?', probe: probeStats(false) };

  // Everything else, at once; the pool runs them CONCURRENCY at a time, longest lists first.
  const ns = conn.namespace;
  const nsPath = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
  const podAgg = new PodAggregator();
  const nodeAgg = new NodeAggregator();
  const pods = read('list pods', () => client.list('/api/v1/pods', 'list pods', sink<PodLike>((p) => podAgg.add(p), () => podAgg.reset())));
  const nodes = read('list nodes', () => client.list('/api/v1/nodes', 'list nodes', sink((n) => nodeAgg.add(n as never), () => nodeAgg.reset())));
  const daemonSets = read('list daemonsets', async () => {
    let out: DaemonSetLike[] = [];
    await client.list('/apis/apps/v1/daemonsets', 'list daemonsets', sink<DaemonSetLike>((d) => out.push(compactDaemonSet(d)), () => (out = [])));
    return out;
  });
  const apis = read('GET /apis (discovery)', async () => {
    const doc = await client.json<{ groups?: { name?: string; preferredVersion?: { groupVersion?: string }; versions?: { groupVersion?: string }[] }[] }>('/apis', {
      what: 'GET /apis (discovery)',
    });
    const groups = new Map<string, string>();
    for (const g of doc?.groups ?? []) {
      if (!g?.name) continue;
      groups.set(g.name, g.preferredVersion?.groupVersion ?? g.versions?.[0]?.groupVersion ?? '');
    }
    return groups;
  });
  const names = (path: string, what: string, notFoundIsEmpty = true) =>
    read(what, async () => {
      let out = new Set<string>();
      await client.list(path, what, sink<MetaLike>((o) => o.metadata?.name && out.add(o.metadata.name), () => (out = new Set())), { metadataOnly: true, notFoundIsEmpty });
      return out;
    });
  const crds = names('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', 'list customresourcedefinitions');
  const collect = <I, T>(path: string, what: string, map: (item: I) => T) =>
    read(what, async () => {
      let out: T[] = [];
      await client.list(path, what, sink<I>((i) => out.push(map(i)), () => (out = [])), { notFoundIsEmpty: true });
      return out;
    });
  const storageClasses = collect<StorageClassLike, StorageClassFacts>('/apis/storage.k8s.io/v1/storageclasses', 'list storageclasses', storageClassFacts);
  const csiDrivers = names('/apis/storage.k8s.io/v1/csidrivers', 'list csidrivers');
  const runtimeClasses = collect<{ metadata?: { name?: string }; handler?: string }, { name: string; handler: string }>(
    '/apis/node.k8s.io/v1/runtimeclasses',
    'list runtimeclasses',
    (r) => ({ name: r.metadata?.name ?? '', handler: r.handler ?? '' }),
  );
  const ingressClasses = collect<MetaLike & { spec?: { controller?: string } }, { name: string; controller: string; default: boolean }>(
    '/apis/networking.k8s.io/v1/ingressclasses',
    'list ingressclasses',
    (i) => ({ name: i.metadata?.name ?? '', controller: i.spec?.controller ?? '', default: i.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true' }),
  );
  const metricsService = read('get apiservice v1beta1.metrics.k8s.io', async () => {
    const res = await client.request('/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io', { what: 'get apiservices v1beta1.metrics.k8s.io' });
    if (res.status === 404) return undefined; // no such APIService: ask discovery
    if (res.status !== 200) throw new ApiError('http', statusReason(res.status, 'get apiservices', res.body), res.status);
    const doc = parseJson<{ status?: { conditions?: { type?: string; status?: string }[] } }>(res.body, 'get apiservices v1beta1.metrics.k8s.io');
    return (doc.status?.conditions ?? []).some((c) => c?.type === 'Available' && c.status === 'True');
  });
  const namespace = read(`get namespace ${ns}`, async () => {
    const res = await client.request(nsPath, { what: `get namespaces/${ns}` });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new ApiError('http', statusReason(res.status, `get namespaces/${ns}`, res.body), res.status);
    return parseJson<MetaLike>(res.body, `get namespaces/${ns}`);
  });
  const quotas = collect<MetaLike & { spec?: { hard?: unknown }; status?: { hard?: unknown; used?: unknown } }, { name: string; hard: Record<string, number>; used: Record<string, number> }>(
    `${nsPath}/resourcequotas`,
    `list resourcequotas in ${ns}`,
    (q) => ({ name: q.metadata?.name ?? '', hard: quantityRecord(q.status?.hard ?? q.spec?.hard, quotaResource), used: quantityRecord(q.status?.used, quotaResource) }),
  );
  const limitRanges = collect<MetaLike & { spec?: { limits?: Record<string, unknown>[] } }, LimitRangeFacts>(`${nsPath}/limitranges`, `list limitranges in ${ns}`, limitRangeFacts);
  const access = read(`selfsubjectaccessreviews in ${ns}`, async () => {
    const results = await Promise.all(
      ACCESS_CHECKS.map(async ([verb, group, resource]) => {
        const doc = await client.json<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          method: 'POST',
          what: 'create selfsubjectaccessreviews',
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { ...(CLUSTER_SCOPED.has(resource) ? {} : { namespace: ns }), verb, group, resource } },
          },
        });
        return [accessKey(verb, group, resource), doc?.status?.allowed === true] as const;
      }),
    );
    return results;
  });
  const deployments = names('/apis/apps/v1/deployments', 'list deployments');
  const statefulSets = names('/apis/apps/v1/statefulsets', 'list statefulsets');
  // Reads that depend on others.
  const clusterPolicy = read('list clusterpolicies.nvidia.com', async () => {
    await crds.done;
    const c = crds.get();
    if (!c.ok || !c.value.has('clusterpolicies.nvidia.com')) return undefined;
    const items: { status?: { state?: string; namespace?: string } }[] = [];
    await client.list('/apis/nvidia.com/v1/clusterpolicies', 'list clusterpolicies.nvidia.com', sink((i) => items.push(i as never)), { notFoundIsEmpty: true });
    return items[0]?.status;
  });
  const snapshots = read('discovery of snapshot.storage.k8s.io', async () => {
    await apis.done;
    const a = apis.get();
    if (!a.ok) throw new ApiError(a.kind === 'internal' ? 'network' : a.kind, a.reason);
    const gv = a.value.get('snapshot.storage.k8s.io');
    if (gv === undefined) return false;
    if (!gv) return true;
    const res = await client.request(`/apis/${gv}`, { what: `GET /apis/${gv}` });
    if (res.status !== 200) return true; // the group is served; its resource list could not be read
    const doc = parseJson<{ resources?: { name?: string }[] }>(res.body, `GET /apis/${gv}`);
    return (doc.resources ?? []).some((r) => r?.name === 'volumesnapshots');
  });

  const all = [pods, nodes, daemonSets, apis, crds, storageClasses, csiDrivers, runtimeClasses, ingressClasses, metricsService, namespace, quotas, limitRanges, access, deployments, statefulSets, clusterPolicy, snapshots];
  // Requests end themselves at the deadline; this is the backstop should anything not.
  await new Promise<void>((resolve) => {
    const backstop = setTimeout(resolve, Math.max(0, deadline - performance.now()) + 100);
    backstop.unref?.();
    void Promise.all(all.map((r) => r.done)).then(() => {
      clearTimeout(backstop);
      resolve();
    });
  });

  const o = {
    pods: pods.get(),
    nodes: nodes.get(),
    daemonSets: daemonSets.get(),
    apis: apis.get(),
    crds: crds.get(),
    storageClasses: storageClasses.get(),
    csiDrivers: csiDrivers.get(),
    runtimeClasses: runtimeClasses.get(),
    ingressClasses: ingressClasses.get(),
    metricsService: metricsService.get(),
    namespace: namespace.get(),
    quotas: quotas.get(),
    limitRanges: limitRanges.get(),
    access: access.get(),
    deployments: deployments.get(),
    statefulSets: statefulSets.get(),
    clusterPolicy: clusterPolicy.get(),
    snapshots: snapshots.get(),
  };
  const partial = Object.values(o).some((x) => !x.ok && x.kind === 'timeout');
  const facts: KubernetesFacts = { ...base, status: 'available', serverVersion: info.gitVersion! };
  const dist = detectDistribution({
    gitVersion: info.gitVersion!,
    ...(o.apis.ok ? { apiGroups: new Set(o.apis.value.keys()) } : {}),
    ...(o.nodes.ok ? { nodes: nodeAgg.evidence } : {}),
  });
  if (dist) {
    facts.distribution = dist.distribution;
    if (dist.evidence) facts.distributionEvidence = dist.evidence;
  }

  // nodes
  if (o.nodes.ok) {
    const skew = nodeAgg.maxKubeletMinorSkew(serverMinor(info));
    facts.nodes = {
      status: 'ok',
      total: nodeAgg.total,
      ready: nodeAgg.ready,
      schedulable: nodeAgg.schedulable,
      roles: nodeAgg.roles,
      architectures: nodeAgg.architectures,
      operatingSystems: nodeAgg.operatingSystems,
      kubeletVersions: nodeAgg.kubeletVersions,
      containerRuntimes: nodeAgg.containerRuntimes,
      ...(skew !== undefined ? { maxKubeletMinorSkew: skew } : {}),
      notReady: nodeAgg.notReady,
    };
  } else facts.nodes = unknown(o.nodes.reason);

  facts.resources = o.nodes.ok ? resourcesFacts(nodeAgg, o.pods.ok ? podAgg : unknown(o.pods.reason)) : unknown(o.nodes.reason);

  if (o.nodes.ok) {
    facts.gpuNodes = {
      status: 'ok',
      count: nodeAgg.gpuCount,
      items: nodeAgg.gpuItems,
      products: nodeAgg.gpuProducts,
      driverVersions: nodeAgg.gpuDrivers,
      cudaVersions: nodeAgg.gpuCudas,
      taints: [...nodeAgg.gpuTaints.values()],
      untainted: nodeAgg.gpuUntainted,
    };
  } else facts.gpuNodes = unknown(o.nodes.reason);

  facts.gpuSoftware = o.daemonSets.ok
    ? gpuSoftwareFacts(o.daemonSets.value, o.nodes.ok ? nodeAgg : undefined, o.pods.ok ? podAgg : undefined, o.crds.ok ? o.crds.value : undefined, o.clusterPolicy.ok ? o.clusterPolicy.value : undefined)
    : unknown(o.daemonSets.reason);

  facts.runtimeClasses = o.runtimeClasses.ok ? { status: 'ok', items: o.runtimeClasses.value } : unknown(o.runtimeClasses.reason);

  {
    const failed = firstFailure(o.storageClasses, o.csiDrivers, o.snapshots);
    if (failed || !o.storageClasses.ok || !o.csiDrivers.ok || !o.snapshots.ok) facts.storage = failed ?? unknown('storage could not be read');
    else {
      const classes = o.storageClasses.value;
      const defaults = classes.filter((c) => c.default);
      facts.storage = {
        status: 'ok',
        classes,
        defaultCount: defaults.length,
        ...(defaults.length ? { defaultClass: defaults[0]!.name } : {}),
        readWriteMany: classes.filter((c) => c.readWriteMany === true).map((c) => c.name),
        csiDrivers: [...o.csiDrivers.value].sort(),
        volumeSnapshots: o.snapshots.value,
      };
    }
  }

  // The APIService's Available condition when it can be read; else whether discovery serves the group.
  if (o.metricsService.ok && o.metricsService.value !== undefined) facts.metricsApi = { status: 'ok', available: o.metricsService.value };
  else if (o.apis.ok) facts.metricsApi = { status: 'ok', available: o.apis.value.has('metrics.k8s.io') };
  else facts.metricsApi = unknown(o.metricsService.ok ? o.apis.reason : o.metricsService.reason);

  {
    const failed = firstFailure(o.ingressClasses, o.apis);
    if (failed || !o.ingressClasses.ok || !o.apis.ok) facts.networking = failed ?? unknown('networking could not be read');
    else {
      facts.networking = {
        status: 'ok',
        ingressClasses: o.ingressClasses.value,
        gatewayApi: o.apis.value.has('gateway.networking.k8s.io'),
        ...(o.daemonSets.ok ? detectCni(o.daemonSets.value) : {}),
      };
    }
  }

  {
    // Each part on its own: a namespace-scoped identity often may not GET its Namespace (cluster-scoped)
    // but may list its quotas and limit ranges, and those verdicts should not be lost.
    const failed = firstFailure(o.namespace, o.quotas, o.limitRanges);
    if (!o.namespace.ok && !o.quotas.ok && !o.limitRanges.ok) facts.targetNamespace = failed!;
    else {
      const section: NonNullable<KubernetesFacts['targetNamespace']> & { status: 'ok' } = { status: 'ok', name: ns };
      const unknownFields: Record<string, string> = {};
      if (o.namespace.ok) {
        const labels = o.namespace.value?.metadata?.labels ?? {};
        const podSecurity: { enforce?: string; audit?: string; warn?: string } = {};
        for (const mode of ['enforce', 'audit', 'warn'] as const) {
          const level = labels[`pod-security.kubernetes.io/${mode}`];
          if (level) podSecurity[mode] = level;
        }
        section.exists = o.namespace.value !== undefined;
        section.podSecurity = podSecurity;
      } else {
        unknownFields.exists = o.namespace.reason;
        unknownFields.podSecurity = o.namespace.reason;
      }
      if (o.quotas.ok) section.resourceQuotas = o.quotas.value;
      else unknownFields.resourceQuotas = o.quotas.reason;
      if (o.limitRanges.ok) section.limitRanges = o.limitRanges.value;
      else unknownFields.limitRanges = o.limitRanges.reason;
      if (Object.keys(unknownFields).length) section.unknownFields = unknownFields;
      facts.targetNamespace = section;
    }
  }

  if (o.access.ok) {
    const can: Record<string, boolean> = {};
    for (const [k, allowed] of o.access.value) can[k] = allowed;
    facts.access = { status: 'ok', can, denied: o.access.value.filter(([, a]) => !a).map(([k]) => k) };
  } else facts.access = unknown(o.access.reason);

  {
    const failed = firstFailure(o.crds, o.daemonSets);
    if (failed || !o.crds.ok || !o.daemonSets.ok) facts.addons = failed ?? unknown('add-ons could not be read');
    else {
      const workloads = [
        ...o.daemonSets.value.map((d) => d.metadata?.name ?? ''),
        ...(o.deployments.ok ? o.deployments.value : []),
        ...(o.statefulSets.ok ? o.statefulSets.value : []),
      ];
      // A monitoring workload not found is "false" only when every workload list was read.
      const seen = monitoringWorkloads(workloads);
      const complete = o.deployments.ok && o.statefulSets.ok;
      const monitoring = Object.fromEntries(Object.entries(seen).filter(([, found]) => found || complete));
      facts.addons = { status: 'ok', ...addonsFromCrds(o.crds.value, workloads), ...monitoring, logShippers: logShippers(workloads), crds: o.crds.value.size };
    }
  }
  facts.probe = probeStats(partial);
  return facts;
}

interface LimitRangeFacts {
  name: string;
  limits: { type: string; max?: Record<string, number>; min?: Record<string, number>; default?: Record<string, number>; defaultRequest?: Record<string, number> }[];
}

function limitRangeFacts(lr: MetaLike & { spec?: { limits?: Record<string, unknown>[] } }): LimitRangeFacts {
  return {
    name: lr.metadata?.name ?? '',
    limits: (lr.spec?.limits ?? []).map((l) => {
      const out: LimitRangeFacts['limits'][number] = { type: typeof l?.type === 'string' ? l.type : '' };
      for (const key of ['max', 'min', 'default', 'defaultRequest'] as const) if (l?.[key]) out[key] = quantityRecord(l[key]);
      return out;
    }),
  };
}

/** Per resource: capacity and allocatable over nodes, requested by unfinished pods, the most free on one ready schedulable node. */
export function resourcesFacts(nodes: NodeAggregator, pods: PodAggregator | Unknown): NonNullable<KubernetesFacts['resources']> {
  const names = new Set<string>(ALWAYS_REPORTED);
  for (const [k, v] of nodes.capacity) if (v > 0 || (nodes.allocatable.get(k) ?? 0) > 0) names.add(k);
  if (pods instanceof PodAggregator) for (const [k, v] of pods.requested) if (isTrackedResource(k) && v > 0) names.add(k);
  const out: Record<string, ResourceTotalsFacts> = {};
  for (const name of [...names].sort()) {
    let requested: ResourceTotalsFacts['requested'];
    let largestFree: ResourceTotalsFacts['largestFreePerNode'];
    if (pods instanceof PodAggregator) {
      requested = unscale(name, pods.requested.get(name) ?? 0);
      let best = 0;
      for (const [nodeName, rec] of nodes.byName) {
        if (!rec.schedulable) continue;
        const free = (rec.allocatable.get(name) ?? 0) - (pods.perNode.get(nodeName)?.get(name) ?? 0);
        if (free > best) best = free;
      }
      largestFree = unscale(name, best);
    } else {
      requested = { status: 'unknown', reason: pods.reason };
      largestFree = { status: 'unknown', reason: pods.reason };
    }
    out[name] = {
      capacity: unscale(name, nodes.capacity.get(name) ?? 0),
      allocatable: unscale(name, nodes.allocatable.get(name) ?? 0),
      requested,
      largestFreePerNode: largestFree,
    };
  }
  return { status: 'ok', ...out } as NonNullable<KubernetesFacts['resources']>;
}

type DaemonSetFacts = Extract<NonNullable<KubernetesFacts['gpuSoftware']>, { status: 'ok' }>['devicePlugin'];

/** GPU software from DaemonSets (and their pods, for the GPU nodes each one misses), CRDs and the ClusterPolicy. */
export function gpuSoftwareFacts(
  daemonSets: DaemonSetLike[],
  nodes: NodeAggregator | undefined,
  pods: PodAggregator | undefined,
  crds: ReadonlySet<string> | undefined,
  clusterPolicy: { state?: string; namespace?: string } | undefined,
): NonNullable<KubernetesFacts['gpuSoftware']> {
  const pick = (match: (name: string) => boolean, vendor: 'nvidia' | 'amd'): DaemonSetFacts => {
    const found = daemonSets.filter((d) => match(d.metadata?.name ?? ''));
    if (!found.length) return { present: false };
    const best = found.reduce((a, b) => ((b.status?.numberReady ?? 0) > (a.status?.numberReady ?? 0) ? b : a));
    const out: DaemonSetFacts = {
      present: true,
      name: best.metadata?.name ?? '',
      namespace: best.metadata?.namespace ?? '',
      desired: Math.max(0, best.status?.desiredNumberScheduled ?? 0),
      ready: Math.max(0, best.status?.numberReady ?? 0),
    };
    if (nodes && pods) {
      const covered = new Set<string>();
      for (const d of found) for (const n of pods.daemonSetReady.get(`${d.metadata?.namespace ?? ''}/${d.metadata?.name ?? ''}`) ?? []) covered.add(n);
      const missing: string[] = [];
      for (const [name, rec] of nodes.byName) {
        if (rec.vendor === vendor && !covered.has(name)) missing.push(name);
        if (missing.length >= MAX_MISSING) break;
      }
      out.gpuNodesMissing = missing;
    }
    return out;
  };
  const devicePlugin = pick(isNvidiaDevicePlugin, 'nvidia');
  const operatorDs = daemonSets.find((d) => ['nvidia-device-plugin-daemonset', 'nvidia-operator-validator', 'gpu-operator'].includes(d.metadata?.name ?? ''));
  const operatorPresent = Boolean(crds?.has('clusterpolicies.nvidia.com') || operatorDs);
  const gpuOperator: Extract<NonNullable<KubernetesFacts['gpuSoftware']>, { status: 'ok' }>['gpuOperator'] = { present: operatorPresent };
  if (operatorPresent) {
    const namespace = clusterPolicy?.namespace || operatorDs?.metadata?.namespace;
    if (namespace) gpuOperator.namespace = namespace;
    if (clusterPolicy?.state) gpuOperator.clusterPolicyState = clusterPolicy.state;
  }
  return {
    status: 'ok',
    devicePlugin,
    gpuOperator,
    dcgmExporter: pick(isDcgmExporter, 'nvidia'),
    amdDevicePlugin: pick(isAmdDevicePlugin, 'amd'),
  };
}
