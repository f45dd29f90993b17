/**
 * `scaffold --emit lambda`: a container-image Dockerfile per CPU service stage on AWS's Lambda Python base
 * image, and the handler adapter. No registry or PyPI is reachable here, so nothing is built: the Dockerfile
 * is parsed (the project's own Dockerfile parser, and `mlready lint` shows nothing above info), the adapter
 * compiles (python3 -m py_compile), and the adapter is *run* with python3 against a real HTTP server started
 * from the stage command, with API Gateway (REST and HTTP APIs), ALB, function-URL and direct events.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';
import { planSpec } from '../golden/scaffold-helpers.js';
import { loadCompatData } from '../../src/workflow/compat.js';
import { renderAll } from '../../src/generate/index.js';
import { parseDockerfile } from '../../src/lint/dockerfile.js';
import type { WorkflowModel } from '../../src/workflow/model.js';

const data = loadCompatData();
let dir: string;
beforeAll(() => {
  dir = tempDir('mlready-lambda-');
  cpSync(path.join(ROOT, 'examples', 'serverless'), path.join(dir, 'serverless'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function plan(specText?: string, platforms?: string[]): Promise<WorkflowModel> {
  const d = path.join(dir, 'serverless');
  if (specText) writeFileSync(path.join(d, 'custom.yaml'), specText);
  return planSpec(path.join(d, specText ? 'custom.yaml' : 'mlready.yaml'), { emit: ['dockerfile', 'lambda'], ...(platforms ? { platforms } : {}) });
}

const envOf = (df: ReturnType<typeof parseDockerfile>) =>
  Object.fromEntries(df.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => (i.properties ?? []).map((p) => [p.name, (p.value ?? '').replace(/^"(.*)"$/s, '$1').replace(/\\(["\\$])/g, '$1')])));

test('the Dockerfile: Lambda Python base, handler CMD, the stage command and environment as JSON, /tmp for writes', async () => {
  const model = await plan();
  const files = renderAll(model, data);
  expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['Dockerfile.lambda-classify', 'lambda/mlready_lambda.py', '.dockerignore']));
  const text = files.find((f) => f.path === 'Dockerfile.lambda-classify')!.body;
  const df = parseDockerfile('Dockerfile.lambda-classify', text, true);
  expect(df.stages.map((s) => s.image)).toEqual(['public.ecr.aws/lambda/python:3.11']);
  expect(df.final.cmd).toMatchObject({ execForm: true, args: '["mlready_lambda.handler"]' });
  expect(df.final.entrypoint).toBeUndefined(); // the base image's: the runtime interface client
  const env = envOf(df);
  expect(JSON.parse(env.MLREADY_COMMAND!)).toEqual(['python', 'serve.py']);
  expect(env).toMatchObject({ MLREADY_PORT: '8080', MLREADY_HEALTH_PATH: '/healthz', HOME: '/tmp', XDG_CACHE_HOME: '/tmp/.cache' });
  // The stage's environment and its data sources (credentials stripped; on Lambda they come from the role).
  expect(JSON.parse(env.MLREADY_ENV!)).toEqual({ PORT: '8080', MODEL_CACHE: '/tmp/model', DATA_SOURCE_MODELS_URL: 's3://example-sentiment-models/classifier/' });
  expect(text).toMatch(/^COPY lambda\/mlready_lambda\.py \$\{LAMBDA_TASK_ROOT\}\/mlready_lambda\.py$/m);
  expect(model.lambda).toEqual([expect.objectContaining({ stage: 'classify', memoryMiB: 2048, timeoutSeconds: 90, platform: 'linux/amd64', image: 'sentiment-classify-lambda:0.1.0' })]);
  expect(model.decisions.find((d) => d.topic === 'lambda:classify')?.choice).toBe('public.ecr.aws/lambda/python:3.11, 2048 MiB, timeout 90s');
  // The Lambda Dockerfiles stay out of the build context; the adapter does not.
  const ignore = files.find((f) => f.path === '.dockerignore')!.body;
  expect(ignore).toMatch(/^Dockerfile\.lambda-\*$/m);
  expect(ignore).not.toMatch(/^lambda/m);
});

test('Lambda limits: no GPU stage, memory capped at 10 GiB with a warning, one architecture', async () => {
  const model = await plan([
    'apiVersion: mlready.dev/v1alpha1',
    'kind: Workflow',
    'metadata: { name: big }',
    'spec:',
    '  framework: pytorch',
    '  python: "3.8"',
    '  stages:',
    '    - { name: gpu, type: service, command: ["python", "a.py"], port: 8000, resources: { gpu: 1 } }',
    '    - { name: cpu, type: service, command: ["python", "b.py"], port: 8001, resources: { memory: 16Gi } }',
    '',
  ].join('\n'), ['linux/arm64', 'linux/amd64']);
  expect(model.lambda.map((l) => l.stage)).toEqual(['cpu']);
  expect(model.lambda[0]).toMatchObject({ memoryMiB: 10240, platform: 'linux/arm64', python: '3.11', timeoutSeconds: 330 });
  const warnings = model.warnings.join('\n');
  expect(warnings).toMatch(/stage gpu requests GPUs and Lambda has none/);
  expect(warnings).toMatch(/stage cpu asks for 16Gi of memory; Lambda's maximum is 10240 MiB/);
  expect(model.decisions.find((d) => d.topic === 'lambda:cpu')?.reason).toMatch(/AWS publishes no Lambda image for Python 3\.8/);
});

/** python3 -m py_compile, writing the bytecode to a temporary file (never into templates/). */
function pyCompile(file: string): void {
  const cfile = path.join(dir, `compiled-${path.basename(file)}c`);
  execFileSync('python3', ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)', file, cfile], { stdio: 'pipe' });
}

