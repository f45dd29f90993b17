/**
 * Add-ons (`mlready scaffold --with monitoring,logging,alerting,ingress`): what the workflow lives next
 * to in an enterprise. Each add-on is one module with two halves, like the rest of scaffold:
 *
 * - `plan`: called by the planner with the model being built and the facts; decides once what the
 *   add-on will do (ServiceMonitor or scrape annotations? cert-manager Certificate?) and records each
 *   choice with `decide(topic, choice, reason)` so SCAFFOLD.md explains it. Returns plain data, kept in
 *   `model.addons[name]`.
 * - `render`: called by the generator with the model, that plan, and the documents being built; adds
 *   files (`files`), compose services and profiles (`compose`), Kubernetes objects (`k8s`: new files are
 *   added to the kustomize base's resources automatically). Renders data, never strings of YAML.
 */
import type { Facts } from '../../facts/schema.js';
import type { WorkflowDoc } from '../../workflow/schema.js';
import type { WorkflowModel } from '../../workflow/model.js';

export type Obj = Record<string, unknown>;

export interface AddonPlanInput {
  model: WorkflowModel;
  facts?: Facts;
  spec: WorkflowDoc;
  decide(topic: string, choice: string, reason: string): void;
  warn(message: string): void;
}

/** A file an add-on writes (relative to the output directory, POSIX separators). */
export interface AddonFile {
  path: string;
  /** Text, or a document rendered as YAML (`yaml`) or JSON (`json`). */
  body: string | { yaml: Obj | Obj[] } | { json: unknown };
  /** How the mlready header is written: as a comment (`hash`), in HTML comment form, or not at all (JSON). */
  comment: 'hash' | 'html' | 'none';
  what: string;
}

export interface AddonRenderInput {
  model: WorkflowModel;
  plan: Record<string, unknown>;
  /** The compose document (compose.yaml), when compose is emitted. */
  compose?: Obj;
  /** The swarm stack (docker-stack.yml), when swarm is emitted. */
  stack?: Obj;
  /** Kubernetes files of the kustomize base (k8s/base/*.yaml), when k8s is emitted. */
  k8s?: { path: string; docs: Obj[] }[];
  files: AddonFile[];
}

export interface Addon {
  plan(input: AddonPlanInput): Record<string, unknown>;
  render(input: AddonRenderInput): void;
}
