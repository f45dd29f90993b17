/**
 * Turns a failed call to the engine into a status and a one-line reason a user can act on.
 * Pure: no I/O, unit-tested without an engine.
 */
import { describeMs } from '../../util/exec.js';
import type { Transport } from './endpoint.js';

export type Failure = { status: 'unavailable' | 'unknown'; reason: string };

/** Thrown (as a value, never to the user) when the probe's own deadline passes. */
export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${describeMs(ms)}`);
  }
}

export const PERMISSION_HINT =
  'add your user to the "docker" group (sudo usermod -aG docker $USER, then log in again) or use rootless Docker';

/** How the engine's address is named in a reason. */
export function describeTarget(transport: Transport): string {
  switch (transport.kind) {
    case 'unix':
    case 'npipe':
      return transport.socketPath;
    case 'tcp':
      return `tcp://${transport.hostname.includes(':') ? `[${transport.hostname}]` : transport.hostname}:${transport.port}`;
    case 'ssh':
      return `ssh://${transport.hostname}:${transport.port}`;
  }
}

const oneLine = (text: string, max = 240): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

interface ErrorLike {
  code?: unknown;
  statusCode?: unknown;
  json?: unknown;
  message?: unknown;
  name?: unknown;
}

/** The engine's own words in an HTTP error answer (`{"message": "..."}`), else the text. */
function httpCause(e: ErrorLike): string {
  const json = e.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message;
  }
  if (typeof json === 'string') return json;
  if (Buffer.isBuffer(json)) return json.toString('utf8');
  const msg = typeof e.message === 'string' ? e.message : '';
  return msg.replace(/^\(HTTP code \d+\)\s*/, '');
}

/**
 * Status and reason for `error`, thrown by a request of `what` (e.g. "GET /info") to `transport`,
 * chosen by `source` ("DOCKER_HOST", "default socket"…).
 */
export function describeFailure(error: unknown, transport: Transport, source: string, what: string): Failure {
  const target = describeTarget(transport);
  if (error instanceof DeadlineError) {
    return { status: 'unknown', reason: `no answer from ${target} to ${what} within ${describeMs(error.ms)}: the engine is hung or this is not a Docker API socket` };
  }
  const e = (error ?? {}) as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const isSocket = transport.kind === 'unix' || transport.kind === 'npipe';
  if (typeof e.statusCode === 'number') {
    const cause = oneLine(httpCause(e), 160);
    return { status: 'unknown', reason: `${target} answered HTTP ${e.statusCode} to ${what}${cause ? `: ${cause}` : ''}` };
  }
  switch (code) {
    case 'ENOENT':
      return {
        status: 'unavailable',
        reason: isSocket
          ? `no Docker socket at ${target} (${source}): the engine is not running or listens elsewhere`
          : `${target} does not exist (${source})`,
      };
    case 'ECONNREFUSED':
      return {
        status: 'unavailable',
        reason: isSocket
          ? `connection refused on ${target} (${source}): no engine is listening on this socket`
          : `connection refused by ${target} (${source}): no engine is listening there`,
      };
    case 'EACCES':
    case 'EPERM':
      return { status: 'unavailable', reason: `permission denied on ${target}: ${PERMISSION_HINT}` };
    case 'ENOTSOCK':
      return { status: 'unavailable', reason: `${target} is not a socket (${source})` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { status: 'unavailable', reason: `cannot resolve the host of ${target} (${source})` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { status: 'unavailable', reason: `${target} is unreachable (${source})` };
    case 'ETIMEDOUT':
      return { status: 'unknown', reason: `connecting to ${target} timed out (${source})` };
    case 'ECONNRESET':
    case 'EPIPE':
      return { status: 'unknown', reason: `${target} closed the connection without answering ${what}` };
    case 'ABORT_ERR':
      return { status: 'unknown', reason: `the request to ${target} was cancelled: the probe's budget was spent` };
    default:
      break;
  }
  const message = oneLine(typeof e.message === 'string' ? e.message : String(error), 200) || 'unknown error';
  if (code && /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_OSSL)/.test(code)) {
    return { status: 'unknown', reason: `TLS with ${target} failed: ${message}` };
  }
  if (e.name === 'AbortError') {
    return { status: 'unknown', reason: `the request to ${target} was cancelled: the probe's budget was spent` };
  }
  return { status: 'unknown', reason: `could not query ${target} (${source}): ${message}` };
}
