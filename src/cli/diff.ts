/** `mlready diff OLD.json NEW.json`: drift between two assessments (or two facts documents). */
import { InputError, EXIT } from './errors.js';
import { checkSchemaVersion, parseJsonFile } from '../facts/load.js';
import { FACTS_SCHEMA_VERSION } from '../facts/version.js';
import { REPORT_SCHEMA_VERSION } from '../report/version.js';
import { diffDocuments, isReport, renderDriftMarkdown, renderDriftText } from '../diff/diff.js';
import type { Facts } from '../facts/schema.js';
import type { Report } from '../report/schema.js';

function load(file: string): Report | Facts {
  const doc = parseJsonFile(file, 'the document') as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError('expected an mlready JSON report or facts document', { file });
  if (isReport(doc)) {
    checkSchemaVersion(doc.schemaVersion, REPORT_SCHEMA_VERSION, 'report', file);
    return doc as unknown as Report;
  }
  if ('collectedAt' in doc && 'host' in doc) {
    checkSchemaVersion(doc.schemaVersion, FACTS_SCHEMA_VERSION, 'facts document', file);
    return doc as unknown as Facts;
  }
  throw new InputError('not an mlready JSON report (assess --format json) or facts document (probe)', { file });
}

export async function diffCommand(oldFile: string, newFile: string, opts: { format: 'text' | 'json' | 'markdown' }): Promise<number> {
  const drift = diffDocuments(load(oldFile), load(newFile));
  const out =
    opts.format === 'json' ? `${JSON.stringify(drift, null, 2)}\n` : opts.format === 'markdown' ? renderDriftMarkdown(drift) : renderDriftText(drift);
  process.stdout.write(out);
  return drift.newBlocking.length ? EXIT.gateFailed : EXIT.ok;
}
