/**
 * Talking to the engine, shared by the Docker and Swarm probes: a dockerode client with a private agent,
 * every connection option set explicitly (docker-modem kept from reading DOCKER_* out of `process.env`
 * by itself), inside a session bounded by the probe's deadline.
 */
import http from 'node:http';
import https from 'node:https';
import Docker from 'dockerode';
import { errorMessage, type ProbeContext } from '../context.js';
import { resolveEndpoint, type Endpoint, type Transport } from './endpoint.js';
import { DeadlineError } from './errors.js';

/**
 * A private agent per probe, destroyed on the way out. docker-modem runs `util.inspect` over the
 * request options (agent included) for its debug log even when that log is off: a one-line custom
 * inspection keeps that cheap, and keeps the TLS material, which lives only in this agent, out of
 * any `DEBUG=modem` output.
 */
function privateAgent<A extends http.Agent>(agent: A): A {
  Object.defineProperty(agent, Symbol.for('nodejs.util.inspect.custom'), { value: () => '[mlready docker agent]' });
  return agent;
}

/**
 * Options of a clear-text agent. `servername` only matters to TLS; setting it spares http.Agent
 * from computing one with net.isIP, whose first call compiles the IPv6 pattern (~5 ms at start-up).
 */
const PLAIN_AGENT: http.AgentOptions & { servername: string } = { keepAlive: false, servername: '' };

export function dockerOptions(transport: Transport, env: NodeJS.ProcessEnv, timeoutMs: number): { options: Record<string, unknown>; agent?: http.Agent } {
  // Every connection key is set explicitly: docker-modem fills unset ones from process.env.
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
      // The agent's options override the request's, so the TLS material and verification live here only.
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

/** What docker-modem's constructor reads from process.env on its own (and DOCKER_CERT_PATH's files, synchronously). */
const MODEM_ENV = ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CLIENT_TIMEOUT', 'DOCKER_PATH_PREFIX'] as const;

/**
 * Runs `make` with the variables docker-modem would read hidden from process.env, so that the engine
 * is the one resolved from `ctx.env` and nothing else. Synchronous: nothing else runs meanwhile, and
 * the variables are back before it returns.
 */
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
  const made = dockerOptions(transport, env, timeoutMs);
  const docker = shielded(() => new Docker(made.options as Docker.DockerOptions));
  return { docker, ...(made.agent ? { agent: made.agent } : {}) };
}

// ---------------------------------------------------------------- an engine session

/** The probe's own deadline: a little inside the budget, so its reason wins over the generic one. */
export function apiDeadlineMs(budgetMs: number): number {
  return Math.max(50, budgetMs - Math.min(250, Math.round(budgetMs / 10)));
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** What a probe does with the engine while its session lasts. */
export interface EngineSession {
  docker: Docker;
  endpoint: Endpoint;
  deadlineMs: number;
  /** Aborted at the deadline, when the outer probe is aborted, and when the session ends. */
  signal: AbortSignal;
  /** The promise's outcome, or a DeadlineError when the deadline comes first. */
  settle<T>(promise: Promise<T>): Promise<Settled<T>>;
}

/**
 * Resolves the engine the Docker probe would use, opens a client with a private agent and a deadline a
 * little inside the budget, runs `use`, and on the way out aborts whatever is in flight and destroys the
 * agent, so that no socket keeps the process alive. Endpoint and client errors go to `failed` as reasons.
 */
export async function withEngine<T>(
  ctx: ProbeContext,
  what: string,
  use: (session: EngineSession) => Promise<T>,
  failed: (reason: string, endpoint?: Endpoint['facts']) => T,
): Promise<T> {
  const resolved = await resolveEndpoint(ctx.env);
  if (!resolved.ok) return failed(resolved.reason, resolved.facts);
  const endpoint = resolved.endpoint;
  ctx.progress(`asking the Docker engine at ${endpoint.facts.host}${what}`);

  const deadlineMs = apiDeadlineMs(ctx.timeoutMs);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  if (ctx.signal.aborted) controller.abort();
  else ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DeadlineError>((resolve) => {
    timer = setTimeout(() => {
      resolve(new DeadlineError(deadlineMs));
      controller.abort();
    }, deadlineMs);
    timer.unref();
  });

  let agent: http.Agent | undefined;
  try {
    let docker: Docker;
    try {
      const made = dockerClient(endpoint.transport, ctx.env, deadlineMs);
      agent = made.agent;
      docker = made.docker;
    } catch (e) {
      // Without the file names it may carry (a key's path must not reach the facts).
      const message = errorMessage(e).replace(/'[^']*'/g, "'…'");
      return failed(`could not set up a Docker client for ${endpoint.facts.host}: ${message}`, endpoint.facts);
    }
    const settle = <V>(promise: Promise<V>): Promise<Settled<V>> =>
      Promise.race([
        promise.then(
          (value): Settled<V> => ({ ok: true, value }),
          (error: unknown): Settled<V> => ({ ok: false, error }),
        ),
        deadline.then((error): Settled<V> => ({ ok: false, error })),
      ]);
    return await use({ docker, endpoint, deadlineMs, signal: controller.signal, settle });
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onOuterAbort);
    controller.abort(); // anything still in flight (a hung /version) goes now
    agent?.destroy();
  }
}
