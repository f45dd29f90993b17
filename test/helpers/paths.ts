import path from 'node:path';
import { ROOT } from './cli.js';

/**
 * Real tool outputs (nvidia-smi, rocm-smi, Docker and Kubernetes API), copied byte for byte from the
 * shared corpus so the tests need nothing outside the repository; provenance and licences are in
 * test/fixtures/corpus/PROVENANCE.md.
 */
export const CORPUS = path.join(ROOT, 'test', 'fixtures', 'corpus');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
