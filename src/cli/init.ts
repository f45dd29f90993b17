/**
 * `mlready init`: writes a starter workflow spec (mlready.yaml). Every prompt is also a flag; with
 * --yes (or without a terminal) nothing is asked: flags, then defaults taken from the facts (GPUs on
 * the host or cluster, the cluster's default StorageClass) and the directory (requirements.txt tells
 * the framework). An existing spec is never replaced without --force. The spec is validated like any
 * other before it is written.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Facts } from '../facts/schema.js';
import { EXIT, UsageError } from './errors.js';

export interface InitOptions {
  name?: string;
  framework?: string;
  python?: string;
  gpu?: boolean | string;
  namespace?: string;
  storageClass?: string;
  out: string;
  facts?: string;
  yes?: boolean;
  force?: boolean;
}

export const FRAMEWORKS = ['sklearn', 'pytorch', 'tensorflow', 'xgboost', 'huggingface', 'none'] as const;
const DNS1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface InitAnswers {
  name: string;
  namespace: string;
  framework: string;
  python: string;
  gpu: number;
  storageClass?: string;
  requirements?: string;
}

export interface InitDefaults extends InitAnswers {
  why: Record<string, string>;
  clusterFound: boolean;
}

/** The questions, for a terminal. Tests pass their own. */
export interface Prompter {
  input(o: { message: string; default?: string; validate?: (v: string) => true | string }): Promise<string>;
  select(o: { message: string; choices: { name: string; value: string }[]; default?: string }): Promise<string>;
}

export function dnsLabel(text: string): string {
  const label = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return label || 'workflow';
}

function frameworkFromRequirements(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const names = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim().toLowerCase().split(/[<>=!~\[; ]/)[0]!)
    .filter(Boolean);
  if (names.includes('transformers')) return 'huggingface';
  if (names.includes('torch')) return 'pytorch';
  if (names.some((n) => n === 'tensorflow' || n === 'tensorflow-cpu')) return 'tensorflow';
  if (names.includes('xgboost')) return 'xgboost';
  if (names.includes('scikit-learn') || names.includes('sklearn')) return 'sklearn';
  return undefined;
}

export function initDefaults(facts: Facts | undefined, dir: string): InitDefaults {
  const why: Record<string, string> = {};
  const name = dnsLabel(path.basename(dir));
  why.name = 'the directory name';
  const hostGpu = facts?.gpu.status === 'present' && facts.gpu.devices.length > 0;
  const k8s = facts?.cluster?.kubernetes;
  const clusterFound = k8s?.status === 'available';
  const gpuNodes = clusterFound && k8s?.gpuNodes?.status === 'ok' ? k8s.gpuNodes.count : 0;
  const reqFile = path.join(dir, 'requirements.txt');
  let framework = frameworkFromRequirements(reqFile);
  if (framework) why.framework = 'requirements.txt';
  else {
    framework = hostGpu || gpuNodes > 0 ? 'pytorch' : 'sklearn';
    why.framework = hostGpu || gpuNodes > 0 ? 'GPUs found' : 'no GPU found and no requirements.txt';
  }
  const gpu = hostGpu || gpuNodes > 0 ? 1 : 0;
  why.gpu = hostGpu ? 'the host has a GPU' : gpuNodes ? `the cluster has ${gpuNodes} GPU node(s)` : facts ? 'no GPU in the facts' : 'no facts';
  let storageClass: string | undefined;
  if (clusterFound && k8s?.storage?.status === 'ok') {
    storageClass = k8s.storage.defaultClass ?? k8s.storage.classes.find((c) => c.default)?.name;
    if (storageClass) why.storageClass = "the cluster's default StorageClass";
  }
  return {
    name,
    namespace: name,
    framework,
    python: '3.11',
    gpu,
    ...(storageClass ? { storageClass } : {}),
    ...(existsSync(reqFile) ? { requirements: 'requirements.txt' } : {}),
    why,
    clusterFound,
  };
}

/** The spec text: built as an object, stringified with `yaml`. */
export async function buildInitSpec(a: InitAnswers): Promise<string> {
  const { toYaml } = await import('../generate/yaml.js');
  const gpuFramework = ['pytorch', 'tensorflow', 'huggingface'].includes(a.framework);
  const doc = {
    apiVersion: 'mlready.dev/v1alpha1',
    kind: 'Workflow',
    metadata: { name: a.name, ...(a.namespace !== a.name ? { namespace: a.namespace } : {}) },
    spec: {
      framework: a.framework,
      python: a.python,
      ...(a.requirements ? { requirements: a.requirements } : {}),
      volumes: [
        { name: 'data', mountPath: '/data', size: '10Gi', ...(a.storageClass ? { storageClass: a.storageClass } : {}) },
        { name: 'models', mountPath: '/models', size: '5Gi', shared: true, ...(a.storageClass ? { storageClass: a.storageClass } : {}) },
      ],
      stages: [
        {
          name: 'train',
          type: 'batch',
          command: ['python', 'train.py'],
          env: { DATA_DIR: '/data', MODEL_DIR: '/models' },
          volumes: ['data', 'models'],
          resources: { cpu: '2', memory: gpuFramework ? '16Gi' : '4Gi', ...(a.gpu > 0 ? { gpu: a.gpu } : {}) },
        },
        {
          name: 'serve',
          type: 'service',
          needs: ['train'],
          command: ['python', 'serve.py'],
          env: { MODEL_DIR: '/models', PORT: '8080' },
          volumes: ['models'],
          port: 8080,
          healthPath: '/healthz',
          resources: { cpu: '1', memory: gpuFramework ? '8Gi' : '2Gi' },
          autoscale: { min: 1, max: 3, targetCPUUtilization: 80 },
        },
      ],
    },
  };
  return `# mlready workflow spec, written by \`mlready init\`. Edit it, then run \`mlready scaffold\`.\n# Reference: schemas/workflow.schema.json\n${toYaml(doc)}`;
}


