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
  /** The index of the earlier stage this one is built FROM (absent for an external image or scratch). */
  base?: number;
  /** The external image at the root of the stage's FROM chain (`scratch` for scratch). */
  baseImage: string;
  /** The stage's filesystem ends up in the final image: the final stage and the stages it is built FROM. */
  inFinalImage: boolean;
  line: number;
  user?: string;
  /** The USER in effect at the end of the stage, following FROM <stage> chains (absent: none set, the base image's). */
  effectiveUser?: string;
  effectiveUserLine?: number;
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
    /** The USER in effect, following FROM <stage> chains (absent: none set in this Dockerfile). */
    effectiveUser?: string;
    effectiveUserLine?: number;
    /** The external image at the root of the final stage's FROM chain. */
    baseImage: string;
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

export interface PodContainer {
  /** Where it is declared: `containers` or `initContainers`. */
  group: 'containers' | 'initContainers';
  index: number;
  name: string;
  /** The image as written ('' when absent). */
  image: string;
  /** Line of the container's list item. */
  line: number;
  /** Lines of the container's keys (image, ports, resources, securityContext, readinessProbe, env, …). */
  lines: Record<string, number>;
  /** The container as written. */
  spec: Record<string, unknown>;
}

export interface PodTemplate {
  labels: Record<string, string>;
  spec: Record<string, unknown>;
  /** Regular containers, then init containers, with their lines (rules iterate these to locate a finding). */
  containers: PodContainer[];
  /** Line of the pod spec. */
  line: number;
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
  /**
   * Lines of notable paths in the object, by dotted path: "metadata", "spec", every key of `spec` ("spec.backoffLimit"),
   * of a CronJob's job spec ("spec.jobTemplate.spec.backoffLimit"), and of the pod template ("pod.spec", "pod.spec.volumes",
   * "pod.spec.volumes.0", "pod.spec.containers.0", "pod.spec.containers.0.resources"). A key's line is the line of the key.
   */
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
