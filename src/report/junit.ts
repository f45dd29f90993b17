/**
 * JUnit XML: one testcase per applicable rule, failures as failures, unknown and waived as skipped.
 * Built with fast-xml-parser's builder (escaping done by the library, not by hand).
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Report, ReportFinding } from './schema.js';

export function renderJunit(report: Report): string {
  const applicable = report.findings.filter((f) => f.outcome !== 'skipped');
  const byCategory = new Map<string, ReportFinding[]>();
  for (const f of applicable) byCategory.set(f.category, [...(byCategory.get(f.category) ?? []), f]);
  const count = (list: ReportFinding[], pred: (f: ReportFinding) => boolean) => list.filter(pred).length;
  const isFailure = (f: ReportFinding) => f.outcome === 'fail';
  const isSkipped = (f: ReportFinding) => f.outcome === 'unknown' || f.outcome === 'waived';
  const testcase = (f: ReportFinding) => {
    const tc: Record<string, unknown> = {
      '@_classname': `mlready.${report.kind}.${f.category}`,
      '@_name': `${f.ruleId} ${f.title}${f.location ? ` (${f.location.file}${f.location.line ? `:${f.location.line}` : ''})` : ''}`,
      '@_time': '0',
    };
    if (f.outcome === 'fail') {
      tc.failure = {
        '@_message': f.message ?? f.title,
        '@_type': f.severity,
        '#text': `${f.message ?? f.title}\n\nSeverity: ${f.severity}\nRemediation: ${f.remediation}`,
      };
    } else if (f.outcome === 'unknown') {
      tc.skipped = { '@_message': `unknown: ${f.reason ?? 'could not tell'}` };
    } else if (f.outcome === 'waived') {
      tc.skipped = { '@_message': f.reason ?? 'waived' };
    }
    return tc;
  };
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': `mlready ${report.kind} (${report.profile.name})`,
      '@_tests': String(applicable.length),
      '@_failures': String(count(applicable, isFailure)),
      '@_errors': '0',
      '@_skipped': String(count(applicable, isSkipped)),
      '@_time': '0',
      testsuite: [...byCategory.entries()].map(([name, list]) => ({
        '@_name': name,
        '@_tests': String(list.length),
        '@_failures': String(count(list, isFailure)),
        '@_errors': '0',
        '@_skipped': String(count(list, isSkipped)),
        '@_time': '0',
        '@_timestamp': report.generatedAt.replace(/\.\d+Z$/, ''),
        testcase: list.map(testcase),
      })),
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true, processEntities: true });
  return `${builder.build(doc) as string}`;
}

