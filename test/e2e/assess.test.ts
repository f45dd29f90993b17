/**
 * `mlready assess` as a process: formats, gate, exit codes, config, waivers, baselines, rule packs and
 * bad input — each checked on what the CLI wrote, not on internals.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { assertValid } from '../helpers/schema.js';
import { patchedFacts, tempDir, writeJson, baseFacts } from '../helpers/facts.js';
import type { Report } from '../../src/report/schema.js';

const require = createRequire(import.meta.url);
const env = cliEnv({ GITHUB_ACTIONS: undefined, FORCE_COLOR: undefined });

/** 8 GiB of memory and one GPU on an old driver: two blocking failures on a GPU server. */
const brokenPatch = {
  host: { memory: { totalBytes: 8 * 2 ** 30 } },
  gpu: { devices: [{ vendor: 'nvidia', index: 0, model: 'Tesla T4', memoryMiB: 15360, driverVersion: '470.82.01', cudaVersion: '11.4', computeCapability: '7.5', migMode: 'unsupported', migDevices: [] }], count: 1 },
};

let dir: string;
let healthy: string;
let broken: string;
beforeAll(() => {
  dir = tempDir();
  healthy = writeJson(dir, 'healthy.json', baseFacts());
  broken = writeJson(dir, 'broken.json', patchedFacts(brokenPatch));
});

async function assessJson(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runCli(['assess', '--format', 'json', ...args], { env: options.env ?? env, cwd: options.cwd ?? dir });
  expect(r.stdout).not.toBe('');
  const report = JSON.parse(r.stdout) as Report;
  assertValid('report', report);
  return { code: r.code, report, stderr: r.stderr };
}

describe('assess --facts', () => {
  test('a healthy GPU server passes the default profile, chosen and explained from the facts', async () => {
    const { code, report } = await assessJson(['--facts', healthy]);
    expect(code).toBe(0);
    expect(report.profile).toMatchObject({ name: 'training-gpu', source: 'default', why: 'default: 4 NVIDIA GPUs found' });
    expect(report.gate).toMatchObject({ passed: true, reasons: [] });
    expect(report.summary.fail).toBe(0);
    expect(report.summary.unknown).toBe(0);
    expect(report.score).toBe(100);
    expect(report.grade).toBe('A');
    expect(report.coverage).toBe(100);
    expect(report.inputs.facts).toBe('healthy.json');
    expect(report.facts?.host.hostname).toBe('gpu-node-01');
  });

  test('blocking failures fail the gate (exit 1), cap the grade at D and come first', async () => {
    const { code, report } = await assessJson(['--facts', broken]);
    expect(code).toBe(1);
    const failing = report.findings.filter((f) => f.outcome === 'fail');
    expect(failing.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['HOST-001', 'GPU-002']));
    expect(report.findings[0]!.outcome).toBe('fail');
    expect(report.findings[0]!.severity).toBe('error');
    expect(report.summary.blocking).toBe(failing.filter((f) => f.severity === 'error').length);
    expect(['D', 'F']).toContain(report.grade);
    expect(report.gate.passed).toBe(false);
    expect(report.gate.reasons[0]).toMatch(/failing findings? of severity error: .*HOST-001/);
    const host = failing.find((f) => f.ruleId === 'HOST-001')!;
    expect(host.message).toBe('The host has 8 GiB of memory; the training-gpu profile needs at least 32 GiB.');
    expect(host.remediation).toMatch(/free -h/);
    // Scores follow the documented formula: weight passed ÷ weight evaluated.
    const evaluated = report.findings.filter((f) => f.outcome === 'pass' || f.outcome === 'fail');
    const passWeight = evaluated.filter((f) => f.outcome === 'pass').reduce((n, f) => n + f.weight, 0);
    const allWeight = evaluated.reduce((n, f) => n + f.weight, 0);
    expect(report.score).toBeCloseTo((passWeight / allWeight) * 100, 1);
  });

  test('--fail-on never passes despite blocking failures; --fail-under and --min-coverage still gate', async () => {
    expect((await assessJson(['--facts', broken, '--fail-on', 'never'])).code).toBe(0);
    const under = await assessJson(['--facts', broken, '--fail-on', 'never', '--fail-under', '99']);
    expect(under.code).toBe(1);
    expect(under.report.gate.reasons).toEqual([expect.stringMatching(/score .* is below --fail-under 99/)]);
  });

  test('unknown lowers coverage; --min-coverage and --strict turn it into a failed gate', async () => {
    const unknownGpu = writeJson(dir, 'gpu-unknown.json', patchedFacts({ gpu: { status: 'unknown', reason: 'nvidia-smi timed out after 5 s', count: null, devices: [] } }));
    const plain = await assessJson(['--facts', unknownGpu, '--profile', 'training-gpu']);
    const gpuRules = plain.report.findings.filter((f) => f.category === 'gpu' && f.outcome === 'unknown');
    expect(gpuRules.length).toBeGreaterThan(0);
    expect(gpuRules[0]!.reason).toBe('gpu: nvidia-smi timed out after 5 s');
    expect(plain.report.coverage).toBeLessThan(100);
    expect(plain.code).toBe(0);
    expect((await assessJson(['--facts', unknownGpu, '--profile', 'training-gpu', '--min-coverage', '100'])).code).toBe(1);
    const strict = await assessJson(['--facts', unknownGpu, '--profile', 'training-gpu', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.report.gate.strict).toBe(true);
    expect(strict.report.summary.unknown).toBe(0);
  });

  test('the same findings from a live run and from its saved facts', async () => {
    const probe = await runCli(['probe'], { env, cwd: dir });
    expect(probe.code).toBe(0);
    const saved = path.join(dir, 'live.json');
    writeFileSync(saved, probe.stdout);
    const fromFile = await assessJson(['--facts', saved, '--profile', 'training-cpu']);
    const live = await assessJson(['--profile', 'training-cpu']);
    const key = (r: Report) => r.findings.map((f) => `${f.ruleId}:${f.outcome}`).sort();
    // Free space and available memory move between two runs; everything else must agree.
    const volatile = /^(STORAGE|HOST-003)/;
    expect(key(live.report).filter((k) => !volatile.test(k))).toEqual(key(fromFile.report).filter((k) => !volatile.test(k)));
    expect(live.report.inputs.facts).toBeUndefined();
  });
});

