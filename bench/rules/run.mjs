#!/usr/bin/env node
/**
 * bench/rules: 10,000 rule evaluations over one facts document (goal: ≤ 100 ms), with the rules
 * compiled once as `assess` does. Usage: `npm run bench:rules`.
 *
 * Two ways the same built-in rules run: as the build compiled them to JavaScript (dist/builtin-code.cjs,
 * what assess uses; needs `npm run build`), and through the CEL library (what a pack of your own gets).
 * Reports the time for the evaluations alone, and for whole `evaluateRules` passes (overrides, waivers,
 * context preparation) adding up to at least 10,000 evaluations.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importSrc, root } from '../../scripts/lib/import-src.mjs';

const { loadRuleSet, evaluateRule, evaluateRules, prepareContext } = await importSrc('bench/rules/entry.ts');
const facts = JSON.parse(readFileSync(path.join(root, 'rules/fixtures/gpu-server.json'), 'utf8'));
const broken = structuredClone(facts);
broken.host.memory.totalBytes = 8 * 2 ** 30;
broken.gpu.devices[1].cudaVersion = '11.4';
const N = 10_000;

/** The environment rules (assess's; artifact rules are mlready lint's), loaded as `options` say. */
function load(options) {
  const t = performance.now();
  const set = loadRuleSet({ builtin: true, ...options });
  const ms = performance.now() - t;
  set.rules = set.rules.filter((r) => r.appliesTo === 'environment');
  return { set, ms };
}

/**
 * N evaluations as assess makes them: every rule once per document, a fresh context per document
 * (expression values are memoised per document, programs per process).
 */
function evaluations(set, doc) {
  const profile = set.profiles.get('training-gpu');
  let outcomes = 0;
  const start = performance.now();
  let ctx;
  for (let i = 0; i < N; i++) {
    if (i % set.rules.length === 0) ctx = prepareContext({ facts: structuredClone(doc), profile });
    const f = evaluateRule(set.rules[i % set.rules.length], ctx);
    if (f.outcome === 'fail') outcomes++;
  }
  return { ms: performance.now() - start, fails: outcomes };
}

function measure(label, { set, ms }) {
  // Warm up once (JIT), then measure three times and keep the median.
  evaluations(set, facts);
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const healthy = median([0, 1, 2].map(() => evaluations(set, facts).ms));
  const failing = median([0, 1, 2].map(() => evaluations(set, broken).ms));
  const passes = Math.ceil(N / set.rules.length);
  const profile = set.profiles.get('training-gpu');
  const t = performance.now();
  for (let i = 0; i < passes; i++) evaluateRules(set.rules, { facts: broken, profile });
  const whole = performance.now() - t;
  return [
    `| ${label}: loading ${set.rules.length} environment rules | ${ms.toFixed(1)} | |`,
    `| ${label}: ${N} evaluations, healthy facts (all pass) | ${healthy.toFixed(1)} | ≤ 100 |`,
    `| ${label}: ${N} evaluations, failing facts (messages rendered) | ${failing.toFixed(1)} | ≤ 100 |`,
    `| ${label}: ${passes} × evaluateRules (${passes * set.rules.length} evaluations with overrides and waivers) | ${whole.toFixed(1)} | |`,
  ];
}

const library = load({ withTests: true });
const compiled = load({});
const lines = ['| Measurement | ms | goal |', '|---|---:|---|'];
if (compiled.set.rules.every((r) => r.code?.check)) lines.push(...measure('compiled (assess)', compiled));
else process.stderr.write('dist/builtin-code.cjs not found or stale: run `npm run build` to measure the compiled rules\n');
// From the YAML sources, every expression compiled by the CEL library (as a user's pack is).
lines.push(...measure('CEL library', library));
process.stdout.write(`${lines.join('\n')}\n`);
