/**
 * A second, private dockerd for tests that need an engine configured differently from the shared
 * one (extra runtimes, its own daemon.json). It gets its own socket, data root, exec root, pidfile
 * and configuration file under one temporary directory, and `--bridge=none --iptables=false` so it
 * does not touch the host's networking or fight the first engine. `stop()` ends it with SIGTERM,
 * waits, and removes the directory; nothing (no stale pidfile, no containerd) is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export interface PrivateDockerd {
  dir: string;
  socket: string;
  /** unix://<socket>, for DOCKER_HOST */
  host: string;
  dataRoot: string;
  configFile: string;
  pid: number;
  stop(): Promise<void>;
}

export interface DockerdOptions {
  /** --add-runtime NAME=PATH */
  runtimes?: Record<string, string>;
  /** Written as the daemon's --config-file. */
  config?: object;
  /** How long to wait for the socket to answer /_ping. */
  startTimeoutMs?: number;
}

/** Finds an executable the way `command -v` does, without a shell. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin'])) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** GET /_ping on a unix socket: true on 200. */
export function pingSocket(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Processes whose command line mentions `needle` (the containerd a dockerd started, say). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

export async function startDockerd(options: DockerdOptions = {}): Promise<PrivateDockerd> {
  const dockerd = which('dockerd');
  if (!dockerd) throw new Error('dockerd is not installed');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const dataRoot = path.join(dir, 'data');
  const pidfile = path.join(dir, 'docker.pid');
  const configFile = path.join(dir, 'daemon.json');
  const logFile = path.join(dir, 'dockerd.log');
  writeFileSync(configFile, JSON.stringify(options.config ?? {}, null, 2));
  const args = [
    '--host', `unix://${socket}`,
    '--data-root', dataRoot,
    '--exec-root', path.join(dir, 'exec'),
    '--pidfile', pidfile,
    '--config-file', configFile,
    '--bridge=none',
    '--iptables=false',
    '--ip-masq=false',
    '--ip-forward=false',
  ];
  for (const [name, runtimePath] of Object.entries(options.runtimes ?? {})) args.push('--add-runtime', `${name}=${runtimePath}`);
  const log = openSync(logFile, 'a');
  // In its own network namespace: a dockerd started with --bridge=none deletes any docker0 it can see,
  // and docker0 belongs to the shared engine (builds and runs on the default bridge need it).
  const unshare = which('unshare');
  const child = unshare
    ? spawn(unshare, ['--net', dockerd, ...args], { stdio: ['ignore', log, log] })
    : spawn(dockerd, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const failed = (why: string) => {
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    return new Error(`second dockerd ${why}:\n${tail}`);
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await exited(child, 20000))) {
        child.kill('SIGKILL');
        await exited(child, 5000);
      }
    }
    // Its containerd normally goes with it; make sure.
    for (const pid of processesMentioning(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(pidfile, { force: true });
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const error = failed(`exited early (${child.exitCode ?? child.signalCode})`);
      await stop();
      throw error;
    }
    if (await pingSocket(socket, 500)) break;
    if (Date.now() > deadline) {
      const error = failed('did not answer /_ping in time');
      await stop();
      throw error;
    }
    await sleep(100);
  }
  return { dir, socket, host: `unix://${socket}`, dataRoot, configFile, pid: child.pid!, stop };
}