describe('report formats from one run', () => {
  let out: string;
  let stdout: string;
  beforeAll(async () => {
    out = path.join(dir, 'reports');
    const r = await runCli(
      ['assess', '--facts', broken, '--report', `json=${out}/r.json`, '--report', `junit=${out}/r.xml`, '--report', `sarif=${out}/r.sarif`, '--report', `markdown=${out}/r.md`],
      { env, cwd: dir },
    );
    expect(r.code).toBe(1);
    stdout = r.stdout;
  });

  test('text on stdout: profile, score, blocking findings with remediation, gate', () => {
    expect(stdout).toMatch(/profile training-gpu \(default: 1 NVIDIA GPU found\)/);
    expect(stdout).toMatch(/Blocking — errors/);
    expect(stdout).toMatch(/✗ HOST-001/);
    expect(stdout).toMatch(/Fix: Run on a machine with more memory/);
    expect(stdout).toMatch(/Gate: FAILED/);
    expect(stdout).not.toMatch(/\x1b\[/); // not a terminal: no colour
  });

  test('JUnit: one testcase per applicable rule, failures and skips as in the JSON report', () => {
    const report = JSON.parse(readFileSync(`${out}/r.json`, 'utf8')) as Report;
    const xml = readFileSync(`${out}/r.xml`, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml) as {
      testsuites: { '@_tests': string; '@_failures': string; '@_skipped': string; testsuite: { testcase: { failure?: { '@_message': string }; skipped?: unknown; '@_name': string }[] }[] };
    };
    const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
    expect(cases).toHaveLength(report.summary.applicable);
    expect(cases.filter((c) => c.failure)).toHaveLength(report.summary.fail);
    expect(cases.filter((c) => c.skipped !== undefined)).toHaveLength(report.summary.unknown + report.summary.waived);
    expect(Number(doc.testsuites['@_failures'])).toBe(report.summary.fail);
    const host = cases.find((c) => c['@_name'].startsWith('HOST-001'))!;
    expect(host.failure!['@_message']).toMatch(/8 GiB/);
  });

  test('SARIF 2.1.0: valid against the official schema, every result located, rules carry help', () => {
    const sarif = JSON.parse(readFileSync(`${out}/r.sarif`, 'utf8')) as {
      version: string;
      runs: { tool: { driver: { rules: { id: string; help: { text: string } }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    const Ajv4 = (require('ajv-draft-04') as { default: new (o: object) => { validate(s: object, d: unknown): boolean; errors?: unknown } }).default;
    // The published schema has a pattern that is invalid under the u flag (a stray ']'); ajv's default is u.
    const ajv = new Ajv4({ strict: false, allErrors: true, unicodeRegExp: false });
    (require('ajv-formats') as { default: (a: unknown) => void }).default(ajv);
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
    const valid = ajv.validate(schema, sarif);
    expect(ajv.errors ?? null).toBeNull();
    expect(valid).toBe(true);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0]!;
    const host = run.results.find((r) => r.ruleId === 'HOST-001')!;
    expect(host.level).toBe('error');
    for (const r of run.results) expect(r.locations[0]!.physicalLocation.artifactLocation.uri).toBe('broken.json');
    expect(run.tool.driver.rules.find((r) => r.id === 'HOST-001')!.help.text).toMatch(/Remediation: /);
  });

  test('Markdown: headline with score and grade, category table, findings with remediation', () => {
    const report = JSON.parse(readFileSync(`${out}/r.json`, 'utf8')) as Report;
    const md = readFileSync(`${out}/r.md`, 'utf8');
    expect(md.split('\n')[0]).toBe(`## ❌ mlready assess: ${report.score!.toFixed(1)} (${report.grade})`);
    expect(md).toMatch(/\| Category \| Score \|/);
    expect(md).toMatch(/\| 🔴 \| `HOST-001` \| The host has 8 GiB/);
  });
});

describe('CI integration', () => {
  test('GITHUB_ACTIONS: ::error lines; with JSON on stdout they go to stderr and stdout stays JSON', async () => {
    const gh = cliEnv({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: undefined });
    const text = await runCli(['assess', '--facts', broken], { env: gh, cwd: dir });
    expect(text.stdout).toMatch(/^::error title=HOST-001 Enough host memory for the profile::The host has 8 GiB/m);
    const json = await runCli(['assess', '--facts', broken, '--format', 'json'], { env: gh, cwd: dir });
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
    expect(json.stderr).toMatch(/^::error title=HOST-001/m);
  });

  test('colour: FORCE_COLOR colours the text report; NO_COLOR and --no-color turn it off', async () => {
    const coloured = await runCli(['assess', '--facts', broken], { env: cliEnv({ NO_COLOR: undefined, FORCE_COLOR: '1' }), cwd: dir });
    expect(coloured.stdout).toMatch(/\x1b\[/);
    const noColor = await runCli(['assess', '--facts', broken], { env: cliEnv({ NO_COLOR: '1', FORCE_COLOR: '1' }), cwd: dir });
    expect(noColor.stdout).not.toMatch(/\x1b\[/);
    const flag = await runCli(['assess', '--facts', broken, '--no-color'], { env: cliEnv({ NO_COLOR: undefined, FORCE_COLOR: '1' }), cwd: dir });
    expect(flag.stdout).not.toMatch(/\x1b\[/);
  });
});

describe('baselines and the config file', () => {
  test('--baseline: only failures not in the baseline fail the gate', async () => {
    const first = await runCli(['assess', '--facts', broken, '--format', 'json', '--output', 'baseline.json'], { env, cwd: dir });
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('');
    const same = await assessJson(['--facts', broken, '--baseline', 'baseline.json']);
    expect(same.code).toBe(0);
    expect(same.report.findings.filter((f) => f.outcome === 'fail').every((f) => f.baseline)).toBe(true);
    const worse = writeJson(dir, 'worse.json', patchedFacts({ ...brokenPatch, runtime: { docker: { status: 'unavailable', reason: 'no Docker socket at /var/run/docker.sock' } } }));
    const newFailure = await assessJson(['--facts', worse, '--baseline', 'baseline.json']);
    expect(newFailure.code).toBe(1);
    expect(newFailure.report.gate.reasons[0]).toMatch(/not in the baseline: RUNTIME-001$/);
  });

  test('config: severity override, disabled rule, waiver and expired waiver', async () => {
    const cdir = tempDir();
    writeFileSync(
      path.join(cdir, 'mlready.config.yaml'),
      [
        'profile: training-gpu',
        'rules:',
        '  GPU-002: { severity: warning }',
        '  RUNTIME-001: { enabled: false }',
        'waivers:',
        '  - rule: HOST-001',
        '    scope: "gpu-node-*"',
        '    reason: lab box, memory upgrade ordered (INC-42)',
        '    expires: 2999-01-01',
        '  - rule: GPU-002',
        '    reason: old waiver',
        '    expires: 2020-01-01',
      ].join('\n'),
    );
    const { code, report } = await assessJson(['--facts', broken], { cwd: cdir });
    const byId = new Map(report.findings.map((f) => [f.ruleId, f]));
    expect(byId.get('HOST-001')).toMatchObject({ outcome: 'waived', waiver: { reason: 'lab box, memory upgrade ordered (INC-42)', expires: '2999-01-01' } });
    expect(byId.get('GPU-002')).toMatchObject({ outcome: 'fail', severity: 'warning' });
    expect(byId.get('RUNTIME-001')).toMatchObject({ outcome: 'skipped', reason: 'disabled in the configuration' });
    expect(report.waivers.expired).toEqual([{ rule: 'GPU-002', reason: 'old waiver', expires: '2020-01-01' }]);
    expect(report.profile).toMatchObject({ source: 'config' });
    expect(report.inputs.config).toBe('mlready.config.yaml');
    // No remaining error-severity failure: HOST-001 is waived, GPU-002 is only a warning now.
    expect(report.findings.some((f) => f.outcome === 'fail' && f.severity === 'error')).toBe(false);
    expect(code).toBe(0);
    const text = await runCli(['assess', '--facts', broken], { env, cwd: cdir });
    expect(text.stdout).toMatch(/Expired waivers \(1\)/);
    // --redact: the findings name the host by its hash, the scoped waiver still matches the real name.
    const redacted = await runCli(['assess', '--facts', broken, '--redact', '--format', 'json'], { env: { ...env, MLREADY_REDACT_KEY: 'k' }, cwd: cdir });
    expect(redacted.stdout).not.toContain('gpu-node-01');
    const hashed = (JSON.parse(redacted.stdout) as Report).findings.find((f) => f.ruleId === 'HOST-001');
    expect(hashed).toMatchObject({ outcome: 'waived', scope: expect.stringMatching(/^host-[0-9a-f]{12}$/) });
    expect(redacted.code).toBe(code);
  });
});

describe('user rule packs', () => {
  const rule = (id: string, check: string, extra = '') =>
    [
      `id: ${id}`,
      'title: Lab hosts have at least 64 CPU threads',
      'category: host',
      'severity: warning',
      'weight: 2',
      "profiles: ['*']",
      `check: ${check}`,
      'message: "{{facts.host.cpu.threads}} threads"',
      'rationale: Our data loaders use 64 workers.',
      'remediation: Use a bigger node.',
      'references: []',
      'tests:',
      '  pass: [{ name: "224 threads" }]',
      '  fail: [{ name: "8 threads", facts: { host: { cpu: { threads: 8 } } } }]',
      extra,
    ].join('\n');

  test('--rules DIR adds rules; rules check runs their fixtures', async () => {
    const pack = path.join(tempDir(), 'acme');
    mkdirSync(pack);
    writeFileSync(path.join(pack, 'ACME-001.yaml'), rule('ACME-001', 'facts.host.cpu.threads >= 64'));
    const { report } = await assessJson(['--facts', healthy, '--rules', pack]);
    expect(report.findings.find((f) => f.ruleId === 'ACME-001')).toMatchObject({ outcome: 'pass', source: { pack: 'acme' } });
    expect(report.inputs.rulePacks).toHaveLength(1);
    const check = await runCli(['rules', 'check', pack], { env });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/1 rules, 2 cases: 2 passed, 0 failed/);
    const list = await runCli(['rules', 'list', '--json', '--rules', pack], { env });
    expect((JSON.parse(list.stdout) as { rules: { id: string }[] }).rules.map((r) => r.id)).toContain('ACME-001');
  });

  test('the prebuilt facts validator loads with the code cache the build made', async () => {
    const r = await runCli(['assess', '--facts', healthy, '--format', 'json', '--fail-on', 'never'], { env: { ...env, MLREADY_TRACE: '1' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\] [\d.]+ ms loaded facts\.cjs \(code cache used\)/);
  });

  test('the built-in rules run as the build compiled them: the CEL library loads only for a pack of your own', async () => {
    const trace = { ...env, MLREADY_TRACE: '1' };
    const builtin = await runCli(['assess', '--facts', healthy, '--format', 'json'], { env: trace });
    expect(builtin.code).toBe(0);
    expect(builtin.stderr).toMatch(/\] [\d.]+ ms loaded builtin-code\.cjs \(code cache used\)/);
    expect(builtin.stderr).not.toMatch(/CEL library/);
    // Failures keep the messages their templates write, and a fact the device list lacks (read through
    // filter(...).all(...)) is named.
    const failing = await runCli(['assess', '--facts', broken, '--format', 'json'], { env: trace });
    const findings = (JSON.parse(failing.stdout) as Report).findings;
    expect(findings.find((f) => f.ruleId === 'HOST-001')).toMatchObject({ outcome: 'fail', message: expect.stringMatching(/8(\.0)? GiB/) });
    expect(findings.find((f) => f.ruleId === 'GPU-010')).toMatchObject({ outcome: 'unknown', reason: 'facts.gpu.devices[0].processCount was not reported' });
    expect(failing.stderr).not.toMatch(/CEL library/);

    const pack = path.join(tempDir(), 'acme');
    mkdirSync(pack);
    writeFileSync(path.join(pack, 'ACME-001.yaml'), rule('ACME-001', 'facts.host.cpu.threads >= 64'));
    const own = await runCli(['assess', '--facts', broken, '--format', 'json', '--rules', pack], { env: trace });
    expect(own.stderr).toMatch(/CEL library loaded/);
    expect((JSON.parse(own.stdout) as Report).findings.find((f) => f.ruleId === 'ACME-001')?.outcome).toBe('pass');
  });

  test('rules check on the built-in pack or one of its folders checks those rules from source, once', async () => {
    const folder = await runCli(['rules', 'check', path.join(ROOT, 'rules', 'cluster')], { env });
    expect(folder.code).toBe(0);
    const n = readdirSync(path.join(ROOT, 'rules', 'cluster')).filter((f) => f.endsWith('.yaml')).length;
    expect(folder.stdout).toMatch(new RegExp(`^${n} rules, \\d+ cases: \\d+ passed, 0 failed, 0 rules untested`, 'm'));
    const missing = await runCli(['rules', 'check', path.join(ROOT, 'rules', 'no-such-folder')], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such-folder: rule pack directory not found/);
  });

  test('rules check exits 1 on a fixture that gives another outcome', async () => {
    const pack = path.join(tempDir(), 'acme');
    mkdirSync(pack);
    writeFileSync(path.join(pack, 'ACME-001.yaml'), rule('ACME-001', 'facts.host.cpu.threads >= 4'));
    const check = await runCli(['rules', 'check', pack], { env });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/✗ ACME-001 fail case "8 threads": got pass/);
  });

  test.each([
    ['a YAML error', 'ACME-001.yaml', 'id: ACME-001\ntitle: [unclosed\n', /ACME-001\.yaml:3: invalid YAML: Flow sequence/],
    ['an unknown key', 'ACME-001.yaml', null, /ACME-001\.yaml:15 at colour: invalid rule: unknown key/],
    ['a CEL compile error', 'ACME-001.yaml', 'cel', /ACME-001\.yaml:7: ACME-001: check: CEL error/],
    ['a fact path not in the schema', 'ACME-001.yaml', 'path', /ACME-001\.yaml:7: ACME-001: check: facts\.host\.cpu\.thread is not in the facts schema/],
    ['a duplicate id', 'ACME-001.yaml', 'dup', /duplicate rule id HOST-001 \(also in .*HOST-001\.yaml\)/],
  ])('a rule pack with %s: one line naming file and line, exit 2, nothing written', async (_what, file, content, expected) => {
    const pack = path.join(tempDir(), 'acme');
    mkdirSync(pack);
    let text: string;
    if (content === null) text = rule('ACME-001', 'facts.host.cpu.threads >= 64', 'colour: red');
    else if (content === 'cel') text = rule('ACME-001', 'facts.host.cpu.threads >=');
    else if (content === 'path') text = rule('ACME-001', 'facts.host.cpu.thread >= 64');
    else if (content === 'dup') text = rule('HOST-001', 'facts.host.cpu.threads >= 64');
    else text = content;
    writeFileSync(path.join(pack, file), text);
    const reportFile = path.join(dir, `never-${Date.now()}.json`);
    const r = await runCli(['assess', '--facts', healthy, '--rules', pack, '--report', `json=${reportFile}`], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(reportFile)).toBe(false);
  });
});

describe('assess --with: the add-ons scaffold will write', () => {
  const denied = ['create servicemonitors.monitoring.coreos.com', 'create certificates.cert-manager.io'];
  let work: string;
  beforeAll(() => {
    work = tempDir();
    writeFileSync(path.join(work, 'mlready.yaml'), readFileSync(path.join(ROOT, 'examples', 'huggingface-inference', 'mlready.yaml')));
    // A cluster with the Prometheus Operator and cert-manager where this identity may create neither's objects.
    writeJson(work, 'cluster.json', patchedFacts({ cluster: { kubernetes: { access: { can: Object.fromEntries(denied.map((k) => [k, false])), denied } } } }, 'k8s-gpu-cluster'));
  });
  const k8s017 = async (args: string[]) => (await assessJson(['--facts', 'cluster.json', '--fail-on', 'never', ...args], { cwd: work })).report.findings.find((f) => f.ruleId === 'K8S-017');

  test('K8S-017 checks the objects of the add-ons too, as scaffold would write them for these facts', async () => {
    expect(await k8s017([])).toMatchObject({ outcome: 'pass' });
    const monitoring = await k8s017(['--with', 'monitoring']);
    expect(monitoring).toMatchObject({ outcome: 'fail', message: expect.stringContaining('ServiceMonitor (create servicemonitors.monitoring.coreos.com)') });
    expect(monitoring?.message).not.toContain('Certificate');
    const all = await k8s017(['--with', 'monitoring,logging,alerting,ingress']);
    expect(all?.message).toMatch(/Certificate \(create certificates\.cert-manager\.io\), ServiceMonitor/);
  });

  test('without the Prometheus Operator scaffold writes scrape annotations, not ServiceMonitors: nothing more to create', async () => {
    writeJson(work, 'no-operator.json', patchedFacts({ cluster: { kubernetes: { addons: { prometheusOperator: false, alertmanager: false }, access: { can: Object.fromEntries(denied.map((k) => [k, false])), denied } } } }, 'k8s-gpu-cluster'));
    const r = await assessJson(['--facts', 'no-operator.json', '--fail-on', 'never', '--with', 'monitoring'], { cwd: work });
    expect(r.report.findings.find((f) => f.ruleId === 'K8S-017')).toMatchObject({ outcome: 'pass' });
  });

  test('--with needs a spec, and names only known add-ons (exit 2)', async () => {
    const elsewhere = tempDir();
    const noSpec = await runCli(['assess', '--facts', path.join(work, 'cluster.json'), '--with', 'monitoring'], { env, cwd: elsewhere });
    expect(noSpec.code).toBe(2);
    expect(noSpec.stderr).toBe('mlready: --with needs a workflow spec (--spec FILE, or mlready.yaml in the working directory): the add-ons are scaffolded for its stages\n');
    const unknown = await runCli(['assess', '--facts', 'cluster.json', '--with', 'grafana'], { env, cwd: work });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--with: unknown add-on "grafana": valid add-ons are monitoring, logging, alerting, ingress/);
  });
});

describe('bad input', () => {
  test.each([
    ['malformed JSON', () => { const f = path.join(dir, 'bad.json'); writeFileSync(f, '{\n  "schemaVersion": "1.0.0",\n  oops\n}'); return ['--facts', f]; }, /bad\.json:3: the facts file is not valid JSON/],
    ['a newer major facts document', () => ['--facts', writeJson(dir, 'v2.json', { ...baseFacts(), schemaVersion: '2.0.0' })], /facts document schemaVersion 2\.0\.0 is not supported: this mlready reads 1\.x \(1\.0\.0\); upgrade mlready/],
    ['a document that is not facts', () => ['--facts', writeJson(dir, 'other.json', { schemaVersion: '1.0.0', hello: 'world' })], /not a valid facts document/],
    ['a missing facts file', () => ['--facts', path.join(dir, 'nope.json')], /nope\.json: cannot read the facts file: ENOENT/],
    ['an unknown profile', () => ['--facts', healthy, '--profile', 'gaming'], /unknown profile "gaming": valid profiles are dev-workstation, edge, inference-cpu, inference-gpu, training-cpu, training-gpu/],
    ['an unreadable config', () => ['--facts', healthy, '--config', dir], /cannot read the configuration file: EISDIR/],
    ['a config with an unknown key', () => { const f = path.join(dir, 'c.yaml'); writeFileSync(f, 'profile: edge\nwaivers:\n  - rule: HOST-001\n    reason: x\n    until: 2030-01-01\n'); return ['--facts', healthy, '--config', f]; }, /c\.yaml:5 at waivers\[0\]\.until: invalid configuration: unknown key/],
    ['a bad --report', () => ['--facts', healthy, '--report', 'pdf=x.pdf'], /--report.*FORMAT one of text, json, junit, sarif, markdown/],
    ['a bad --fail-under', () => ['--facts', healthy, '--fail-under', '120'], /--fail-under expects a number from 0 to 100/],
  ])('%s → exit 2, one line, no stack', async (_what, args, expected) => {
    const r = await runCli(['assess', ...(args as () => string[])()], { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(expected);
  });
});
