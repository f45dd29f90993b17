/**
 * The CI base image (scripts/ci/build-base-image.sh: a debootstrap'ed Debian with Debian's python3,
 * numpy and scikit-learn, `docker import`ed as mlready-ci-base:bookworm) and the example that runs on
 * it (examples/iris). Generated Dockerfiles are built on this image in the tests: no registry, no PyPI.
 *
 * The image is built by .ci/run before `npm test`; these tests never build it (that takes minutes).
 * Without it they are skipped locally, with a message, and fail under MLREADY_REQUIRE_DOCKER=1.
 * Containers run with --network none: nothing here needs a network, and none is reachable anyway.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readSpec } from '../../src/workflow/load.js';
import { ROOT } from '../helpers/cli.js';
import { assertDockerForCi, dockerPresent, dockerRequired } from '../helpers/docker.js';

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts', 'ci', 'build-base-image.sh');
const IRIS = path.join(ROOT, 'examples', 'iris');
const IMAGE = process.env.MLREADY_CI_BASE_IMAGE || 'mlready-ci-base:bookworm';
/** Debian's 20.10 client, the engine's own version. */
const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
/** The scaffolded images run as a non-root user with a high UID; so do these checks. */
const UID = '10001';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mlready-base-image-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The script with a clean environment: its cache under tmp, apt sources from `aptEtc` when given. */
function script(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: tmp, XDG_CACHE_HOME: path.join(tmp, 'cache'), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function config(args: string[] = [], env: NodeJS.ProcessEnv = {}): Record<string, string> {
  const r = script(['--print-config', ...args], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** An /etc/apt look-alike with the given files (relative path → content). */
function aptEtc(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmp, 'apt-'));
  mkdirSync(path.join(dir, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('scripts/ci/build-base-image.sh without an engine', () => {
  test('--help names the packages; an unknown flag is refused with the usage', () => {
    const help = script(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('python3-sklearn');
    const bad = script(['--frobnicate']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown argument: --frobnicate/);
    expect(bad.stderr).toMatch(/Usage:/);
  });

  test('the mirror is the first deb822 source apt has for bookworm (not security, not disabled)', () => {
    const etc = aptEtc({
      'sources.list.d/a-disabled.sources': 'Types: deb\nURIs: http://disabled.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n',
      'sources.list.d/debian.sources': [
        '# comment',
        'Types: deb deb-src',
        'URIs: http://mirror.example/debian/',
        '  http://second.example/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main',
        '',
        'Types: deb',
        'URIs: http://security.example/debian-security',
        'Suites: bookworm-security',
        'Components: main',
        '',
      ].join('\n'),
      'sources.list.d/other.list.disabled': 'deb http://ignored.example/debian bookworm main\n',
    });
    const c = config([], { MLREADY_CI_APT_ETC: etc });
    expect(c.mirror).toBe('http://mirror.example/debian');
    expect(c.mirror_source).toMatch(/apt sources/);
  });

  test('one-line sources.list entries with options are read, sources.list first', () => {
    const etc = aptEtc({
      'sources.list': '# deb http://commented.example/debian bookworm main\ndeb [ arch=amd64 signed-by=/k.gpg ] https://one.example/debian bookworm main\n',
      'sources.list.d/z.list': 'deb http://later.example/debian bookworm main\n',
    });
    expect(config([], { MLREADY_CI_APT_ETC: etc }).mirror).toBe('https://one.example/debian');
  });

  test('without a source for bookworm (an Ubuntu host, say) it falls back to deb.debian.org; --mirror wins', () => {
    const etc = aptEtc({ 'sources.list': 'deb http://archive.ubuntu.com/ubuntu jammy main\n' });
    const c = config([], { MLREADY_CI_APT_ETC: etc });
    expect(c.mirror).toBe('http://deb.debian.org/debian');
    expect(c.mirror_source).toMatch(/fallback/);
    expect(config(['--mirror', 'http://given.example/debian'], { MLREADY_CI_APT_ETC: etc }).mirror).toBe('http://given.example/debian');
  });

  test('the cache is keyed by the recipe, under XDG_CACHE_HOME, and --image renames only the image', () => {
    const a = config();
    const b = config(['--image', 'other:tag']);
    expect(a.key).toMatch(/^[0-9a-f]{16}$/);
    expect(b.key).toBe(a.key);
    expect(b.image).toBe('other:tag');
    expect(a.image).toBe('mlready-ci-base:bookworm');
    expect(a.cache).toBe(path.join(tmp, 'cache', 'mlready-ci', `rootfs-bookworm-${a.arch}-${a.key}.tar`));
    expect((a.packages ?? '').split(',')).toEqual(expect.arrayContaining(['python3', 'python3-numpy', 'python3-sklearn', 'python3-venv', 'python-is-python3']));
  });
});

describe('examples/iris/mlready.yaml', () => {
  test('is a valid workflow spec (schema and semantics): preprocess → train → evaluate → serve', () => {
    const { doc } = readSpec(path.join(IRIS, 'mlready.yaml'));
    expect(doc.metadata.name).toBe('iris');
    expect(doc.spec.framework).toBe('sklearn');
    expect(doc.spec.requirements).toBeUndefined();
    expect(doc.spec.stages.map((s) => [s.name, s.type, s.needs ?? []])).toEqual([
      ['preprocess', 'batch', []],
      ['train', 'batch', ['preprocess']],
      ['evaluate', 'batch', ['train']],
      ['serve', 'service', ['evaluate']],
    ]);
    const serve = doc.spec.stages[3]!;
    expect([serve.port, serve.healthPath, serve.replicas]).toEqual([8080, '/healthz', 1]);
    for (const s of doc.spec.stages) expect(existsSync(path.join(IRIS, s.command[1]!))).toBe(true);
  });
});

// ---------------------------------------------------------------- against the engine

function imageLabel(): string | undefined {
  if (!dockerPresent) return undefined;
  const r = spawnSync(DOCKER_CLI, ['image', 'inspect', '--format', '{{ index .Config.Labels "mlready.ci.base.key" }}', IMAGE], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const builtKey = imageLabel();
const describeImage: jest.Describe = builtKey !== undefined || dockerRequired ? describe : describe.skip;
if (builtKey === undefined && !dockerRequired) {
  console.warn(`base-image tests skipped: ${dockerPresent ? `no image ${IMAGE}` : 'no Docker engine'}; build it with scripts/ci/build-base-image.sh`);
}

async function docker(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  const pending = run(DOCKER_CLI, args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20 });
  pending.child.stdin?.end(options.input ?? '');
  return pending;
}

describeImage(`the CI base image ${IMAGE}`, () => {
  assertDockerForCi();

  test('exists and was built by the current recipe of the script', () => {
    if (builtKey === undefined) throw new Error(`MLREADY_REQUIRE_DOCKER=1 but there is no image ${IMAGE}: .ci/run must run scripts/ci/build-base-image.sh`);
    expect(builtKey).toBe(config().key);
  });

  test('runs python with numpy and scikit-learn; python is python3; no apt lists are left', async () => {
    const { stdout } = await docker(['run', '--rm', '--network', 'none', IMAGE, 'python', '-c', 'import sklearn, numpy; print(sklearn.__version__)']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+(\.\d+)?$/);
    const { stdout: inside } = await docker(['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'readlink -f "$(command -v python)"; ls /var/lib/apt/lists | wc -l']);
    expect(inside.trim().split('\n')).toEqual([expect.stringMatching(/\/usr\/bin\/python3\.\d+$/), '0']);
    const { stdout: cfg } = await docker(['image', 'inspect', '--format', '{{json .Config.Cmd}} {{json .Config.Env}}', IMAGE]);
    expect(cfg).toMatch(/^\["python3"\] .*"PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin"/);
  });

  test.each<[string, string[]]>([['the default user (root)', []], [`UID ${UID}`, ['--user', `${UID}:${UID}`]]])(
    'a venv with the system site packages sees scikit-learn, as %s (what scaffolded Dockerfiles do, with no PyPI)',
    async (_who, user) => {
      const { stdout } = await docker([
        'run', '--rm', '--network', 'none', ...user, IMAGE, 'sh', '-c',
        'python -m venv --system-site-packages /tmp/v && /tmp/v/bin/python -c "import sklearn, sys; print(sys.prefix)"',
      ]);
      expect(stdout.trim()).toBe('/tmp/v');
    },
  );

  test('rerunning the build script is a quick no-op', async () => {
    const before = (await docker(['image', 'inspect', '--format', '{{.Id}}', IMAGE])).stdout.trim();
    const r = script(['--image', IMAGE], { DOCKER: DOCKER_CLI });
    expect(r.stderr).toMatch(/is up to date/);
    expect(r.code).toBe(0);
    expect((await docker(['image', 'inspect', '--format', '{{.Id}}', IMAGE])).stdout.trim()).toBe(before);
  });

  // The whole example, as the scaffolded images will run it: a non-root UID, a read-only root file
  // system, the sources read-only, DATA_DIR the only writable place besides /tmp.
  test('examples/iris runs end to end on it as a non-root user with a read-only root', async () => {
    const driver = `
import json, signal, subprocess, sys, time, urllib.request, urllib.error
def stage(name):
    r = subprocess.run([sys.executable, name + ".py"], capture_output=True, text=True)
    return {"code": r.returncode, "log": r.stdout + r.stderr}
out = {s: stage(s) for s in ("preprocess", "train", "evaluate")}
out["metrics"] = json.load(open("/data/metrics.json"))
serve = subprocess.Popen([sys.executable, "serve.py"], env={"DATA_DIR": "/data", "PORT": "18080"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
def call(method, path, body=None):
    req = urllib.request.Request("http://127.0.0.1:18080" + path, data=body and json.dumps(body).encode(), method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return [r.status, json.load(r)]
    except urllib.error.HTTPError as e:
        return [e.code, json.load(e)]
    except OSError:
        return [None, None]
deadline = time.time() + 20
while call("GET", "/healthz")[0] != 200 and time.time() < deadline:
    time.sleep(0.1)
out["healthz"] = call("GET", "/healthz")
out["predict"] = call("POST", "/predict", {"instances": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]})
out["bad"] = call("POST", "/predict", {"instances": [[1, 2]]})
started = time.time()
serve.send_signal(signal.SIGTERM)
out["serve_exit"] = serve.wait(10)
out["stop_seconds"] = time.time() - started
out["serve_log"] = serve.stdout.read()
print(json.dumps(out))
`;
    const { stdout } = await docker(
      [
        'run', '--rm', '-i', '--network', 'none', '--user', `${UID}:${UID}`, '--read-only',
        '--tmpfs', '/tmp', '--tmpfs', `/data:uid=${UID},gid=${UID}`,
        '-v', `${IRIS}:/app:ro`, '-w', '/app', '-e', 'DATA_DIR=/data',
        IMAGE, 'python', '-',
      ],
      { input: driver, timeoutMs: 90_000 },
    );
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, any>;
    for (const s of ['preprocess', 'train', 'evaluate']) expect([s, out[s].code, out[s].log]).toEqual([s, 0, expect.any(String)]);
    expect(out.metrics.passed).toBe(true);
    expect(out.metrics.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(out.healthz).toEqual([200, { status: 'ok' }]);
    expect(out.predict).toEqual([200, { predictions: [0, 2], classes: ['setosa', 'virginica'] }]);
    expect(out.bad[0]).toBe(400);
    expect(out.serve_exit).toBe(0);
    expect(out.stop_seconds).toBeLessThan(3);
    expect(out.serve_log).toMatch(/"POST \/predict" 200/);
  }, 120_000);
});
