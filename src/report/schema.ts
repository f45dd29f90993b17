/**
 * The JSON report (`--format json`): types and schemas/report.schema.json from one source.
 */
import { Type, type Static } from '@sinclair/typebox';
import { FactsDocument, type Facts } from '../facts/schema.js';
import { StringEnum } from '../rules/schema.js';

export { REPORT_SCHEMA_VERSION } from './version.js';

// The facts document embedded without its $id, so both schemas can live in one validator.
const { $id: _factsId, ...factsSchema } = JSON.parse(JSON.stringify(FactsDocument)) as Record<string, unknown>;
void _factsId;
const EmbeddedFacts = Type.Unsafe<Facts>(factsSchema);

const Outcome = StringEnum(['pass', 'fail', 'unknown', 'waived', 'skipped']);
const Severity = StringEnum(['error', 'warning', 'info']);
const Grade = StringEnum(['A', 'B', 'C', 'D', 'F']);
const Score = Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]);

const Counts = {
  pass: Type.Integer({ minimum: 0 }),
  fail: Type.Integer({ minimum: 0 }),
  unknown: Type.Integer({ minimum: 0 }),
  waived: Type.Integer({ minimum: 0 }),
  skipped: Type.Integer({ minimum: 0 }),
  applicable: Type.Integer({ minimum: 0, description: 'pass + fail + unknown + waived' }),
};

export const FindingSchema = Type.Object(
  {
    ruleId: Type.String(),
    title: Type.String(),
    category: Type.String(),
    severity: Severity,
    weight: Type.Number(),
    outcome: Outcome,
    message: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    rationale: Type.String(),
    remediation: Type.String(),
    references: Type.Array(Type.String()),
    scope: Type.Optional(Type.String()),
    location: Type.Optional(Type.Object({ file: Type.String(), line: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false })),
    waiver: Type.Optional(Type.Object({ reason: Type.String(), expires: Type.Optional(Type.String()) }, { additionalProperties: false })),
    baseline: Type.Optional(Type.Boolean({ description: 'Also failing in the baseline report: does not fail the gate' })),
    source: Type.Object(
      { file: Type.String(), line: Type.Optional(Type.Integer({ minimum: 1 })), pack: Type.String() },
      { additionalProperties: false, description: 'The rule file' },
    ),
  },
  { additionalProperties: false },
);

export const ReportDocument = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    schemaVersion: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$' }),
    kind: StringEnum(['assess', 'lint']),
    tool: Type.Object({ name: Type.Literal('mlready'), version: Type.String() }, { additionalProperties: false }),
    generatedAt: Type.String({ format: 'date-time' }),
    profile: Type.Object(
      {
        name: Type.String(),
        description: Type.String(),
        source: StringEnum(['flag', 'config', 'default']),
        why: Type.String({ description: 'Why this profile was used' }),
      },
      { additionalProperties: false },
    ),
    score: Score,
    grade: Type.Union([Grade, Type.Null()]),
    coverage: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()], {
      description: '(pass + fail) ÷ (pass + fail + unknown), percent',
    }),
    summary: Type.Object({ ...Counts, blocking: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    gate: Type.Object(
      {
        passed: Type.Boolean(),
        reasons: Type.Array(Type.String()),
        failOn: StringEnum(['error', 'warning', 'never']),
        failUnder: Type.Optional(Type.Number()),
        minCoverage: Type.Optional(Type.Number()),
        strict: Type.Boolean(),
        baseline: Type.Optional(Type.String({ description: 'The baseline report compared against' })),
      },
      { additionalProperties: false },
    ),
    categories: Type.Array(Type.Object({ name: Type.String(), score: Score, ...Counts }, { additionalProperties: false })),
    findings: Type.Array(FindingSchema),
    waivers: Type.Object(
      {
        expired: Type.Array(
          Type.Object(
            { rule: Type.String(), scope: Type.Optional(Type.String()), reason: Type.String(), expires: Type.Optional(Type.String()) },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    inputs: Type.Object(
      {
        facts: Type.Optional(Type.String({ description: 'Facts file evaluated (--facts), absent when probed live' })),
        config: Type.Optional(Type.String()),
        spec: Type.Optional(Type.String()),
        baseline: Type.Optional(Type.String()),
        rulePacks: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
    facts: Type.Optional(EmbeddedFacts),
    lint: Type.Optional(
      Type.Object(
        {
          files: Type.Array(Type.String(), { description: 'Files read' }),
          artifacts: Type.Integer({ minimum: 0, description: 'Dockerfiles, compose services and Kubernetes objects judged' }),
          skipped: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() }, { additionalProperties: false }), {
            description: 'What was left out, and why (binary files, YAML that is neither compose nor Kubernetes)',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'https://mlready.dev/schemas/report.schema.json', title: 'mlready report', additionalProperties: false },
);

export type Report = Static<typeof ReportDocument>;
export type ReportFinding = Static<typeof FindingSchema>;
