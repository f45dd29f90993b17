/**
 * `--with logging`: the workflow's logs, structured and shipped to Elasticsearch (ELK).
 *
 * - Every stage logs JSON (`LOG_FORMAT=json` unless the spec sets it; Python output is unbuffered
 *   already) and, on Docker, through the json-file driver with rotation, the workflow and stage labels
 *   and a `<workflow>.<stage>` tag in each line's attributes: a shipper tells stages apart without
 *   parsing container names.
 * - Compose: a `logging` profile (`docker compose --profile logging up`) with Elasticsearch (single node,
 *   security on, HTTP on 127.0.0.1 only, the `elastic` password from the shell) and Fluent Bit tailing the
 *   engine's container log files, keeping only this workflow's containers; Kibana in a `kibana` profile of
 *   its own. Fluent Bit's configuration is written as YAML (`logging/fluent-bit.yaml`,
 *   `logging/parsers.yaml`), rendered from data like everything else.
 * - Kubernetes: when the facts show a log shipper in the cluster, a decision says it collects the pods'
 *   stdout (no extra objects); otherwise the pod templates carry the hints Fluent Bit and Filebeat read.
 * - Swarm: the stages' logging options; the shipper is not part of the stack.
 */
import type { Facts } from '../../facts/schema.js';
import type { ModelStage, WorkflowModel } from '../../workflow/model.js';
import { escapeInterpolation } from '../compose.js';
import type { Addon, AddonRenderInput, Obj } from './types.js';

export const LOGGING_PROFILE = 'logging';
export const KIBANA_PROFILE = 'kibana';
export const LOGGING_IMAGES = {
  elasticsearch: 'docker.elastic.co/elasticsearch/elasticsearch:8.17.4',
  kibana: 'docker.elastic.co/kibana/kibana:8.17.4',
  fluentBit: 'fluent/fluent-bit:3.2.10',
} as const;
/** Labels every stage container carries (compose.ts) and the json-file driver copies into each line. */
const WORKFLOW_LABEL = 'dev.mlready.workflow';
const STAGE_LABEL = 'dev.mlready.stage';
const CONFIG_DIR = 'logging';
const CONTAINERS_IN = '/var/lib/docker/containers';
const DEFAULT_ROTATION = { maxSize: '50m', maxFile: '5' };

/** Hints common shippers read from pod annotations (JSON lines on stdout). */
export const SHIPPER_ANNOTATIONS: Record<string, string> = {
  // Fluent Bit's kubernetes filter (K8S-Logging.Parser On): the parser for this pod's lines.
  'fluentbit.io/parser': 'json',
  // Filebeat hints-based autodiscover (filestream's ndjson parser): decode the JSON into the event.
  'co.elastic.logs/json.target': '',
  'co.elastic.logs/json.overwrite_keys': 'true',
  'co.elastic.logs/json.add_error_key': 'true',
};

export interface LoggingPlan {
  [key: string]: unknown;
  /** Compose service and volume names (suffixed when a stage or spec volume already has the name). */
  services: { elasticsearch: string; fluentBit: string; kibana: string; kibanaSetup: string };
  volumes: { data: string; state: string };
  images: typeof LOGGING_IMAGES;
  /** json-file rotation of the stages. */
  rotation: { maxSize: string; maxFile: string };
  /** The engine's container log directory on the host (bind-mounted read-only into Fluent Bit). */
  containersDir: string;
  /** Stages that get LOG_FORMAT=json (those whose spec does not set it). */
  jsonStages: string[];
  /** Kubernetes: the cluster's shippers (decision only), or the shipper annotations on pod templates. */
  kubernetes?: { shippers: string[]; annotations: boolean };
}

function ok<T extends { status?: string }>(section: T | undefined): Extract<T, { status: 'ok' }> | undefined {
  return section && section.status === 'ok' ? (section as Extract<T, { status: 'ok' }>) : undefined;
}

/** A name not already taken by a stage or a volume. */
function free(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let i = 1; taken.has(candidate); i++) candidate = i === 1 ? `logging-${name}` : `logging-${name}-${i}`;
  taken.add(candidate);
  return candidate;
}

function dockerFacts(facts: Facts | undefined) {
  const d = facts?.runtime.docker;
  return d && d.status === 'available' && facts?.targets.includes('docker') ? d : undefined;
}

