/**
 * Validators for what `scaffold --with monitoring,alerting` writes, shared by the monitoring and
 * alerting tests: Grafana dashboards (structure, data source uid), the Prometheus Operator's objects
 * (fields their CRDs define, selectors that match a Service or pods, port names that exist), and the
 * Prometheus/Alertmanager command-line checkers (promtool, amtool from Debian's prometheus and
 * prometheus-alertmanager packages), which fail rather than skip under MLREADY_REQUIRE_DOCKER=1 (CI).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

type Obj = Record<string, unknown>;

export const PROMTOOL = '/usr/bin/promtool';
export const AMTOOL = '/usr/bin/amtool';
export const COMPOSE = '/usr/bin/docker-compose';
const required = process.env.MLREADY_REQUIRE_DOCKER === '1';

/** True when the tool is there; false (with a note) when it may be skipped; throws in CI. */
export function haveTool(file: string, pkg: string): boolean {
  if (existsSync(file)) return true;
  if (required) throw new Error(`MLREADY_REQUIRE_DOCKER=1 but ${file} is missing: .ci/run must install Debian's ${pkg}`);
  console.warn(`skipping the ${file} check: install Debian's ${pkg}`);
  return false;
}

/** Runs a checker; on failure the error carries its output. */
export function check(file: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

// ---------------------------------------------------------------- Grafana dashboard

export function validateDashboard(dashboard: Obj, datasourceUid: string): void {
  const problems: string[] = [];
  if (typeof dashboard.uid !== 'string' || !dashboard.uid || dashboard.uid.length > 40) problems.push(`uid ${String(dashboard.uid)} (1–40 characters)`);
  if (typeof dashboard.title !== 'string' || !dashboard.title) problems.push('no title');
  if (typeof dashboard.schemaVersion !== 'number') problems.push('no schemaVersion');
  const panels = dashboard.panels as Obj[] | undefined;
  if (!Array.isArray(panels) || !panels.length) problems.push('no panels');
  const ids = new Set<number>();
  for (const p of panels ?? []) {
    const where = `panel ${String(p.id)} "${String(p.title)}"`;
    if (!Number.isInteger(p.id)) problems.push(`${where}: id is not an integer`);
    if (ids.has(p.id as number)) problems.push(`${where}: duplicate id`);
    ids.add(p.id as number);
    const g = p.gridPos as { x: number; y: number; w: number; h: number } | undefined;
    if (!g || ![g.x, g.y, g.w, g.h].every(Number.isInteger) || g.x < 0 || g.y < 0 || g.w < 1 || g.h < 1 || g.x + g.w > 24) problems.push(`${where}: gridPos ${JSON.stringify(g)}`);
    if (p.type === 'row') continue;
    if ((p.datasource as Obj | undefined)?.uid !== datasourceUid) problems.push(`${where}: datasource ${JSON.stringify(p.datasource)}`);
    const targets = p.targets as Obj[] | undefined;
    if (!Array.isArray(targets) || !targets.length) problems.push(`${where}: no targets`);
    const refIds = new Set<string>();
    for (const t of targets ?? []) {
      if (typeof t.expr !== 'string' || !t.expr.trim()) problems.push(`${where}: a target without expr`);
      if (typeof t.refId !== 'string' || refIds.has(t.refId)) problems.push(`${where}: refId ${String(t.refId)}`);
      refIds.add(String(t.refId));
      if (t.datasource && (t.datasource as Obj).uid !== datasourceUid) problems.push(`${where}: target datasource ${JSON.stringify(t.datasource)}`);
    }
  }
  // Panels do not overlap.
  const cells = new Map<string, unknown>();
  for (const p of panels ?? []) {
    const g = p.gridPos as { x: number; y: number; w: number; h: number } | undefined;
    if (!g) continue;
    for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
      const key = `${x},${y}`;
      if (cells.has(key)) problems.push(`panels ${String(cells.get(key))} and ${String(p.id)} overlap at ${key}`);
      cells.set(key, p.id);
    }
  }
  if (problems.length) throw new Error(`dashboard ${String(dashboard.uid)}:\n${[...new Set(problems)].join('\n')}`);
}

// ---------------------------------------------------------------- Prometheus Operator objects

