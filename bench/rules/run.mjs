#!/usr/bin/env node
/**
 * bench/rules: 10,000 rule evaluations over one facts document (goal: ≤ 100 ms), with the rules
 * compiled once as `assess` does. Usage: `npm run bench:rules`.
 *
 * Reports the time for the evaluations alone, and for whole `evaluateRules` passes (overrides,
 * waivers, context preparation) adding up to at least 10,000 evaluations.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importSrc, root } from '../../scripts/lib/import-src.mjs';

const { loadRuleSet, evaluateRule, evaluateRules, prepareContext } = await importSrc('bench/rules/entry.ts');
const facts = JSON.parse(readFileSync(path.join(root, 'rules/fixtures/gpu-server.json'), 'utf8'));
const broken = structuredClone(facts);
broken.host.memory.totalBytes = 8 * 2 ** 30;
broken.gpu.devices[1].cudaVersion = '11.4';

let t = performance.now();
const set = loadRuleSet({ builtin: true });
const loadMs = performance.now() - t;
// assess evaluates the environment rules (artifact rules are mlready lint's).
set.rules = set.rules.filter((r) => r.appliesTo === 'environment');
const profile = set.profiles.get('training-gpu');
const N = 10_000;

/**
 * N evaluations as assess makes them: every rule once per document, a fresh context per document
 * (expression values are memoised per document, parsed programs per process).
 */
function evaluations(doc) {
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

// Warm up once (JIT), then measure three times and keep the median.
evaluations(facts);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const healthy = median([0, 1, 2].map(() => evaluations(facts).ms));
const failing = median([0, 1, 2].map(() => evaluations(broken).ms));
const passes = Math.ceil(N / set.rules.length);
t = performance.now();
for (let i = 0; i < passes; i++) evaluateRules(set.rules, { facts: broken, profile });
const whole = performance.now() - t;

const lines = [
  `Built-in bundle loaded in ${loadMs.toFixed(1)} ms (expressions parse on first use); ${set.rules.length} environment rules.`,
  '',
  '| Measurement | ms | goal |',
  '|---|---:|---|',
  `| ${N} evaluations, healthy facts (all pass) | ${healthy.toFixed(1)} | ≤ 100 |`,
  `| ${N} evaluations, failing facts (messages rendered) | ${failing.toFixed(1)} | ≤ 100 |`,
  `| ${passes} × evaluateRules (${passes * set.rules.length} evaluations with overrides and waivers) | ${whole.toFixed(1)} | |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
