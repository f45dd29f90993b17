/**
 * Published JSON Schemas, generated from their TypeBox sources (`npm run gen`). A test fails when a
 * file under schemas/ differs from what this produces.
 */
import { FactsDocument } from '../facts/schema.js';
import { Config, Profile, Rule } from '../rules/schema.js';
import { ReportDocument } from '../report/schema.js';
import { Workflow } from '../workflow/schema.js';

export interface GeneratedFile {
  path: string;
  content: string;
}

export function schemaFile(name: string, schema: object): GeneratedFile {
  const json = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  return {
    path: `schemas/${name}.schema.json`,
    content: `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...json }, null, 2)}\n`,
  };
}

export function generatedSchemas(): GeneratedFile[] {
  return [
    schemaFile('facts', FactsDocument),
    schemaFile('rules', Rule),
    schemaFile('profile', Profile),
    schemaFile('config', Config),
    schemaFile('report', ReportDocument),
    schemaFile('workflow', Workflow),
  ];
}