test('the adapter compiles', () => {
  pyCompile(path.join(ROOT, 'templates', 'lambda', 'mlready_lambda.py'));
});

test('the adapter starts the stage server and translates API Gateway, ALB, function-URL and direct events', async () => {
  const app = path.join(dir, 'app');
  mkdirSync(app, { recursive: true });
  cpSync(path.join(ROOT, 'templates', 'lambda', 'mlready_lambda.py'), path.join(app, 'mlready_lambda.py'));
  // The stage: a plain HTTP server on $PORT that echoes what it received.
  writeFileSync(path.join(app, 'serve.py'), `
import json, os
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def _reply(self):
        n = int(self.headers.get('content-length') or 0)
        body = self.rfile.read(n) if n else b''
        if self.path == '/healthz':
            out, ctype = b'ok', 'text/plain'
        elif self.path.startswith('/bin'):
            out, ctype = bytes(range(256)), 'application/octet-stream'
        else:
            out = json.dumps({'method': self.command, 'path': self.path, 'body': body.decode(), 'x': self.headers.get('x-test'),
                              'cookie': self.headers.get('cookie'), 'env': os.environ.get('GREETING')}).encode()
            ctype = 'application/json'
        self.send_response(201 if self.command == 'POST' else 200)
        self.send_header('content-type', ctype)
        self.send_header('set-cookie', 'a=1')
        self.send_header('set-cookie', 'b=2')
        self.send_header('content-length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST = _reply
    def log_message(self, *a): pass
HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()
`);
  writeFileSync(path.join(app, 'drive.py'), `
import base64, json, sys
import mlready_lambda as m
class Ctx:
    def get_remaining_time_in_millis(self): return 20000
events = {
  'v2': {'version': '2.0', 'rawPath': '/predict', 'rawQueryString': 'q=a%20b&n=1', 'cookies': ['s=1', 't=2'],
         'headers': {'x-test': 'yes', 'content-type': 'application/json'}, 'requestContext': {'http': {'method': 'POST'}},
         'body': base64.b64encode(b'{"text": "great"}').decode(), 'isBase64Encoded': True},
  'v1': {'httpMethod': 'GET', 'path': '/items/a b', 'multiValueQueryStringParameters': {'k': ['1', '2']},
         'multiValueHeaders': {'X-Test': ['v1']}, 'body': None, 'isBase64Encoded': False, 'requestContext': {'stage': 'prod'}},
  'alb': {'httpMethod': 'GET', 'path': '/alb', 'queryStringParameters': {'q': 'a%20b'}, 'headers': {'x-test': 'alb'},
          'requestContext': {'elb': {'targetGroupArn': 'arn'}}, 'body': '', 'isBase64Encoded': False},
  'binary': {'version': '2.0', 'rawPath': '/bin', 'headers': {}, 'requestContext': {'http': {'method': 'GET'}}},
  'direct': {'text': 'great'},
}
print(json.dumps({k: m.handler(e, Ctx()) for k, e in events.items()}))
m._server.terminate()
`);
  const out = execFileSync('python3', ['drive.py'], {
    cwd: app,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      LAMBDA_TASK_ROOT: app,
      MLREADY_COMMAND: JSON.stringify(['python', 'serve.py']),
      MLREADY_PORT: String(20000 + Math.floor(Math.random() * 20000)),
      MLREADY_HEALTH_PATH: '/healthz',
      MLREADY_START_SECONDS: '20',
      MLREADY_ENV: JSON.stringify({ GREETING: 'from the spec' }),
    },
  });
  const r = JSON.parse(out) as Record<string, Record<string, unknown>>;
  expect(r.v2).toMatchObject({ statusCode: 201, isBase64Encoded: false, cookies: ['a=1', 'b=2'], headers: { 'content-type': 'application/json' } });
  expect(JSON.parse(r.v2!.body as string)).toEqual({ method: 'POST', path: '/predict?q=a%20b&n=1', body: '{"text": "great"}', x: 'yes', cookie: 's=1; t=2', env: 'from the spec' });
  expect(r.v1).toMatchObject({ statusCode: 200, multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'], 'content-type': ['application/json'] } });
  expect(JSON.parse(r.v1!.body as string)).toMatchObject({ method: 'GET', path: '/items/a%20b?k=1&k=2', x: 'v1' });
  expect(r.alb).toMatchObject({ statusCode: 200, statusDescription: '200 OK', headers: { 'content-type': 'application/json' } });
  expect(JSON.parse(r.alb!.body as string)).toMatchObject({ path: '/alb?q=a%20b', x: 'alb' });
  expect(r.binary).toMatchObject({ statusCode: 200, isBase64Encoded: true });
  expect(Buffer.from(r.binary!.body as string, 'base64')).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  expect(r.direct).toMatchObject({ method: 'POST', path: '/', body: '{"text": "great"}' });
}, 40_000);

test('what scaffold writes for Lambda lints clean (nothing above info)', async () => {
  const d = path.join(dir, 'lint');
  cpSync(path.join(ROOT, 'examples', 'serverless'), d, { recursive: true });
  const s = await runCli(['scaffold', '--emit', 'all,lambda'], { cwd: d, env: cliEnv() });
  expect(s.code).toBe(0);
  const r = await runCli(['lint', '--format', 'json', d], { cwd: d, env: cliEnv() });
  const findings = (JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; outcome: string; message: string; location?: { file: string } }[] }).findings;
  expect(findings.filter((f) => f.outcome === 'fail' && f.severity !== 'info').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  // The Lambda rules judged the Lambda Dockerfile and passed.
  for (const id of ['SERVERLESS-002', 'SERVERLESS-003', 'SERVERLESS-004']) {
    expect(findings.find((f) => f.ruleId === id && f.location?.file.endsWith('Dockerfile.lambda-classify'))?.outcome).toBe('pass');
  }
  for (const id of ['SERVERLESS-005']) {
    expect(findings.find((f) => f.ruleId === id && f.location?.file.endsWith('k8s/base/services/classify.yaml'))?.outcome).toBe('pass');
  }
  pyCompile(path.join(d, 'lambda', 'mlready_lambda.py'));
  expect(readFileSync(path.join(d, 'SCAFFOLD.md'), 'utf8')).toMatch(/aws lambda create-function --function-name classify --package-type Image/);
});
