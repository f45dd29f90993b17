/**
 * The built-in rule pack: every rule loads, compiles and carries pass and fail fixtures that give the
 * expected outcomes (the RuleTester); the generated docs and schemas are up to date.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadRuleSet } from '../../src/rules/load.js';
import { runRuleTests } from '../../src/rules/tester.js';
import { generatedFiles } from '../../src/gen/index.js';
import { ROOT } from '../helpers/cli.js';

const set = loadRuleSet({ builtin: true, withTests: true });
const report = runRuleTests(set);

describe('built-in rules', () => {
  test('every rule has pass and fail fixtures', () => {
    expect(report.untested).toEqual([]);
  });

  test.each(report.results.map((r) => [`${r.ruleId} ${r.expected}: ${r.name}`, r]))('%s', (_name, r) => {
    // On a mismatch the received value carries the finding's message or reason.
    expect(r.ok ? r.actual : `${r.actual}: ${r.detail ?? ''}`).toBe(r.expected);
  });

  test('ids are unique and carry a family prefix matching their category or file', () => {
    const ids = set.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of set.rules) expect(path.basename(r.source.file, '.yaml')).toBe(r.id);
  });
});

describe('generated files', () => {
  test.each(['schemas/facts.schema.json', 'schemas/rules.schema.json', 'schemas/report.schema.json', 'docs/rules.md'])(
    '%s is up to date (npm run gen)',
    async (file) => {
      const generated = (await generatedFiles()).find((f) => f.path === file);
      expect(generated).toBeDefined();
      expect(readFileSync(path.join(ROOT, file), 'utf8')).toBe(generated!.content);
    },
  );
});
