/**
 * `scaffold --platforms`: docker-bake.json for `docker buildx bake`. buildx cannot be installed here, so the
 * file is validated structurally: the bake JSON format (group and target maps; only attributes buildx knows,
 * which it otherwise rejects), the default group naming every target, one target per stage image with its
 * platforms, context, dockerfile, Dockerfile target (which must exist as `FROM … AS <target>`) and tags,
 * and single-platform Lambda targets without provenance (Lambda refuses image indexes).
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';
import { planSpec, SCENARIOS } from '../golden/scaffold-helpers.js';
import { loadCompatData } from '../../src/workflow/compat.js';
import { renderAll } from '../../src/generate/index.js';
import { imagePlatforms } from '../../src/generate/bake.js';
import { MANIFEST } from '../../src/generate/header.js';
import { parseDockerfile } from '../../src/lint/dockerfile.js';
import type { EmitKind } from '../../src/workflow/model.js';

const require = createRequire(import.meta.url);
const data = loadCompatData();

/** The bake file's JSON format (docs.docker.com/build/bake/reference), target attributes as buildx names them. */
const BAKE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['group', 'target'],
  properties: {
    group: { type: 'object', additionalProperties: { type: 'object', additionalProperties: false, required: ['targets'], properties: { targets: { type: 'array', items: { type: 'string' } }, description: { type: 'string' } } } },
    target: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(
          ['args', 'annotations', 'attest', 'cache-from', 'cache-to', 'call', 'context', 'contexts', 'description', 'dockerfile-inline', 'dockerfile', 'entitlements',
            'extra-hosts', 'inherits', 'labels', 'matrix', 'name', 'network', 'no-cache-filter', 'no-cache', 'output', 'platforms', 'pull', 'secret', 'shm-size', 'ssh',
            'tags', 'target', 'ulimits'].map((k) => [k, {}]),
        ),
      },
    },
    variable: { type: 'object' },
  },
};
const Ajv = (require('ajv') as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } }).default;
const validateBake = new Ajv({ strict: false, allErrors: true }).compile(BAKE_SCHEMA);

type Bake = { group: Record<string, { targets: string[] }>; target: Record<string, { context: string; dockerfile: string; target?: string; tags: string[]; platforms: string[]; attest?: string[] }> };

let dir: string;
beforeAll(() => {
  dir = tempDir('mlready-bake-');
  for (const e of ['edge-inference', 'serverless', 'pytorch-gpu']) cpSync(path.join(ROOT, 'examples', e), path.join(dir, e), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function render(example: string, platforms: string[], emit: EmitKind[] = ['dockerfile', 'compose', 'swarm', 'k8s'], scenario?: string) {
  const facts = scenario ? SCENARIOS[scenario]!() : undefined;
  const model = await planSpec(path.join(dir, example, 'mlready.yaml'), { ...(facts ? { facts, factsName: scenario! } : {}), emit, platforms });
  const files = renderAll(model, data);
  return { model, files, bake: files.find((f) => f.path === 'docker-bake.json') };
}

function checkBake(bake: Bake, files: { path: string; body: string }[]): void {
  if (!validateBake(bake)) throw new Error(JSON.stringify(validateBake.errors));
  expect(Object.keys(bake.group)).toEqual(['default']);
  expect(bake.group.default!.targets).toEqual(Object.keys(bake.target));
  for (const [name, t] of Object.entries(bake.target)) {
    expect([name, typeof t.context, typeof t.dockerfile, t.tags.length, t.platforms.length > 0]).toEqual([name, 'string', 'string', 1, true]);
    expect(t.tags[0]).toMatch(/^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
    for (const p of t.platforms) expect(p).toMatch(/^linux\/(amd64|arm64|arm\/v7)$/);
    // The Dockerfile is one this run writes (context "." is the output directory), and the target exists in it.
    const dockerfile = files.find((f) => f.path === path.posix.normalize(path.posix.join(t.context, t.dockerfile)));
    expect(dockerfile).toBeDefined();
    if (t.target) expect(parseDockerfile(t.dockerfile, dockerfile!.body, true).stages.map((s) => s.name)).toContain(t.target);
  }
}

test('one target per stage image for every platform, in the default group', async () => {
  const { bake, model, files } = await render('edge-inference', ['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
  expect(bake).toMatchObject({ comment: 'none' }); // JSON carries no header; the manifest records it
  const doc = JSON.parse(bake!.body) as Bake;
  checkBake(doc, files);
  expect(doc.target).toEqual({
    'fetch-model': { context: '.', dockerfile: 'Dockerfile', target: 'stage-fetch-model', tags: ['line-watch-fetch-model:0.1.0'], platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] },
    detect: { context: '.', dockerfile: 'Dockerfile', target: 'stage-detect', tags: ['line-watch-detect:0.1.0'], platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] },
  });
  expect(model.decisions.find((d) => d.topic === 'platforms')?.reason).toMatch(/python:3\.11-slim is published for linux\/amd64, linux\/arm64, linux\/arm\/v7/);
  expect(model.warnings).toEqual([]);
});

test('Lambda images join the bake file on one platform, without provenance attestations', async () => {
  const { bake, files } = await render('serverless', ['linux/arm64', 'linux/amd64'], ['dockerfile', 'lambda']);
  const doc = JSON.parse(bake!.body) as Bake;
  checkBake(doc, files);
  expect(doc.group.default!.targets).toEqual(['train', 'classify', 'classify-lambda']);
  expect(doc.target['classify-lambda']).toEqual({
    context: '.', dockerfile: 'Dockerfile.lambda-classify', tags: ['sentiment-classify-lambda:0.1.0'], platforms: ['linux/arm64'], attest: ['type=provenance,disabled=true'],
  });
});

test('a base image without builds for a requested platform is a warning, with what to do', async () => {
  const { model } = await render('pytorch-gpu', ['linux/amd64', 'linux/arm64'], ['dockerfile'], 'gpu-host-driver-535');
  expect(model.build.baseImage).toMatch(/^pytorch\/pytorch:/);
  expect(model.warnings.join('\n')).toMatch(/pytorch\/pytorch:.* is not published for linux\/arm64: the bake will fail for that platform; pass --base-image/);
  expect(imagePlatforms('nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04')).toEqual(['linux/amd64', 'linux/arm64']);
  expect(imagePlatforms('registry.example.com/custom:1')).toBeUndefined();
});

test('no --platforms, no bake file; the CLI writes it and records it in the manifest of header-less files', async () => {
  const { bake } = await render('edge-inference', []);
  expect(bake).toBeUndefined();
  const d = path.join(dir, 'cli');
  cpSync(path.join(ROOT, 'examples', 'edge-inference'), d, { recursive: true });
  const r = await runCli(['scaffold', '--platforms', 'linux/amd64,linux/arm64'], { cwd: d, env: cliEnv() });
  expect(r.code).toBe(0);
  const doc = JSON.parse(readFileSync(path.join(d, 'docker-bake.json'), 'utf8')) as Bake;
  expect(doc.group.default!.targets).toEqual(['fetch-model', 'detect']);
  expect(readFileSync(path.join(d, MANIFEST), 'utf8')).toContain('docker-bake.json');
  expect(readFileSync(path.join(d, 'SCAFFOLD.md'), 'utf8')).toContain('docker buildx bake -f docker-bake.json');
  const bad = await runCli(['scaffold', '--platforms', 'linux/amd64,arm64'], { cwd: d, env: cliEnv() });
  expect([bad.code, bad.stderr.trim()]).toEqual([2, expect.stringContaining('--platforms: "arm64" is not a platform')]);
});
