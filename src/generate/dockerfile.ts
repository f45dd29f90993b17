/** Dockerfile and .dockerignore from the model. */
import { APP_DIR, APP_HOME, ENTRYPOINT_PATH, VENV, type ModelStage, type WorkflowModel } from '../workflow/model.js';
import { readTemplateFile, renderTemplate, shellQuote } from './templates.js';

/** The exec-form health check of a service stage: Python's urllib, nothing the base may lack. */
export function healthcheckCommand(stage: ModelStage): string[] {
  const target = stage.healthPath
    ? `import urllib.parse, urllib.request; urllib.request.urlopen('http://127.0.0.1:${stage.port}' + urllib.parse.quote(${JSON.stringify(stage.healthPath)}, safe="/?&=%:@!$'()*+,;~-._"), timeout=4)`
    : `import socket; socket.create_connection(('127.0.0.1', ${stage.port}), timeout=4).close()`;
  // While the supervisor waits for ordering markers the stage is not started yet: report healthy so
  // Swarm does not restart it in a loop.
  return [`${VENV}/bin/python`, '-c', `import os, sys; os.path.exists('/tmp/mlready-waiting') and sys.exit(0); ${target}`];
}

export const ENTRYPOINT = [`${VENV}/bin/python`, ENTRYPOINT_PATH, '--'];

export function renderDockerfile(model: WorkflowModel): string {
  const baseReason = model.decisions.find((d) => d.topic === 'base-image')?.reason ?? '';
  return renderTemplate('Dockerfile.hbs', {
    buildkit: model.build.buildkit,
    baseImage: model.build.baseImage,
    baseReason: baseReason.replace(/[\r\n]+/g, ' '),
    installPython: model.build.installPython,
    venv: VENV,
    home: APP_HOME,
    appDir: APP_DIR,
    uid: model.build.uid,
    requirements: model.build.requirements ?? false,
    labels: model.build.labels,
    ownedPaths: model.build.ownedPaths.map(shellQuote).join(' '),
    entrypointPath: ENTRYPOINT_PATH,
    entrypointBase64: Buffer.from(readTemplateFile('entrypoint.py')).toString('base64'),
    entrypoint: ENTRYPOINT,
    stages: model.stages.map((s) => ({
      name: s.name,
      type: s.type,
      target: s.target,
      port: s.port ?? false,
      startPeriodSeconds: s.startPeriodSeconds,
      healthcheck: s.port !== undefined ? healthcheckCommand(s) : [],
      command: s.command,
    })),
  });
}

export function renderDockerignore(): string {
  return renderTemplate('dockerignore.hbs', {});
}
