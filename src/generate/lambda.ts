/**
 * AWS Lambda container images (`scaffold --emit lambda`): for each CPU service stage a Dockerfile on AWS's
 * Lambda Python base image (which carries the runtime interface client) and one shared handler adapter,
 * templates/lambda/mlready_lambda.py, that starts the stage's own server in the container and proxies API
 * Gateway, ALB and function-URL events to it over loopback HTTP. Nothing about the stage's code changes.
 *
 * The Dockerfiles sit next to the generated .dockerignore (Dockerfile.lambda-<stage>), so the build context
 * is filtered exactly as for the other images.
 */
import type { ModelLambda, WorkflowModel } from '../workflow/model.js';
import { APP_UID } from '../workflow/model.js';
import { asciiJson, readTemplateFile, renderTemplate } from './templates.js';

export const LAMBDA_BASE = 'public.ecr.aws/lambda/python';
export const LAMBDA_ADAPTER = 'lambda/mlready_lambda.py';
/** Python versions AWS publishes Lambda base images for. */
const LAMBDA_PYTHONS = ['3.9', '3.10', '3.11', '3.12', '3.13'];

/** The Lambda Python image tag for the spec's Python. */
export function lambdaPython(python: string): { tag: string; note?: string } {
  if (LAMBDA_PYTHONS.includes(python)) return { tag: python };
  return { tag: '3.11', note: `AWS publishes no Lambda image for Python ${python}: Python 3.11 instead` };
}

export function renderLambdaDockerfile(model: WorkflowModel, l: ModelLambda): string {
  const stage = model.stages.find((s) => s.name === l.stage)!;
  const env: Record<string, string> = Object.fromEntries(stage.env);
  for (const d of model.dataSources.filter((x) => stage.dataSources.includes(x.name))) env[d.urlEnv] = d.url;
  return renderTemplate('lambda/Dockerfile.hbs', {
    stage: l.stage,
    image: l.image,
    baseImage: l.baseImage,
    python: l.python,
    adapterPath: l.adapterPath,
    adapter: l.adapter,
    dockerfile: l.dockerfile,
    context: model.build.context,
    contextNote: 'the output directory',
    port: stage.port,
    probePath: (stage.healthPath ?? '/').replace(/[^A-Za-z0-9/._~-]/g, ''),
    commandText: stage.command.join(' ').replace(/[\r\n]+/g, ' '),
    commandJson: asciiJson(stage.command),
    healthPath: stage.healthPath ?? '',
    startSeconds: l.startSeconds,
    envJson: Object.keys(env).length ? asciiJson(env) : '',
    memoryMiB: l.memoryMiB,
    timeoutSeconds: l.timeoutSeconds,
    architecture: l.platform === 'linux/arm64' ? 'arm64' : 'x86_64',
    requirements: model.build.requirements ?? false,
    uid: APP_UID,
    labels: [
      ...model.build.labels.filter(([k]) => k !== 'org.opencontainers.image.base.name' && k !== 'dev.mlready.cuda' && k !== 'dev.mlready.accelerator'),
      ['org.opencontainers.image.base.name', l.baseImage],
      ['dev.mlready.stage', l.stage],
      ['dev.mlready.lambda.memory-mib', String(l.memoryMiB)],
    ],
  });
}

export function renderLambdaAdapter(): string {
  return readTemplateFile('lambda/mlready_lambda.py');
}
