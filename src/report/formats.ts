/**
 * Machine formats: JSON, SARIF 2.1.0, Markdown, and GitHub Actions annotations (JUnit XML is in junit.ts).
 */
import { TOOL_VERSION } from '../version.js';
import type { Report, ReportFinding } from './schema.js';


// ---------------------------------------------------------------- SARIF

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

export interface SarifOptions {
  /** The file environment findings point at (facts, spec or config file used); GitHub requires a location. */
  environmentUri: string;
}

export function renderSarif(report: Report, options: SarifOptions): string {
  const results = report.findings.filter((f) => f.outcome === 'fail' || f.outcome === 'unknown' || f.outcome === 'waived');
  const ruleIds = [...new Set(report.findings.map((f) => f.ruleId))].sort();
  const firstOf = new Map(report.findings.map((f) => [f.ruleId, f]));
  const rules = ruleIds.map((id) => {
    const f = firstOf.get(id)!;
    return {
      id,
      name: id.replace(/-/g, ''),
      shortDescription: { text: f.title },
      fullDescription: { text: f.rationale },
      help: {
        text: `${f.rationale}\n\nRemediation: ${f.remediation}`,
        markdown: `${f.rationale}\n\n**Remediation:** ${f.remediation}${f.references.length ? `\n\n${f.references.map((r) => `- ${r}`).join('\n')}` : ''}`,
      },
      ...(f.references[0]?.startsWith('http') ? { helpUri: f.references[0] } : {}),
      defaultConfiguration: { level: SARIF_LEVEL[f.severity] },
      properties: { category: f.category, tags: ['mlready', f.category] },
    };
  });
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mlready',
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            informationUri: 'https://github.com/mlready/mlready',
            rules,
          },
        },
        automationDetails: { id: `mlready/${report.kind}/${report.profile.name}/` },
        results: results.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId)!,
          level: f.outcome === 'unknown' ? 'note' : SARIF_LEVEL[f.severity],
          kind: f.outcome === 'unknown' ? 'review' : 'fail',
          message: { text: f.outcome === 'unknown' ? `Could not tell: ${f.reason ?? 'unknown'}` : (f.message ?? f.title) },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.location?.file ?? options.environmentUri },
                region: { startLine: f.location?.line ?? 1 },
              },
            },
          ],
          partialFingerprints: { mlreadyFinding: `${f.ruleId}:${f.location?.file ?? f.scope ?? ''}` },
          ...(f.outcome === 'waived' ? { suppressions: [{ kind: 'external', justification: f.waiver?.reason ?? f.reason ?? 'waived' }] } : {}),
          properties: { category: f.category, severity: f.severity, outcome: f.outcome },
        })),
        properties: { score: report.score, grade: report.grade, coverage: report.coverage, profile: report.profile.name },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

// ---------------------------------------------------------------- Markdown

const mdEscape = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderMarkdown(report: Report): string {
  const s = report.summary;
  const icon = report.gate.passed ? '✅' : '❌';
  const out: string[] = [];
  out.push(`## ${icon} mlready ${report.kind}: ${report.score === null ? 'n/a' : report.score.toFixed(1)} (${report.grade ?? '-'})`);
  out.push('');
  out.push(
    `Profile **${report.profile.name}** (${mdEscape(report.profile.why)}) · coverage ${report.coverage ?? 'n/a'}% · ` +
      `${s.pass} pass, ${s.fail} fail, ${s.unknown} unknown, ${s.waived} waived, ${s.skipped} skipped`,
  );
  out.push('');
  out.push(report.gate.passed ? '**Gate: passed**' : `**Gate: failed** — ${mdEscape(report.gate.reasons.join('; '))}`);
  out.push('', '| Category | Score | Pass | Fail | Unknown | Waived |', '|---|---:|---:|---:|---:|---:|');
  for (const c of report.categories.filter((x) => x.applicable > 0)) {
    out.push(`| ${c.name} | ${c.score === null ? 'n/a' : c.score.toFixed(0)} | ${c.pass} | ${c.fail} | ${c.unknown} | ${c.waived} |`);
  }
  const failing = report.findings.filter((f) => f.outcome === 'fail');
  if (failing.length) {
    out.push('', '### Findings', '', '| | Rule | Finding | Remediation |', '|---|---|---|---|');
    for (const f of failing) {
      const mark = f.severity === 'error' ? '🔴' : f.severity === 'warning' ? '🟡' : '🔵';
      const where = f.location ? ` (\`${f.location.file}${f.location.line ? `:${f.location.line}` : ''}\`)` : '';
      out.push(`| ${mark} | \`${f.ruleId}\` | ${mdEscape(f.message ?? f.title)}${where}${f.baseline ? ' *(baseline)*' : ''} | ${mdEscape(f.remediation)} |`);
    }
  }
  const unknown = report.findings.filter((f) => f.outcome === 'unknown');
  if (unknown.length) {
    out.push('', '<details><summary>Unknown: could not tell (' + unknown.length + ')</summary>', '');
    for (const f of unknown) out.push(`- \`${f.ruleId}\` ${mdEscape(f.title)}: ${mdEscape(f.reason ?? '')}`);
    out.push('', '</details>');
  }
  const waived = report.findings.filter((f) => f.outcome === 'waived');
  if (waived.length) {
    out.push('', '<details><summary>Waived (' + waived.length + ')</summary>', '');
    for (const f of waived) out.push(`- \`${f.ruleId}\` ${mdEscape(f.title)}: ${mdEscape(f.reason ?? '')}`);
    out.push('', '</details>');
  }
  if (report.waivers.expired.length) {
    out.push('', '**Expired waivers:** ' + report.waivers.expired.map((w) => `\`${w.rule}\` (${w.expires})`).join(', '));
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------- GitHub Actions

/** Workflow-command escaping (data and properties) as the Actions toolkit does it. */
const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const ghProp = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function renderGithubAnnotations(report: Report): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    if (f.outcome !== 'fail') continue;
    const command = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
    const props = [`title=${ghProp(`${f.ruleId} ${f.title}`)}`];
    if (f.location) {
      props.push(`file=${ghProp(f.location.file)}`);
      if (f.location.line) props.push(`line=${f.location.line}`);
    }
    lines.push(`::${command} ${props.join(',')}::${ghData(`${f.message ?? f.title} — ${f.remediation}`)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