/** Fields of the monitoring.coreos.com CRDs used here (operator v0.7x); anything else is a typo. */
const FIELDS: Record<string, string[]> = {
  'ServiceMonitor.spec': ['selector', 'namespaceSelector', 'endpoints', 'jobLabel', 'targetLabels', 'podTargetLabels', 'sampleLimit', 'attachMetadata'],
  'PodMonitor.spec': ['selector', 'namespaceSelector', 'podMetricsEndpoints', 'jobLabel', 'podTargetLabels', 'sampleLimit', 'attachMetadata'],
  endpoint: ['port', 'targetPort', 'portNumber', 'path', 'scheme', 'params', 'interval', 'scrapeTimeout', 'tlsConfig', 'honorLabels', 'honorTimestamps', 'metricRelabelings', 'relabelings', 'followRedirects', 'enableHttp2', 'filterRunning', 'authorization', 'basicAuth', 'oauth2', 'proxyUrl'],
  relabeling: ['sourceLabels', 'separator', 'targetLabel', 'regex', 'modulus', 'replacement', 'action'],
  'PrometheusRule.spec': ['groups'],
  group: ['name', 'interval', 'rules', 'partial_response_strategy', 'limit'],
  rule: ['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'],
  'AlertmanagerConfig.spec': ['route', 'receivers', 'inhibitRules', 'muteTimeIntervals'],
  route: ['receiver', 'groupBy', 'groupWait', 'groupInterval', 'repeatInterval', 'matchers', 'continue', 'routes', 'muteTimeIntervals', 'activeTimeIntervals'],
  matcher: ['name', 'value', 'matchType', 'regex'],
  receiver: ['name', 'slackConfigs', 'pagerdutyConfigs', 'emailConfigs', 'webhookConfigs', 'opsgenieConfigs', 'victoropsConfigs', 'pushoverConfigs', 'wechatConfigs', 'telegramConfigs', 'snsConfigs', 'webexConfigs', 'discordConfigs', 'msteamsConfigs'],
  inhibitRule: ['sourceMatch', 'targetMatch', 'equal'],
};

function fields(value: unknown, kind: string, where: string, out: string[]): void {
  if (!value || typeof value !== 'object') return void out.push(`${where}: expected an object`);
  for (const k of Object.keys(value)) if (!FIELDS[kind]!.includes(k)) out.push(`${where}.${k}: not a field of ${kind}`);
}

