/** `mlready rules list | show ID | check DIR`. */
import path from 'node:path';
import { loadRuleSet, type LoadedRule } from '../rules/load.js';
import { EXIT, UsageError } from './errors.js';

function summary(rule: LoadedRule) {
  return {
    id: rule.id,
    title: rule.title,
    category: rule.category,
    severity: rule.severity,
    weight: rule.weight,
    profiles: rule.profiles,
    appliesTo: rule.appliesTo,
    pack: rule.source.pack,
    file: rule.source.file,
  };
}

export async function rulesList(opts: { json?: boolean; rules: string[] }): Promise<void> {
  const set = loadRuleSet({ builtin: true, packs: opts.rules });
  const rules = [...set.rules].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ rules: rules.map(summary), profiles: [...set.profiles.keys()].sort() }, null, 2)}\n`);
    return;
  }
  const width = Math.max(...rules.map((r) => r.id.length));
  for (const r of rules) process.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.category.padEnd(9)}  ${r.title}\n`);
  process.stdout.write(`\n${rules.length} rules; profiles: ${[...set.profiles.keys()].sort().join(', ')}\n`);
}

export async function rulesShow(id: string, opts: { rules: string[] }): Promise<void> {
  const set = loadRuleSet({ builtin: true, packs: opts.rules });
  const rule = set.rules.find((r) => r.id === id.toUpperCase());
  if (!rule) throw new UsageError(`no rule with id "${id}" (see mlready rules list)`);
  const lines = [
    `${rule.id}  ${rule.title}`,
    '',
    `Category:   ${rule.category}`,
    `Severity:   ${rule.severity} (weight ${rule.weight})`,
    `Profiles:   ${rule.profiles.join(', ')}`,
    `Applies to: ${rule.appliesTo}`,
    ...(rule.when ? [`When:       ${rule.when.trim()}`] : []),
    `Check:      ${rule.check.trim()}`,
    `Source:     ${rule.source.file}${rule.source.lines.id ? `:${rule.source.lines.id}` : ''} (pack ${rule.source.pack})`,
    '',
    'Why it matters',
    indent(rule.rationale),
    '',
    'How to fix it',
    indent(rule.remediation),
  ];
  if (rule.references.length) lines.push('', 'References', ...rule.references.map((r) => `  - ${r}`));
  process.stdout.write(`${lines.join('\n')}\n`);
}

function indent(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Validates a pack (any error: exit 2) and runs its fixtures (a failing case: exit 1). */
export async function rulesCheck(dir: string): Promise<number> {
  const packDir = path.resolve(dir);
  const set = loadRuleSet({ builtin: true, packs: [dir], withTests: true });
  const { runRuleTests } = await import('../rules/tester.js');
  const isInPack = (r: LoadedRule) => path.resolve(r.source.file).startsWith(packDir + path.sep);
  const report = runRuleTests(set, { only: isInPack });
  const rules = set.rules.filter(isInPack);
  let failed = 0;
  for (const r of report.results) {
    if (r.ok) continue;
    failed++;
    process.stdout.write(`✗ ${r.ruleId} ${r.expected} case "${r.name}": got ${r.actual}${r.detail ? ` (${r.detail})` : ''}\n    ${r.file}\n`);
  }
  for (const id of report.untested) process.stdout.write(`✗ ${id}: no tests (every rule needs at least one pass and one fail case)\n`);
  const passed = report.results.filter((r) => r.ok).length;
  process.stdout.write(`${rules.length} rules, ${report.results.length} cases: ${passed} passed, ${failed} failed, ${report.untested.length} rules untested\n`);
  return failed === 0 && report.untested.length === 0 ? EXIT.ok : EXIT.gateFailed;
}
