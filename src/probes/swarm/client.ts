/**
 * A dockerode client for an endpoint chosen by the Docker probe's `resolveEndpoint`, built the way
 * the Docker probe builds its own: a private agent destroyed by the caller, every connection option
 * set explicitly, and docker-modem kept from reading DOCKER_* out of `process.env` by itself.
 *
 * NOTE for maintainers: `src/probes/docker/index.ts` builds its client with the same three pieces
 * (`dockerOptions`, `privateAgent`, `shielded`) but does not export them. Once it does (or they move
 * to `src/probes/docker/client.ts`), this file should become a re-export.
 */
import http from 'node:http';
import https from 'node:https';
import Docker from 'dockerode';
import type { Transport } from '../docker/endpoint.js';

/** A private agent: one-line inspection keeps TLS material out of docker-modem's debug output. */
function privateAgent<A extends http.Agent>(agent: A): A {
  Object.defineProperty(agent, Symbol.for('nodejs.util.inspect.custom'), { value: () => '[mlready swarm agent]' });
  return agent;
}

const PLAIN_AGENT: http.AgentOptions & { servername: string } = { keepAlive: false, servername: '' };

function clientOptions(transport: Transport, env: NodeJS.ProcessEnv, timeoutMs: number): { options: Record<string, unknown>; agent?: http.Agent } {
  const none = { socketPath: undefined, host: undefined, port: undefined, ca: undefined, cert: undefined, key: undefined, username: undefined };
  switch (transport.kind) {
    case 'unix':
    case 'npipe': {
      const agent = privateAgent(new http.Agent(PLAIN_AGENT));
      return { options: { ...none, socketPath: transport.socketPath, protocol: 'http', timeout: timeoutMs, agent }, agent };
    }
    case 'tcp': {
      const host = transport.hostname.includes(':') ? `[${transport.hostname}]` : transport.hostname;
      if (!transport.tls) {
        const agent = privateAgent(new http.Agent(PLAIN_AGENT));
        return { options: { ...none, host, port: transport.port, protocol: 'http', pathPrefix: '/', timeout: timeoutMs, agent }, agent };
      }
      const { ca, cert, key, verify } = transport.tls;
      const agent = privateAgent(new https.Agent({ keepAlive: false, rejectUnauthorized: verify, ca, cert, key }));
      return { options: { ...none, host, port: transport.port, protocol: 'https', pathPrefix: '/', timeout: timeoutMs, agent }, agent };
    }
    case 'ssh':
      return {
        options: {
          ...none,
          host: transport.hostname,
          port: transport.port,
          protocol: 'ssh',
          username: transport.username,
          sshOptions: env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {},
          timeout: timeoutMs,
        },
      };
  }
}

const MODEM_ENV = ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CLIENT_TIMEOUT', 'DOCKER_PATH_PREFIX'] as const;

/** Runs `make` with the variables docker-modem would read hidden from process.env (synchronously). */
function shielded<T>(make: () => T): T {
  const saved: [string, string][] = [];
  for (const key of MODEM_ENV) {
    const value = process.env[key];
    if (value !== undefined) {
      saved.push([key, value]);
      delete process.env[key];
    }
  }
  try {
    return make();
  } finally {
    for (const [key, value] of saved) process.env[key] = value;
  }
}

/** A client for `transport`; the caller destroys `agent` when done. Throws when the options are unusable. */
export function dockerClient(transport: Transport, env: NodeJS.ProcessEnv, timeoutMs: number): { docker: Docker; agent?: http.Agent } {
  const made = clientOptions(transport, env, timeoutMs);
  const docker = shielded(() => new Docker(made.options as Docker.DockerOptions));
  return { docker, ...(made.agent ? { agent: made.agent } : {}) };
}