const labelsMatch = (labels: Record<string, string> | undefined, selector: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

type Port = { name?: string; port?: number; containerPort?: number; targetPort?: string | number };
type Pod = { metadata?: { labels?: Record<string, string> }; spec: { containers: { name: string; ports?: Port[] }[]; initContainers?: { name: string; ports?: Port[] }[] } };

export function podTemplatesOf(doc: Obj): Pod[] {
  const spec = doc.spec as Obj | undefined;
  if (!spec) return [];
  const out: Pod[] = [];
  if ((spec.template as Pod | undefined)?.spec) out.push(spec.template as Pod);
  for (const r of Object.values((spec.pytorchReplicaSpecs as Record<string, { template: Pod }> | undefined) ?? {})) out.push(r.template);
  return out;
}

/**
 * Throws when a ServiceMonitor, PodMonitor, PrometheusRule or AlertmanagerConfig is malformed, or when a
 * monitor selects nothing among `objects` (every object of the kustomize base) or names a port the
 * selected Service or pods do not have.
 */
export function validateOperatorObject(doc: Obj, objects: Obj[]): void {
  const problems: string[] = [];
  const meta = doc.metadata as { name?: string; namespace?: string; labels?: Record<string, string> } | undefined;
  const where = `${String(doc.kind)} ${String(meta?.name)}`;
  if (!meta?.name || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(meta.name)) problems.push(`${where}: metadata.name`);
  if (!meta?.namespace) problems.push(`${where}: no namespace`);
  const spec = doc.spec as Obj;
  const sameNs = objects.filter((o) => (o.metadata as { namespace?: string }).namespace === meta?.namespace);
  switch (doc.kind) {
    case 'ServiceMonitor': {
      if (doc.apiVersion !== 'monitoring.coreos.com/v1') problems.push(`${where}: apiVersion ${String(doc.apiVersion)}`);
      fields(spec, 'ServiceMonitor.spec', where, problems);
      const selector = ((spec.selector as Obj | undefined)?.matchLabels ?? {}) as Record<string, string>;
      const services = sameNs.filter((o) => o.kind === 'Service' && labelsMatch((o.metadata as { labels?: Record<string, string> }).labels, selector));
      if (services.length !== 1) problems.push(`${where}: selector ${JSON.stringify(selector)} matches ${services.length} Services`);
      if (!((spec.namespaceSelector as { matchNames?: string[] } | undefined)?.matchNames ?? []).includes(meta!.namespace!)) problems.push(`${where}: namespaceSelector does not name ${String(meta?.namespace)}`);
      const endpoints = (spec.endpoints as Obj[] | undefined) ?? [];
      if (!endpoints.length) problems.push(`${where}: no endpoints`);
      for (const [i, e] of endpoints.entries()) {
        fields(e, 'endpoint', `${where} endpoints[${i}]`, problems);
        for (const [j, r] of ((e.relabelings as Obj[] | undefined) ?? []).entries()) fields(r, 'relabeling', `${where} endpoints[${i}].relabelings[${j}]`, problems);
        if (typeof e.path !== 'string' || !e.path.startsWith('/')) problems.push(`${where}: endpoint path ${String(e.path)}`);
        for (const svc of services) {
          const port = ((svc.spec as { ports: Port[] }).ports ?? []).find((p) => p.name === e.port);
          if (!port) {
            problems.push(`${where}: Service ${String((svc.metadata as Obj).name)} has no port named ${String(e.port)}`);
            continue;
          }
          // The Service's target port exists on the pods it selects.
          const podSelector = (svc.spec as { selector: Record<string, string> }).selector;
          const pods = sameNs.flatMap(podTemplatesOf).filter((p) => labelsMatch(p.metadata?.labels, podSelector));
          if (!pods.length) problems.push(`${where}: Service selects no pod template`);
          for (const p of pods) {
            const ports = [...(p.spec.initContainers ?? []), ...p.spec.containers].flatMap((c) => c.ports ?? []);
            const ok = typeof port.targetPort === 'string' ? ports.some((x) => x.name === port.targetPort) : ports.some((x) => x.containerPort === (port.targetPort ?? port.port));
            if (!ok) problems.push(`${where}: target port ${String(port.targetPort)} is not a container port`);
          }
        }
      }
      break;
    }
    case 'PodMonitor': {
      if (doc.apiVersion !== 'monitoring.coreos.com/v1') problems.push(`${where}: apiVersion ${String(doc.apiVersion)}`);
      fields(spec, 'PodMonitor.spec', where, problems);
      const selector = ((spec.selector as Obj | undefined)?.matchLabels ?? {}) as Record<string, string>;
      const pods = sameNs.flatMap(podTemplatesOf).filter((p) => labelsMatch(p.metadata?.labels, selector));
      if (!pods.length) problems.push(`${where}: selector ${JSON.stringify(selector)} matches no pod template`);
      const endpoints = (spec.podMetricsEndpoints as Obj[] | undefined) ?? [];
      if (!endpoints.length) problems.push(`${where}: no podMetricsEndpoints`);
      for (const [i, e] of endpoints.entries()) {
        fields(e, 'endpoint', `${where} podMetricsEndpoints[${i}]`, problems);
        for (const p of pods) {
          const names = [...(p.spec.initContainers ?? []), ...p.spec.containers].flatMap((c) => (c.ports ?? []).map((x) => x.name));
          if (!names.includes(e.port as string)) problems.push(`${where}: no container port named ${String(e.port)}`);
        }
      }
      break;
    }
    case 'PrometheusRule': {
      if (doc.apiVersion !== 'monitoring.coreos.com/v1') problems.push(`${where}: apiVersion ${String(doc.apiVersion)}`);
      fields(spec, 'PrometheusRule.spec', where, problems);
      for (const g of (spec.groups as Obj[] | undefined) ?? []) {
        fields(g, 'group', `${where} group ${String(g.name)}`, problems);
        for (const r of (g.rules as Obj[] | undefined) ?? []) fields(r, 'rule', `${where} rule ${String(r.alert)}`, problems);
      }
      break;
    }
    case 'AlertmanagerConfig': {
      if (doc.apiVersion !== 'monitoring.coreos.com/v1alpha1') problems.push(`${where}: apiVersion ${String(doc.apiVersion)}`);
      fields(spec, 'AlertmanagerConfig.spec', where, problems);
      const receivers = (spec.receivers as Obj[] | undefined) ?? [];
      for (const r of receivers) fields(r, 'receiver', `${where} receiver ${String(r.name)}`, problems);
      const names = new Set(receivers.map((r) => r.name));
      const walk = (route: Obj, at: string) => {
        fields(route, 'route', at, problems);
        if (route.receiver !== undefined && !names.has(route.receiver)) problems.push(`${at}: receiver ${String(route.receiver)} is not defined`);
        for (const m of (route.matchers as Obj[] | undefined) ?? []) fields(m, 'matcher', `${at}.matchers`, problems);
        for (const [i, r] of ((route.routes as Obj[] | undefined) ?? []).entries()) walk(r, `${at}.routes[${i}]`);
      };
      walk(spec.route as Obj, `${where} route`);
      for (const r of (spec.inhibitRules as Obj[] | undefined) ?? []) fields(r, 'inhibitRule', `${where} inhibitRules`, problems);
      break;
    }
    default:
      problems.push(`${where}: not a Prometheus Operator kind`);
  }
  if (problems.length) throw new Error(problems.join('\n'));
}

/** Every string value in a document, with its path (for "no inline secret" checks). */
export function stringsOf(value: unknown, at = ''): [string, string][] {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsOf(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringsOf(v, at ? `${at}.${k}` : k));
  return [];
}
