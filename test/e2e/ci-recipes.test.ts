/**
 * The CI recipes in docs/ci: every mlready invocation in them runs through the real CLI (against a facts
 * fixture instead of a live probe), and every file a later step reads is produced and well-formed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseShell } from 'shell-quote';
import { parse as parseYaml } from 'yaml';
import { XMLValidator } from 'fast-xml-parser';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { patchedFacts, tempDir, writeJson } from '../helpers/facts.js';

/** Logical shell lines (backslash continuations joined) that invoke mlready. */
function mlreadyCommands(script: string): string[][] {
  const joined = script.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('mlready '))
    .map((l) => {
      const words = parseShell(l);
      if (!words.every((w): w is string => typeof w === 'string')) throw new Error(`unsupported shell syntax in: ${l}`);
      return words;
    });
}

async function runInvocations(commands: string[][], cwd: string, facts: string): Promise<void> {
  expect(commands.length).toBeGreaterThan(0);
  for (const words of commands) {
    const args = words.slice(1);
    if (args[0] === 'assess' && !args.includes('--facts')) args.push('--facts', facts);
    const r = await runCli(args, { cwd, env: cliEnv({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: undefined }) });
    // A gate that fails on the broken fixture is the recipe working; usage errors are not.
    expect({ code: r.code, stderr: r.code === 2 || r.code === 3 ? r.stderr : '' }).toEqual({ code: expect.any(Number) as number, stderr: '' });
    expect([0, 1]).toContain(r.code);
  }
}

function expectFile(cwd: string, file: string): string {
  const full = path.join(cwd, file);
  expect(existsSync(full)).toBe(true);
  expect(statSync(full).size).toBeGreaterThan(0);
  return readFileSync(full, 'utf8');
}

const broken = () => patchedFacts({ host: { memory: { totalBytes: 8 * 2 ** 30 } } });

describe('docs/ci recipes', () => {
  test('GitHub Actions: the gate step writes what the summary, SARIF, JUnit and artifact steps read', async () => {
    const doc = parseYaml(readFileSync(path.join(ROOT, 'docs/ci/github-actions.yml'), 'utf8')) as {
      jobs: Record<string, { steps: { name?: string; run?: string; uses?: string; with?: Record<string, string> }[] }>;
    };
    const steps = Object.values(doc.jobs).flatMap((j) => j.steps);
    const cwd = tempDir();
    const facts = writeJson(cwd, 'facts.json', broken());
    await runInvocations(steps.flatMap((s) => (s.run ? mlreadyCommands(s.run) : [])), cwd, facts);

    const summary = steps.find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'))!;
    const summaryFile = /cat (\S+)/.exec(summary.run!)![1]!;
    expect(expectFile(cwd, summaryFile)).toMatch(/^## ❌ mlready assess/);

    const sarifStep = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))!;
    const sarif = JSON.parse(expectFile(cwd, sarifStep.with!.sarif_file!)) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(0);

    const junitStep = steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'))!;
    expect(XMLValidator.validate(expectFile(cwd, junitStep.with!.report_paths!))).toBe(true);

    const artifact = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(statSync(path.join(cwd, artifact.with!.path!)).isDirectory()).toBe(true);
  });

  test('GitLab CI: the script writes the JUnit report and the artifact paths', async () => {
    const doc = parseYaml(readFileSync(path.join(ROOT, 'docs/ci/gitlab-ci.yml'), 'utf8')) as Record<
      string,
      { script?: string[]; artifacts?: { reports?: { junit?: string }; paths?: string[] } }
    >;
    const jobs = Object.entries(doc).filter(([, j]) => j && typeof j === 'object' && Array.isArray(j.script));
    expect(jobs.length).toBeGreaterThan(0);
    for (const [, job] of jobs) {
      const cwd = tempDir();
      const facts = writeJson(cwd, 'facts.json', broken());
      await runInvocations(job.script!.flatMap(mlreadyCommands), cwd, facts);
      expect(XMLValidator.validate(expectFile(cwd, job.artifacts!.reports!.junit!))).toBe(true);
      for (const p of job.artifacts!.paths ?? []) expect(existsSync(path.join(cwd, p))).toBe(true);
    }
  });
});