async function terminalPrompter(): Promise<Prompter> {
  const inquirer = await import('@inquirer/prompts');
  return {
    input: (o) => inquirer.input({ message: o.message, ...(o.default !== undefined ? { default: o.default } : {}), ...(o.validate ? { validate: o.validate } : {}) }),
    select: (o) => inquirer.select({ message: o.message, choices: o.choices, ...(o.default !== undefined ? { default: o.default } : {}) }),
  };
}

export async function initCommand(opts: InitOptions, deps: { prompter?: Prompter; interactive?: boolean; cwd?: string; facts?: Facts } = {}): Promise<number> {
  const cwd = deps.cwd ?? process.cwd();
  const out = path.resolve(cwd, opts.out);
  if (existsSync(out) && !opts.force) throw new UsageError(`${path.relative(cwd, out) || out} already exists: pass --force to replace it`);
  if (opts.name !== undefined && !DNS1123.test(opts.name)) throw new UsageError(`--name "${opts.name}" must be a DNS-1123 label (lowercase letters, digits and '-')`);
  if (opts.namespace !== undefined && !DNS1123.test(opts.namespace)) throw new UsageError(`--namespace "${opts.namespace}" must be a DNS-1123 label`);
  if (opts.framework !== undefined && !(FRAMEWORKS as readonly string[]).includes(opts.framework)) {
    throw new UsageError(`--framework "${opts.framework}": expected one of ${FRAMEWORKS.join(', ')}`);
  }
  if (opts.python !== undefined && !/^3\.[0-9]+$/.test(opts.python)) throw new UsageError(`--python "${opts.python}": expected a version such as 3.11`);
  let gpuFlag: number | undefined;
  if (opts.gpu === false) gpuFlag = 0;
  else if (opts.gpu === true) gpuFlag = 1;
  else if (typeof opts.gpu === 'string') {
    if (!/^\d+$/.test(opts.gpu)) throw new UsageError(`--gpu "${opts.gpu}": expected a number of GPUs`);
    gpuFlag = Number(opts.gpu);
  }

  let facts: Facts | undefined = deps.facts;
  if (facts) {
    // given by the caller (tests)
  } else if (opts.facts) facts = await (await import('../facts/load.js')).loadFactsFile(opts.facts);
  else {
    const { collectFacts } = await import('../facts/collect.js');
    facts = await collectFacts({ targets: ['local', 'k8s'], timeoutMs: 5000 });
  }
  const defaults = initDefaults(facts, path.dirname(out));
  const interactive = !opts.yes && (deps.interactive ?? (process.stdin.isTTY === true && process.stdout.isTTY === true));
  const prompter = interactive ? (deps.prompter ?? (await terminalPrompter())) : undefined;

  const answers: InitAnswers = { ...defaults };
  const ask = async (flag: string | undefined, question: () => Promise<string>, fallback: string) => flag ?? (prompter ? question() : fallback);
  answers.name = await ask(opts.name, () => prompter!.input({ message: 'Workflow name', default: defaults.name, validate: (v) => DNS1123.test(v) || 'a DNS-1123 label: lowercase letters, digits and -' }), defaults.name);
  answers.framework = await ask(opts.framework, () => prompter!.select({
    message: `Framework (${defaults.why.framework})`,
    choices: FRAMEWORKS.map((f) => ({ name: f, value: f })),
    default: defaults.framework,
  }), defaults.framework);
  answers.python = await ask(opts.python, () => prompter!.input({ message: 'Python version', default: defaults.python, validate: (v) => /^3\.[0-9]+$/.test(v) || 'a version such as 3.11' }), defaults.python);
  const gpuText = await ask(gpuFlag !== undefined ? String(gpuFlag) : undefined, () => prompter!.input({
    message: `GPUs for the training stage (${defaults.why.gpu})`,
    default: String(defaults.gpu),
    validate: (v) => /^\d+$/.test(v) || 'a number',
  }), String(defaults.gpu));
  answers.gpu = Number(gpuText);
  const nsDefault = opts.name ?? answers.name;
  answers.namespace = await ask(opts.namespace, () => prompter!.input({ message: 'Kubernetes namespace', default: nsDefault, validate: (v) => DNS1123.test(v) || 'a DNS-1123 label' }), nsDefault);
  if (opts.storageClass !== undefined) answers.storageClass = opts.storageClass;
  else if (prompter && defaults.clusterFound) {
    const sc = await prompter.input({ message: 'StorageClass for the volumes (empty: the cluster default)', default: defaults.storageClass ?? '' });
    if (sc) answers.storageClass = sc;
    else delete answers.storageClass;
  }

  const text = await buildInitSpec(answers);
  // Validate exactly what will be written, as `scaffold` will read it.
  const [{ parseYaml }, { validateOrThrow }, { checkSemantics }] = await Promise.all([
    import('../util/yaml-source.js'),
    import('../util/validate.js'),
    import('../workflow/load.js'),
  ]);
  const source = parseYaml(out, text);
  validateOrThrow('workflow', source.value, source, 'workflow spec');
  checkSemantics(source.value as never, source);
  const { writeFilesAtomically } = await import('../util/write.js');
  await writeFilesAtomically([{ file: out, content: text }]);
  process.stdout.write(`mlready init: wrote ${path.relative(cwd, out) || out} (${answers.framework}, python ${answers.python}, ${answers.gpu} GPU${answers.gpu === 1 ? '' : 's'}${answers.storageClass ? `, storage class ${answers.storageClass}` : ''}); next: mlready scaffold\n`);
  return EXIT.ok;
}
