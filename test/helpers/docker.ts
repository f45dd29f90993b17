/**
 * Docker tests use the real engine. Without one they are skipped locally, but under
 * MLREADY_REQUIRE_DOCKER=1 (set by .ci/run) they fail: CI must never pass by skipping them.
 */
import { existsSync } from 'node:fs';

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const dockerRequired = process.env.MLREADY_REQUIRE_DOCKER === '1';
export const dockerPresent = existsSync(DOCKER_SOCKET);

/** `describe` when the engine is there (or required), `describe.skip` otherwise. */
export const describeDocker: jest.Describe = dockerPresent || dockerRequired ? describe : describe.skip;

/** Call at the top of a Docker suite: fails with a clear message when the engine is required but absent. */
export function assertDockerForCi(): void {
  if (!dockerPresent && dockerRequired) {
    throw new Error(`MLREADY_REQUIRE_DOCKER=1 but ${DOCKER_SOCKET} does not exist: .ci/run must start dockerd`);
  }
}
