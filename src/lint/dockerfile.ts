/**
 * Dockerfile → artifact facts, with `dockerfile-ast` (the parser of the Docker language server behind
 * VS Code's Docker extension): instructions with their lines, flags, exec/shell form, stages, the
 * final stage's user, healthcheck, entrypoint and exposed ports.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import type { DockerfileArtifact, DockerInstruction, DockerStage } from './model.js';

const EXEC_FORM_KEYWORDS = new Set(['CMD', 'ENTRYPOINT', 'RUN', 'SHELL']);
const SERVING_COMMAND = /\b(serve|server|uvicorn|gunicorn|hypercorn|torchserve|tritonserver|tensorflow_model_server|flask|fastapi|streamlit|bentoml|mlflow models serve|vllm|text-generation-launcher)\b/i;

function lineOf(i: Instruction): number {
  return i.getRange().start.line + 1;
}

function flagsOf(i: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  const getFlags = (i as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags;
  if (typeof getFlags !== 'function') return out;
  for (const f of getFlags.call(i)) out[f.getName()] = f.getValue() ?? '';
  return out;
}

function propertiesOf(i: Instruction): { name: string; value?: string }[] | undefined {
  const getProperties = (i as unknown as { getProperties?: () => { getName(): string; getValue(): string | null }[] }).getProperties;
  if (typeof getProperties !== 'function') return undefined;
  return getProperties.call(i).map((p) => {
    const value = p.getValue();
    return value === null ? { name: p.getName() } : { name: p.getName(), value };
  });
}

/** Splits "registry/name:tag@sha256:…" into repository, tag and digest. */
export function splitImage(image: string): { repository: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Substitutes ${VAR} and $VAR with the ARG defaults declared before the first FROM. */
function expand(text: string, args: Map<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    return args.get(name) ?? fallback ?? m;
  });
}

export function parseDockerfile(file: string, text: string, dockerignore: boolean): DockerfileArtifact {
  const df = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string>();
  const stages: DockerStage[] = [];
  const instructions: DockerInstruction[] = [];
  let stage = -1;

  for (const i of df.getInstructions()) {
    const keyword = i.getKeyword().toUpperCase();
    const line = lineOf(i);
    const args = i.getArgumentsContent() ?? '';
    if (keyword === 'FROM') {
      stage++;
      const from = i as unknown as { getImage(): string | null; getBuildStage(): string | null };
      const written = from.getImage() ?? args.split(/\s+/)[0] ?? '';
      const image = expand(written, globalArgs);
      const earlier = stages.find((s) => s.name !== undefined && s.name.toLowerCase() === image.toLowerCase());
      const internal = image.toLowerCase() === 'scratch' || earlier !== undefined;
      const parts = splitImage(image);
      const name = from.getBuildStage() ?? undefined;
      const baseImage = earlier ? earlier.baseImage : image;
      stages.push({
        index: stage,
        ...(name ? { name } : {}),
        image,
        ...parts,
        internal,
        ...(earlier ? { base: earlier.index } : {}),
        baseImage,
        inFinalImage: false,
        line,
        ...(earlier?.effectiveUser !== undefined ? { effectiveUser: earlier.effectiveUser, effectiveUserLine: earlier.effectiveUserLine! } : {}),
        instructions: [],
      });
    } else if (keyword === 'ARG' && stage < 0) {
      for (const p of propertiesOf(i) ?? []) if (p.value !== undefined) globalArgs.set(p.name, expand(p.value, globalArgs));
    }
    const trimmed = args.trim();
    const execForm = EXEC_FORM_KEYWORDS.has(keyword) || keyword === 'HEALTHCHECK' ? /^(CMD\s+)?\[/.test(trimmed) && trimmed.endsWith(']') : undefined;
    const properties = keyword === 'ENV' || keyword === 'ARG' || keyword === 'LABEL' ? propertiesOf(i) : undefined;
    const instruction: DockerInstruction = {
      keyword,
      args,
      line,
      stage: Math.max(stage, 0),
      flags: flagsOf(i),
      ...(execForm !== undefined ? { execForm } : {}),
      ...(properties ? { properties } : {}),
    };
    instructions.push(instruction);
    if (stage >= 0) {
      const current = stages[stage]!;
      current.instructions.push(instruction);
      if (keyword === 'USER') {
        current.user = trimmed;
        current.effectiveUser = trimmed;
        current.effectiveUserLine = line;
      }
    }
  }

  const last = stages[stages.length - 1];
  for (let s = last; s; s = s.base !== undefined ? stages[s.base] : undefined) s.inFinalImage = true;
  const finalInstructions = last?.instructions ?? [];
  const find = (kw: string) => [...finalInstructions].reverse().find((x) => x.keyword === kw);
  const user = [...finalInstructions].reverse().find((x) => x.keyword === 'USER');
  const healthcheck = find('HEALTHCHECK');
  const entrypoint = find('ENTRYPOINT');
  const cmd = find('CMD');
  const exposes = finalInstructions.filter((x) => x.keyword === 'EXPOSE').flatMap((x) => x.args.trim().split(/\s+/));
  const hasHealthcheck = healthcheck !== undefined && !/^NONE$/i.test(healthcheck.args.trim());
  const serving =
    exposes.length > 0 || hasHealthcheck || SERVING_COMMAND.test(`${entrypoint?.args ?? ''} ${cmd?.args ?? ''}`);
  return {
    type: 'dockerfile',
    file,
    line: 1,
    dockerignore,
    directives: Object.fromEntries(df.getDirectives().map((d) => [d.getName().toLowerCase(), d.getValue()])),
    stages,
    final: {
      index: last?.index ?? 0,
      image: last?.image ?? '',
      repository: last?.repository ?? '',
      ...(last?.tag ? { tag: last.tag } : {}),
      ...(last?.digest ? { digest: last.digest } : {}),
      ...(user ? { user: user.args.trim(), userLine: user.line } : {}),
      ...(last?.effectiveUser !== undefined ? { effectiveUser: last.effectiveUser, effectiveUserLine: last.effectiveUserLine! } : {}),
      baseImage: last?.baseImage ?? '',
      healthcheck: hasHealthcheck,
      ...(healthcheck ? { healthcheckLine: healthcheck.line } : {}),
      ...(entrypoint ? { entrypoint } : {}),
      ...(cmd ? { cmd } : {}),
      exposes,
      serving,
    },
    instructions,
  };
}
