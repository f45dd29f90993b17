/**
 * `scaffold --with logging` in process: the plan's decisions from the facts, the compose `logging`
 * profile, the stages' structured-logging settings, Fluent Bit's YAML configuration (parsed back with
 * `yaml`) and the Kubernetes hints.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { baseFacts, patchedFacts, tempDir } from '../helpers/facts.js';
import { renderSpec, SCENARIOS, validateComposeSpec } from '../golden/scaffold-helpers.js';
import type { GeneratedFile } from '../../src/generate/index.js';
import { LOGGING_IMAGES, SHIPPER_ANNOTATIONS, type LoggingPlan } from '../../src/generate/addons/logging.js';
import type { Facts } from '../../src/facts/schema.js';
import type { WorkflowModel } from '../../src/workflow/model.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let dir: string;
beforeAll(() => {
  dir = tempDir('mlready-logging-');
  for (const e of ['iris', 'pytorch-distributed', 'huggingface-inference']) cpSync(path.join(ROOT, 'examples', e), path.join(dir, e), { recursive: true });
  // A spec whose stage sets LOG_FORMAT itself and whose stage names collide with the logging services.
  mkdirSync(path.join(dir, 'collide'));
  writeFileSync(
    path.join(dir, 'collide', 'mlready.yaml'),
    [
      'apiVersion: mlready.dev/v1alpha1',
      'kind: Workflow',
      'metadata: {name: search}',
      'spec:',
      '  framework: none',
      '  python: "3.11"',
      '  volumes: [{name: elasticsearch-data, mountPath: /data, size: 1Gi}]',
      '  stages:',
      '    - {name: elasticsearch, type: service, command: [python, es.py], port: 9200, env: {LOG_FORMAT: text}, volumes: [elasticsearch-data]}',
      '    - {name: index, type: batch, command: [python, index.py]}',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scaffold = (example: string, facts?: Facts) => renderSpec(path.join(dir, example, 'mlready.yaml'), { ...(facts ? { facts } : {}), with: ['logging'] });
const yamlOf = (f: GeneratedFile | undefined): Obj => {
  if (!f) throw new Error('file not generated');
  return parseYaml(f.body, { version: '1.1' }) as Obj;
};
const docsOf = (f: GeneratedFile): Obj[] => parseAllDocuments(f.body, { version: '1.1' }).map((d) => d.toJS() as Obj);
const decision = (m: WorkflowModel, topic: string) => m.decisions.find((d) => d.topic === topic);

describe('compose: the logging profile', () => {
  test('Elasticsearch, Fluent Bit and Kibana in profiles, pinned, loopback-only, no literal secret', async () => {
    const { files } = await scaffold('iris', baseFacts('gpu-server'));
    const compose = yamlOf(files.get('compose.yaml'));
    validateComposeSpec(compose, 'compose.yaml');
    const s = compose.services as Record<string, Obj>;
    expect(s.elasticsearch).toMatchObject({ image: LOGGING_IMAGES.elasticsearch, profiles: ['logging'], ports: ['127.0.0.1:9200:9200'] });
    expect(s['fluent-bit']).toMatchObject({ image: LOGGING_IMAGES.fluentBit, profiles: ['logging'], read_only: true, depends_on: { elasticsearch: { condition: 'service_healthy' } } });
    expect(s.kibana).toMatchObject({ image: LOGGING_IMAGES.kibana, profiles: ['kibana'], ports: ['127.0.0.1:5601:5601'] });
    expect(s['kibana-setup']).toMatchObject({ profiles: ['kibana'], restart: 'no' });
    for (const image of Object.values(LOGGING_IMAGES)) expect(image).toMatch(/:\d+\.\d+\.\d+$/);
    // Security on, for a local profile: authentication, no TLS on loopback, the password from the shell.
    expect(s.elasticsearch!.environment).toMatchObject({ 'discovery.type': 'single-node', 'xpack.security.enabled': 'true', ELASTIC_PASSWORD: null });
    expect(s['fluent-bit']!.environment).toEqual({ ELASTIC_PASSWORD: null });
    expect(s.kibana!.environment.ELASTICSEARCH_PASSWORD).toBe('${KIBANA_PASSWORD:-}');
    // The health check's variable reaches the container's shell, not compose.
    expect(s.elasticsearch!.healthcheck.test[1]).toContain('elastic:$${ELASTIC_PASSWORD}');
    // The stages do not depend on the shipper.
    for (const stage of ['preprocess', 'train', 'evaluate', 'serve']) expect(JSON.stringify(s[stage]!.depends_on ?? {})).not.toContain('elasticsearch');
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['elasticsearch-data', 'fluent-bit-state']));
  });

  test('every stage logs JSON through json-file with rotation, labels and a tag', async () => {
    const { files, model } = await scaffold('iris', baseFacts('gpu-server'));
    const s = yamlOf(files.get('compose.yaml')).services as Record<string, Obj>;
    for (const stage of model.stages) {
      expect(s[stage.name]!.environment.LOG_FORMAT).toBe('json');
      expect(s[stage.name]!.logging).toEqual({
        driver: 'json-file',
        options: { 'max-size': '100m', 'max-file': '5', labels: 'dev.mlready.workflow,dev.mlready.stage', tag: `iris.${stage.name}` },
      });
      // The labels the json-file driver copies into each line are on the containers.
      expect(s[stage.name]!.labels).toMatchObject({ 'dev.mlready.workflow': 'iris', 'dev.mlready.stage': stage.name });
    }
    expect(decision(model, 'logging.rotation')!.reason).toMatch(/engine's own json-file rotation \(facts\)/);
  });

  test('the swarm stack gets the stages\' logging options, not the profile', async () => {
    const { files } = await scaffold('iris');
    const stack = yamlOf(files.get('docker-stack.yml'));
    expect(Object.keys(stack.services).sort()).toEqual(['evaluate', 'preprocess', 'serve', 'train']);
    expect(stack.services.train.logging.options.tag).toBe('iris.train');
    expect(stack.services.train.environment.LOG_FORMAT).toBe('json');
  });

  test('rootless Docker: the shipper reads the user\'s data root; the local driver gives way to json-file with default rotation', async () => {
    const { files, model } = await scaffold('iris', baseFacts('rootless-docker-cgroupv2'));
    const plan = model.addons.logging as LoggingPlan;
    expect(plan.containersDir).toBe('/home/alice/.local/share/docker/containers');
    expect(plan.rotation).toEqual({ maxSize: '50m', maxFile: '5' });
    const fb = (yamlOf(files.get('compose.yaml')).services as Record<string, Obj>)['fluent-bit']!;
    expect(fb.volumes).toContainEqual({ type: 'bind', source: '/home/alice/.local/share/docker/containers', target: '/var/lib/docker/containers', read_only: true });
    expect(decision(model, 'logging.rotation')!.reason).toMatch(/logs with local/);
  });

  test('a Mac: the profile is written, with a warning that the log files live in Docker Desktop\'s VM', async () => {
    const { model } = await scaffold('iris', baseFacts('cpu-laptop-macos'));
    expect(model.warnings.join('\n')).toMatch(/Docker Desktop's VM/);
  });

  test('names already taken by stages or volumes are not reused; a stage\'s own LOG_FORMAT is kept', async () => {
    const { files, model } = await scaffold('collide');
    const compose = yamlOf(files.get('compose.yaml'));
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['elasticsearch', 'logging-elasticsearch', 'fluent-bit', 'index']));
    expect(compose.services['logging-elasticsearch'].image).toBe(LOGGING_IMAGES.elasticsearch);
    expect(compose.services.elasticsearch.environment.LOG_FORMAT).toBe('text');
    expect(compose.services['fluent-bit'].depends_on).toEqual({ 'logging-elasticsearch': { condition: 'service_healthy' } });
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['elasticsearch-data', 'logging-elasticsearch-data']));
    expect(yamlOf(files.get('logging/fluent-bit.yaml')).pipeline.outputs[0].host).toBe('logging-elasticsearch');
    expect(decision(model, 'logging.stages')!.choice).toMatch(/except elasticsearch, whose spec sets it/);
  });
});

describe('Fluent Bit configuration', () => {
  test('fluent-bit.yaml and parsers.yaml parse as YAML and hang together', async () => {
    const { files } = await scaffold('huggingface-inference');
    const main = yamlOf(files.get('logging/fluent-bit.yaml'));
    const parsers = yamlOf(files.get('logging/parsers.yaml'));
    expect(Object.keys(main).sort()).toEqual(['includes', 'pipeline', 'service']);
    expect(main.includes).toEqual(['parsers.yaml']);
    const [tail] = main.pipeline.inputs;
    expect(tail).toMatchObject({ name: 'tail', path: '/var/lib/docker/containers/*/*-json.log', 'multiline.parser': 'docker', db: '/fluent-bit/state/tail.db' });
    // Every filter and output matches what the input tags; the parser the filter names is defined.
    const tagPrefix = String(tail.tag).replace(/\*$/, '');
    for (const p of [...main.pipeline.filters, ...main.pipeline.outputs]) expect(String(p.match).replace(/\*$/, '')).toBe(tagPrefix);
    const names = (parsers.parsers as Obj[]).map((p) => p.name);
    for (const f of main.pipeline.filters.filter((x: Obj) => x.name === 'parser')) expect(names).toContain(f.parser);
    expect(main.pipeline.filters[0]).toEqual({ name: 'grep', match: 'docker.*', regex: "$attrs['dev.mlready.workflow'] ^llm-chat$" });
    expect(main.pipeline.outputs[0]).toMatchObject({ name: 'es', host: 'elasticsearch', port: 9200, http_passwd: '${ELASTIC_PASSWORD}', suppress_type_name: 'on', logstash_prefix: 'llm-chat-logs' });
    // The config directory compose mounts holds both files.
    const fb = (yamlOf(files.get('compose.yaml')).services as Record<string, Obj>)['fluent-bit']!;
    expect(fb.volumes[0]).toEqual({ type: 'bind', source: './logging', target: '/fluent-bit/etc/mlready', read_only: true });
    expect(fb.command).toEqual(['-c', '/fluent-bit/etc/mlready/fluent-bit.yaml']);
  });
});