export const logging: Addon = {
  plan({ model, facts, decide, warn }) {
    const taken = new Set([...model.stages.map((s) => s.name), 'prometheus', 'grafana', 'alertmanager', 'dcgm-exporter']);
    const services = {
      elasticsearch: free('elasticsearch', taken),
      fluentBit: free('fluent-bit', taken),
      kibana: free('kibana', taken),
      kibanaSetup: free('kibana-setup', taken),
    };
    const volumeTaken = new Set(model.volumes.map((v) => v.name));
    const volumes = { data: free('elasticsearch-data', volumeTaken), state: free('fluent-bit-state', volumeTaken) };
    const jsonStages = model.stages.filter((s) => !s.env.some(([k]) => k === 'LOG_FORMAT')).map((s) => s.name);
    decide(
      'logging.stages',
      `LOG_FORMAT=json${jsonStages.length < model.stages.length ? ` (except ${model.stages.filter((s) => !jsonStages.includes(s.name)).map((s) => s.name).join(', ')}, whose spec sets it)` : ''}; json-file with ${STAGE_LABEL} and ${WORKFLOW_LABEL} labels and a <workflow>.<stage> tag`,
      'one JSON object per line on stdout is what every shipper parses without a custom pattern; the labels travel in each line\'s attributes, so the shipper tells stages apart (PYTHONUNBUFFERED=1 already flushes every line)',
    );

    const docker = dockerFacts(facts);
    const opts = docker?.loggingDriver === 'json-file' ? docker.logOptions : undefined;
    const rotation = {
      maxSize: opts?.['max-size'] ?? DEFAULT_ROTATION.maxSize,
      maxFile: opts?.['max-file'] ?? DEFAULT_ROTATION.maxFile,
    };
    const emitsDocker = model.emit.includes('compose') || model.emit.includes('swarm');
    if (emitsDocker) {
      decide(
        'logging.rotation',
        `json-file, max-size ${rotation.maxSize}, max-file ${rotation.maxFile}`,
        opts?.['max-size']
          ? 'the engine\'s own json-file rotation (facts), set per service so the shipper can rely on json-file whatever the daemon default becomes'
          : `${docker ? `the engine logs with ${docker.loggingDriver ?? 'an unreported driver'}${docker.loggingDriver === 'json-file' ? ' without max-size' : ''}` : 'no engine facts'}: json-file (which Fluent Bit tails) with rotation, so logs never fill the data root`,
      );
    }
    const containersDir = `${docker?.endpoint?.local && docker.dataRoot ? docker.dataRoot.replace(/\/+$/, '') : '/var/lib/docker'}/containers`;
    if (model.emit.includes('compose')) {
      decide(
        'logging.compose',
        `profile "${LOGGING_PROFILE}": ${services.elasticsearch} (${LOGGING_IMAGES.elasticsearch}), ${services.fluentBit} (${LOGGING_IMAGES.fluentBit}); profile "${KIBANA_PROFILE}": ${services.kibana} (${LOGGING_IMAGES.kibana})`,
        'docker compose --profile logging up ships the stages\' logs to a local Elasticsearch; plain docker compose up starts neither; images pinned, ports on 127.0.0.1 only',
      );
      decide(
        'logging.elasticsearch',
        'single node, security on (the elastic user\'s password from ELASTIC_PASSWORD in your shell), HTTP without TLS on 127.0.0.1:9200, 1 GiB heap',
        'a local profile: authentication keeps other local users and containers out, loopback-only ports keep the network out, so certificates are not worth their setup here; use TLS and your own cluster beyond one machine',
      );
      decide(
        'logging.shipper',
        `Fluent Bit tails ${containersDir}/*/*-json.log (read-only) and keeps only containers labelled ${WORKFLOW_LABEL}=${model.name}; config in ${CONFIG_DIR}/fluent-bit.yaml and ${CONFIG_DIR}/parsers.yaml`,
        `${docker?.endpoint?.local && docker.dataRoot ? `the engine's data root is ${docker.dataRoot} (facts)` : 'Docker\'s default data root'}; tailing files needs no Docker socket in the shipper and loses no line when it restarts (offsets in the ${volumes.state} volume); the stages do not depend on it`,
      );
      const host = ok(facts?.host.os);
      if (host && host.platform !== 'linux') {
        warn(`logging: Fluent Bit reads the engine's container log files from ${containersDir}; on ${host.platform === 'darwin' ? 'macOS' : host.platform} they live inside Docker Desktop's VM and cannot be bind-mounted: run the logging profile on a Linux host`);
      }
      if (docker?.rootless) decide('logging.rootless', `${containersDir}`, 'rootless Docker keeps container logs under the user\'s data root; Fluent Bit runs as the same user there');
    }
    if (model.emit.includes('swarm')) {
      decide('logging.swarm', 'stage logging options only', 'docker stack deploy has no profiles: run the compose logging profile (or a global Fluent Bit service) on each node');
    }

    let kubernetes: LoggingPlan['kubernetes'];
    if (model.emit.includes('k8s')) {
      const k8s = facts?.targets.includes('k8s') ? facts.cluster.kubernetes : undefined;
      const addons = k8s?.status === 'available' ? ok(k8s.addons) : undefined;
      const shippers = addons?.logShippers ?? [];
      if (shippers.length) {
        kubernetes = { shippers, annotations: false };
        decide('logging.kubernetes', `the cluster's ${shippers.join(', ')} collects the pods' stdout`,
          `the facts show ${shippers.join(', ')} in the cluster: pods log JSON lines with their app.kubernetes.io/component (stage) label, and no extra objects are needed`);
      } else {
        kubernetes = { shippers: [], annotations: true };
        decide('logging.kubernetes', `pod annotations for Fluent Bit (fluentbit.io/parser) and Filebeat (co.elastic.logs/json.*)`,
          addons
            ? 'the facts show no log shipper in the cluster: once one is installed it parses the pods\' JSON lines from these hints; until then logs stay on the nodes (LOG-001)'
            : `${k8s ? 'the cluster\'s add-ons could not be read' : 'the cluster was not probed'}: hints for the common shippers, harmless where none reads them`);
        if (addons) warn('logging: no log shipper runs in the cluster (facts): the pods\' logs stay on the nodes until one is installed');
      }
    }
    const plan: LoggingPlan = { services, volumes, images: LOGGING_IMAGES, rotation, containersDir, jsonStages, ...(kubernetes ? { kubernetes } : {}) };
    return plan;
  },

  render(input) {
    const plan = input.plan as LoggingPlan;
    const { model } = input;
    if (input.compose) renderCompose(input, plan);
    if (input.stack) renderStack(input.stack, model, plan);
    if (input.k8s) renderKubernetes(input, plan);
  },
};

// ---------------------------------------------------------------- Docker

function stageLogging(model: WorkflowModel, s: ModelStage, plan: LoggingPlan): Obj {
  return {
    driver: 'json-file',
    options: {
      'max-size': plan.rotation.maxSize,
      'max-file': plan.rotation.maxFile,
      labels: `${WORKFLOW_LABEL},${STAGE_LABEL}`,
      tag: `${model.name}.${s.name}`,
    },
  };
}

/** What the logging services themselves log with: rotated, not shipped (they carry no workflow label). */
function serviceLogging(plan: LoggingPlan): Obj {
  return { driver: 'json-file', options: { 'max-size': plan.rotation.maxSize, 'max-file': plan.rotation.maxFile } };
}

/** Adds LOG_FORMAT=json and the logging options to each stage's service (compose or stack). */
function extendStages(services: Record<string, Obj>, model: WorkflowModel, plan: LoggingPlan): void {
  for (const s of model.stages) {
    const svc = services[s.name];
    if (!svc) continue;
    if (plan.jsonStages.includes(s.name)) svc.environment = { ...((svc.environment as Obj | undefined) ?? {}), LOG_FORMAT: 'json' };
    svc.logging = escapeInterpolation(stageLogging(model, s, plan));
  }
}

function renderCompose(input: AddonRenderInput, plan: LoggingPlan): void {
  const { model } = input;
  const compose = input.compose!;
  const services = compose.services as Record<string, Obj>;
  extendStages(services, model, plan);
  const n = plan.services;
  const esUrl = `http://${n.elasticsearch}:9200`;
  const profile = [LOGGING_PROFILE];
  const hardening = { cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'] };
  // Built as the strings the containers should see, then escaped for compose's interpolation like every
  // other string of the file: ${ELASTIC_PASSWORD} reaches the container's shell, not compose.
  const added: Record<string, Obj> = {
    [n.elasticsearch]: {
      image: plan.images.elasticsearch,
      profiles: profile,
      restart: 'unless-stopped',
      environment: {
        'discovery.type': 'single-node',
        'xpack.security.enabled': 'true',
        'xpack.security.http.ssl.enabled': 'false',
        'xpack.security.transport.ssl.enabled': 'false',
        'xpack.license.self_generated.type': 'basic',
        'ingest.geoip.downloader.enabled': 'false',
        ES_JAVA_OPTS: '-Xms1g -Xmx1g',
        // The password of the elastic user, passed through from the shell running compose.
        ELASTIC_PASSWORD: null,
      },
      ports: ['127.0.0.1:9200:9200'],
      volumes: [{ type: 'volume', source: plan.volumes.data, target: '/usr/share/elasticsearch/data' }],
      ulimits: { nofile: { soft: 65536, hard: 65536 } },
      healthcheck: {
        test: ['CMD-SHELL', 'curl -fsS -o /dev/null -u "elastic:${ELASTIC_PASSWORD}" "http://localhost:9200/_cluster/health?wait_for_status=yellow&timeout=5s"'],
        interval: '10s',
        timeout: '10s',
        retries: 30,
        start_period: '60s',
      },
      stop_grace_period: '30s',
      logging: serviceLogging(plan),
      labels: { 'dev.mlready.addon': 'logging', 'dev.mlready.logging-for': model.name },
      deploy: { resources: { limits: { memory: '2048m' }, reservations: { memory: '1024m' } } },
    },
    [n.fluentBit]: {
      image: plan.images.fluentBit,
      profiles: profile,
      restart: 'unless-stopped',
      command: ['-c', '/fluent-bit/etc/mlready/fluent-bit.yaml'],
      depends_on: { [n.elasticsearch]: { condition: 'service_healthy' } },
      environment: { ELASTIC_PASSWORD: null },
      volumes: [
        { type: 'bind', source: `./${CONFIG_DIR}`, target: '/fluent-bit/etc/mlready', read_only: true },
        { type: 'bind', source: plan.containersDir, target: CONTAINERS_IN, read_only: true },
        { type: 'volume', source: plan.volumes.state, target: '/fluent-bit/state' },
      ],
      read_only: true,
      ...hardening,
      stop_grace_period: '30s',
      logging: serviceLogging(plan),
      labels: { 'dev.mlready.addon': 'logging', 'dev.mlready.logging-for': model.name },
      deploy: { resources: { limits: { memory: '256m' }, reservations: { memory: '64m' } } },
    },
    [n.kibanaSetup]: {
      image: plan.images.elasticsearch,
      profiles: [KIBANA_PROFILE],
      restart: 'no',
      depends_on: { [n.elasticsearch]: { condition: 'service_healthy' } },
      environment: { ELASTIC_PASSWORD: null, KIBANA_PASSWORD: null },
      // Sets the kibana_system user's password (Elastic's documented bootstrap for Kibana with security on).
      entrypoint: ['/bin/sh', '-c'],
      command: [
        `test -n "\${KIBANA_PASSWORD}" || { echo 'set KIBANA_PASSWORD in the shell running compose' >&2; exit 1; }; ` +
          `curl -fsS --retry 5 -o /dev/null -u "elastic:\${ELASTIC_PASSWORD}" -H 'Content-Type: application/json' ` +
          `-X POST ${esUrl}/_security/user/kibana_system/_password -d "{\\"password\\":\\"\${KIBANA_PASSWORD}\\"}"`,
      ],
      ...hardening,
      logging: serviceLogging(plan),
      labels: { 'dev.mlready.addon': 'logging', 'dev.mlready.logging-for': model.name },
    },
    [n.kibana]: {
      image: plan.images.kibana,
      profiles: [KIBANA_PROFILE],
      restart: 'unless-stopped',
      depends_on: { [n.kibanaSetup]: { condition: 'service_completed_successfully' } },
      environment: {
        ELASTICSEARCH_HOSTS: esUrl,
        ELASTICSEARCH_USERNAME: 'kibana_system',
        ELASTICSEARCH_PASSWORD: '', // set below: compose fills it in
      },
      ports: ['127.0.0.1:5601:5601'],
      stop_grace_period: '30s',
      logging: serviceLogging(plan),
      labels: { 'dev.mlready.addon': 'logging', 'dev.mlready.logging-for': model.name },
      deploy: { resources: { limits: { memory: '1024m' } } },
    },
  };
  const escaped = escapeInterpolation(added);
  // The one value compose itself fills in, from the shell (empty when unset: the setup service says so).
  ((escaped[n.kibana]!.environment as Obj).ELASTICSEARCH_PASSWORD = '${KIBANA_PASSWORD:-}');
  Object.assign(services, escaped);
  compose.volumes = { ...((compose.volumes as Obj | undefined) ?? {}), [plan.volumes.data]: {}, [plan.volumes.state]: {} };

  input.files.push(
    {
      path: `${CONFIG_DIR}/fluent-bit.yaml`,
      body: { yaml: fluentBitConfig(model, plan) },
      comment: 'hash',
      what: `Fluent Bit (YAML configuration): tails the engine's container logs, keeps ${model.name}'s stages, ships them to Elasticsearch`,
    },
    {
      path: `${CONFIG_DIR}/parsers.yaml`,
      body: { yaml: { parsers: [{ name: 'mlready-json', format: 'json' }] } },
      comment: 'hash',
      what: 'Fluent Bit parsers: the stages\' JSON log lines',
    },
  );
}

/** Fluent Bit's configuration in its YAML format (Fluent Bit ≥ 3.2), as data. */
export function fluentBitConfig(model: WorkflowModel, plan: LoggingPlan): Obj {
  const match = 'docker.*';
  return {
    service: {
      flush: 1,
      log_level: 'info',
      http_server: 'on',
      http_listen: '0.0.0.0',
      http_port: 2020,
      'storage.path': '/fluent-bit/state/buffer',
    },
    includes: ['parsers.yaml'],
    pipeline: {
      inputs: [
        {
          name: 'tail',
          tag: 'docker.*',
          path: `${CONTAINERS_IN}/*/*-json.log`,
          'multiline.parser': 'docker',
          db: '/fluent-bit/state/tail.db',
          read_from_head: 'on',
          refresh_interval: 5,
          mem_buf_limit: '50MB',
          skip_long_lines: 'on',
          'storage.type': 'filesystem',
        },
      ],
      filters: [
        // Only this workflow's containers (the json-file driver copies their labels into `attrs`).
        { name: 'grep', match, regex: `$attrs['${WORKFLOW_LABEL}'] ^${model.name}$` },
        { name: 'nest', match, operation: 'lift', nested_under: 'attrs' },
        { name: 'modify', match, rename: `${WORKFLOW_LABEL} workflow` },
        { name: 'modify', match, rename: `${STAGE_LABEL} stage` },
        // Lines the stages print as JSON become fields; other lines stay in `log`.
        { name: 'parser', match, key_name: 'log', parser: 'mlready-json', reserve_data: 'on' },
      ],
      outputs: [
        {
          name: 'es',
          match,
          host: plan.services.elasticsearch,
          port: 9200,
          http_user: 'elastic',
          http_passwd: '${ELASTIC_PASSWORD}',
          tls: 'off',
          suppress_type_name: 'on',
          logstash_format: 'on',
          logstash_prefix: `${model.name}-logs`,
          replace_dots: 'on',
          retry_limit: 5,
          trace_error: 'on',
        },
      ],
    },
  };
}

function renderStack(stack: Obj, model: WorkflowModel, plan: LoggingPlan): void {
  extendStages(stack.services as Record<string, Obj>, model, plan);
}

// ---------------------------------------------------------------- Kubernetes

/** Pod templates inside a workload object (Deployment, Job, CronJob, PyTorchJob, Knative Service…). */
function podTemplates(doc: Obj): Obj[] {
  const spec = doc.spec as Obj | undefined;
  if (!spec) return [];
  const out: Obj[] = [];
  const template = spec.template as Obj | undefined;
  if (template && typeof template === 'object' && template.spec) out.push(template);
  const job = (spec.jobTemplate as Obj | undefined)?.spec as Obj | undefined;
  if (job?.template) out.push(job.template as Obj);
  for (const [key, value] of Object.entries(spec)) {
    if (!key.endsWith('ReplicaSpecs') || !value || typeof value !== 'object') continue;
    for (const role of Object.values(value as Record<string, Obj>)) if (role?.template) out.push(role.template as Obj);
  }
  return out;
}

function renderKubernetes(input: AddonRenderInput, plan: LoggingPlan): void {
  const { model } = input;
  const byName = new Map(model.stages.map((s) => [s.name, s]));
  for (const file of input.k8s ?? []) {
    for (const doc of file.docs) {
      for (const template of podTemplates(doc)) {
        const metadata = ((template.metadata as Obj | undefined) ?? (template.metadata = {})) as Obj;
        const component = (metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/component'];
        const spec = template.spec as Obj;
        for (const c of [...((spec.initContainers as Obj[] | undefined) ?? []), ...((spec.containers as Obj[] | undefined) ?? [])]) {
          if (c.name === 'mlready-wait') continue;
          const stage = byName.get(String(c.name)) ?? (component ? byName.get(component) : undefined);
          if (!stage || !plan.jsonStages.includes(stage.name)) continue;
          const env = ((c.env as Obj[] | undefined) ?? []).filter((e) => e.name !== 'LOG_FORMAT');
          c.env = [...env, { name: 'LOG_FORMAT', value: 'json' }];
        }
        if (plan.kubernetes?.annotations) metadata.annotations = { ...((metadata.annotations as Obj | undefined) ?? {}), ...SHIPPER_ANNOTATIONS };
      }
    }
  }
}
