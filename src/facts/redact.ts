import type { Facts } from './schema.js';
export function redactFacts(facts: Facts): Facts { return { ...facts, redacted: true }; }