describe('Kubernetes', () => {
  test('the facts show a shipper: a decision says so, and no annotations or extra objects are added', async () => {
    const { files, model } = await scaffold('pytorch-distributed', SCENARIOS['laptop-targets-gpu-cluster']!());
    expect(decision(model, 'logging.kubernetes')!.choice).toBe("the cluster's fluent-bit collects the pods' stdout");
    const k8s = [...files.values()].filter((f) => f.path.startsWith('k8s/'));
    expect(k8s.map((f) => f.body).join('\n')).not.toContain('fluentbit.io/parser');
    const kinds = k8s.flatMap(docsOf).map((d) => d.kind);
    expect(kinds.filter((k) => !['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'PersistentVolumeClaim', 'ConfigMap', 'NetworkPolicy', 'Job', 'PyTorchJob', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Kustomization'].includes(String(k)))).toEqual([]);
    const job = k8s.flatMap(docsOf).find((d) => d.kind === 'PyTorchJob')!;
    for (const role of Object.values(job.spec.pytorchReplicaSpecs as Record<string, Obj>)) {
      expect(role.template.spec.containers[0].env).toContainEqual({ name: 'LOG_FORMAT', value: 'json' });
    }
  });

  test('no shipper in the cluster: Fluent Bit and Filebeat hints on every pod template, and a warning', async () => {
    const facts = patchedFacts({ targets: ['local', 'docker', 'k8s'], cluster: { kubernetes: { addons: { logShippers: [] } } } }, 'k8s-gpu-cluster');
    const { files, model } = await scaffold('iris', facts);
    expect(model.warnings.join('\n')).toMatch(/no log shipper runs in the cluster/);
    const workloads = [...files.values()].filter((f) => /^k8s\/base\/(batch|services)\//.test(f.path)).flatMap(docsOf).filter((d) => ['Job', 'Deployment'].includes(d.kind));
    expect(workloads.length).toBe(2);
    for (const w of workloads) {
      expect(w.spec.template.metadata.annotations).toMatchObject(SHIPPER_ANNOTATIONS);
      const containers = [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers];
      for (const c of containers) {
        if (c.name === 'mlready-wait') expect(JSON.stringify(c.env ?? [])).not.toContain('LOG_FORMAT');
        else expect(c.env.filter((e: Obj) => e.name === 'LOG_FORMAT')).toEqual([{ name: 'LOG_FORMAT', value: 'json' }]);
      }
    }
  });

  test('without cluster facts the hints are added and the decision says why', async () => {
    const { model } = await scaffold('iris');
    expect(decision(model, 'logging.kubernetes')!.reason).toMatch(/^the cluster was not probed/);
  });
});
