/**
 * Artifact facts: what `mlready lint` makes of Dockerfiles, compose files and Kubernetes manifests, and
 * what rules with `appliesTo: artifact` see as `artifact` (one object) and `artifacts` (all of them, for
 * checks across objects such as "a Service whose selector matches no pod template").
 *
 * Every artifact carries `file` and `line` (1-based) for findings. Values are plain JSON.
 */

export interface DockerInstruction {
  keyword: string;
  /** The instruction's text after the keyword, continuation lines joined. */
  args: string;
  line: number;
  stage: number;
  /** Flags such as --from=builder, --mount=type=cache (name → value; "" for a bare flag). */
  flags: Record<string, string>;
  /** CMD, ENTRYPOINT, RUN, SHELL, HEALTHCHECK CMD in JSON (exec) form. */
  execForm?: boolean;
  /** ENV/ARG/LABEL properties. */
  properties?: { name: string; value?: string }[];
}

export interface DockerStage {
  index: number;
  name?: string;
  /** The base image as written, with ARG defaults declared before the first FROM substituted. */
  image: string;
  /** Repository part (registry/name), tag and digest; `scratch` and earlier stages are `internal`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** FROM names an earlier stage (or scratch). */
  internal: boolean;
  line: number;
  user?: string;
  instructions: DockerInstruction[];
}

export interface DockerfileArtifact {
  type: 'dockerfile';
  file: string;
  line: number;
  /** A .dockerignore exists in the Dockerfile's directory (the usual build context). */
  dockerignore: boolean;
  directives: Record<string, string>;
  stages: DockerStage[];
  final: {
    index: number;
    image: string;
    repository: string;
    tag?: string;
    digest?: string;
    /** The last USER of the final stage (absent: root). */
    user?: string;
    userLine?: number;
    healthcheck: boolean;
    healthcheckLine?: number;
    entrypoint?: DockerInstruction;
    cmd?: DockerInstruction;
    exposes: string[];
    /** The image serves requests: EXPOSE, HEALTHCHECK, or a known serving command. */
    serving: boolean;
  };
  instructions: DockerInstruction[];
}

export interface ComposeServiceArtifact {
  type: 'compose-service';
  file: string;
  line: number;
  name: string;
  /** The service as written (after YAML parsing; `${VAR}` is left as written). */
  service: Record<string, unknown>;
  /** The compose file's top level minus services (volumes, networks, x-…). */
  project: { name?: string; services: string[]; volumes: string[] };
  /** Lines of the service's keys (e.g. lines.deploy). */
  lines: Record<string, number>;
}

export interface PodTemplate {
  labels: Record<string, string>;
  spec: Record<string, unknown>;
  /** Lines of the pod spec and its containers, by JSON pointer-like path (e.g. "containers/0"). */
}

export interface KubernetesArtifact {
  type: 'k8s';
  file: string;
  line: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The object as written. */
  object: Record<string, unknown>;
  /** The pod template of workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod…). */
  pod?: PodTemplate;
  /** Lines of notable paths in the object ("spec.template.spec.containers.0.resources"). */
  lines: Record<string, number>;
}

/** A file that could not be parsed: rules report it with its line. */
export interface InvalidArtifact {
  type: 'invalid';
  file: string;
  line: number;
  format: 'dockerfile' | 'yaml';
  error: string;
}

export type Artifact = DockerfileArtifact | ComposeServiceArtifact | KubernetesArtifact | InvalidArtifact;

/** What lint read, and what it left out (binary files, unknown YAML kinds) with why. */
export interface LintInput {
  artifacts: Artifact[];
  files: string[];
  skipped: { file: string; reason: string }[];
}
