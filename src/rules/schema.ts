/**
 * Rule files, profiles and the config file: TypeScript types and JSON Schemas from one source
 * (`npm run gen` writes schemas/rules.schema.json, schemas/profile.schema.json, schemas/config.schema.json).
 */
import { Type, type Static } from '@sinclair/typebox';

/** A string enum as JSON Schema `enum` (one clear error message), typed as a union of literals. */
export function StringEnum<T extends string[]>(values: [...T], options: { description?: string; default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, ...options });
}

export const RULE_ID_PATTERN = '^[A-Z][A-Z0-9]*-[0-9]{3,}$';
const Cel = (description: string) => Type.String({ minLength: 1, description: `CEL expression: ${description}` });
const Name = Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });

export const Severity = StringEnum(['error', 'warning', 'info']);

export const RuleFixture = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'The scenario, in words' }),
    base: Type.Optional(Type.String({ description: 'Facts fixture this case starts from (overrides tests.base)' })),
    facts: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Merge patch (RFC 7386) applied to the base facts document: objects merge, null deletes, arrays replace',
      }),
    ),
    files: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'appliesTo: artifact rules: files (name → content) linted together; the case fails when any artifact fails',
      }),
    ),
    profile: Type.Optional(Type.String({ description: 'Profile to evaluate under (overrides tests.profile)' })),
    workload: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The workload in scope, if any' })),
  },
  { additionalProperties: false },
);

export const RuleTests = Type.Object(
  {
    base: Type.Optional(Type.String({ description: 'Facts fixture the cases start from (a name under fixtures/)' })),
    profile: Type.Optional(Type.String()),
    pass: Type.Array(RuleFixture, { minItems: 1 }),
    fail: Type.Array(RuleFixture, { minItems: 1 }),
    unknown: Type.Optional(Type.Array(RuleFixture)),
    skipped: Type.Optional(Type.Array(RuleFixture)),
  },
  { additionalProperties: false, description: 'Fixtures run by `mlready rules check` and the test suite' },
);

export const Rule = Type.Object(
  {
    id: Type.String({ pattern: RULE_ID_PATTERN, description: 'Fixed, opaque id with a family prefix: HOST-001' }),
    title: Type.String({ minLength: 1 }),
    category: Type.String({ pattern: '^[a-z][a-z0-9-]*$', description: 'host, gpu, storage, network, runtime, security…' }),
    severity: Severity,
    weight: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
    profiles: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Profiles the rule applies to; "*" for all',
    }),
    appliesTo: Type.Optional(StringEnum(['environment', 'artifact'], { default: 'environment' })),
    when: Type.Optional(Cel('precondition; the rule is skipped when false')),
    check: Cel('true when the environment is ready'),
    details: Type.Optional(Cel('evaluated when the check fails; its value is {{details}} in the message (e.g. the devices at fault)')),
    line: Type.Optional(Cel('appliesTo: artifact rules: the line a failure points at (default: the artifact\'s line)')),
    message: Type.String({ minLength: 1, description: 'Handlebars template shown when the check fails' }),
    rationale: Type.String({ minLength: 1 }),
    remediation: Type.String({ minLength: 1 }),
    references: Type.Array(Type.String({ minLength: 1 })),
    tags: Type.Optional(Type.Array(Type.String())),
    tests: Type.Optional(RuleTests),
  },
  {
    $id: 'https://mlready.dev/schemas/rules.schema.json',
    title: 'mlready rule',
    additionalProperties: false,
  },
);

export const Profile = Type.Object(
  {
    name: Name,
    description: Type.String(),
    gpu: Type.Optional(StringEnum(['required', 'optional', 'none'], { description: 'Whether workloads of this profile need GPUs' })),
    thresholds: Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9]*$' }), Type.Union([Type.Number(), Type.String(), Type.Boolean()]), {
      description: 'Values rules compare against. Keys ending in "Bytes" accept quantities ("64Gi") and become numbers.',
    }),
    disable: Type.Optional(Type.Array(Type.String({ pattern: RULE_ID_PATTERN }), { description: 'Rule ids left out' })),
    enable: Type.Optional(Type.Array(Type.String({ pattern: RULE_ID_PATTERN }), { description: 'Rule ids added although they do not list this profile' })),
  },
  { $id: 'https://mlready.dev/schemas/profile.schema.json', title: 'mlready profile', additionalProperties: false },
);

export const Waiver = Type.Object(
  {
    rule: Type.String({ pattern: RULE_ID_PATTERN }),
    scope: Type.Optional(Type.String({ description: 'Glob matched against the finding scope (host name, file path…)' })),
    reason: Type.String({ minLength: 1 }),
    expires: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD; the waiver stops applying after this day' })),
  },
  { additionalProperties: false },
);

export const Config = Type.Object(
  {
    profile: Type.Optional(Type.String({ description: 'Profile name or file' })),
    rulePacks: Type.Optional(Type.Array(Type.String(), { description: 'Directories of extra rule packs, relative to this file' })),
    rules: Type.Optional(
      Type.Record(
        Type.String({ pattern: RULE_ID_PATTERN }),
        Type.Object({ severity: Type.Optional(Severity), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      ),
    ),
    waivers: Type.Optional(Type.Array(Waiver)),
  },
  { $id: 'https://mlready.dev/schemas/config.schema.json', title: 'mlready configuration (mlready.config.yaml)', additionalProperties: false },
);

export type RuleDoc = Static<typeof Rule>;
export type RuleTestsDoc = Static<typeof RuleTests>;
export type RuleFixtureDoc = Static<typeof RuleFixture>;
export type ProfileDoc = Static<typeof Profile>;
export type ConfigDoc = Static<typeof Config>;
export type WaiverDoc = Static<typeof Waiver>;
export type SeverityName = Static<typeof Severity>;
