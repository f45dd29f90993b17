/** `mlready init`'s prompts: asked only for what no flag answers, with defaults from the facts. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { initCommand, initDefaults, dnsLabel, type Prompter } from '../../src/cli/init.js';
import { tempDir, writeJson } from '../helpers/facts.js';
import { SCENARIOS } from '../golden/scaffold-helpers.js';

let dir: string;
let factsFile: string;
beforeAll(() => {
  dir = tempDir('mlready-init-unit-');
  factsFile = writeJson(dir, 'facts.json', SCENARIOS['laptop-targets-gpu-cluster']!());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakePrompter(answers: Record<string, string>): Prompter & { asked: string[]; defaults: Record<string, string | undefined> } {
  const asked: string[] = [];
  const defaults: Record<string, string | undefined> = {};
  const answer = (message: string, def?: string) => {
    const key = Object.keys(answers).find((k) => message.startsWith(k));
    asked.push(message);
    defaults[message] = def;
    return Promise.resolve(key ? answers[key]! : (def ?? ''));
  };
  return {
    asked,
    defaults,
    input: (o) => answer(o.message, o.default),
    select: (o) => answer(o.message, o.default),
  };
}

test('prompts for what the flags leave open, with defaults from the facts', async () => {
  const out = path.join(dir, 'a.yaml');
  const prompter = fakePrompter({ 'Workflow name': 'vision', 'Python version': '3.10' });
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    expect(await initCommand({ out, facts: factsFile, framework: 'pytorch' }, { prompter, interactive: true, cwd: dir })).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  expect(prompter.asked.some((m) => m.startsWith('Framework'))).toBe(false);
  expect(prompter.asked.find((m) => m.startsWith('GPUs'))).toBe('GPUs for the training stage (the cluster has 4 GPU node(s))');
  expect(prompter.defaults['GPUs for the training stage (the cluster has 4 GPU node(s))']).toBe('1');
  expect(prompter.defaults['StorageClass for the volumes (empty: the cluster default)']).toBe('gp3');
  const spec = parse(readFileSync(out, 'utf8')) as { metadata: { name: string }; spec: { python: string; framework: string } };
  expect(spec.metadata.name).toBe('vision');
  expect(spec.spec).toMatchObject({ python: '3.10', framework: 'pytorch' });
});

test('--yes asks nothing', async () => {
  const prompter = fakePrompter({});
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    expect(await initCommand({ out: path.join(dir, 'b.yaml'), yes: true }, { prompter, interactive: true, cwd: dir, facts: SCENARIOS['cpu-only']!() })).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  expect(prompter.asked).toEqual([]);
});

test('defaults: the framework from requirements.txt, a DNS-1123 name from the directory', () => {
  writeFileSync(path.join(dir, 'requirements.txt'), '# deps\ntransformers>=4.40\ntorch\n');
  const d = initDefaults(undefined, dir);
  expect(d.framework).toBe('huggingface');
  expect(d.why.framework).toBe('requirements.txt');
  expect(d.gpu).toBe(0);
  expect(dnsLabel('My Project_2024!')).toBe('my-project-2024');
  expect(dnsLabel('___')).toBe('workflow');
});
