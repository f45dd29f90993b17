/**
 * A Knative Service (serving.knative.dev/v1) for a service stage with `serving: knative`: it replaces the
 * Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget of other service stages. The same
 * object shape is what Cloud Run reads (`gcloud run services replace`).
 *
 * Knative accepts a subset of the pod spec unless features are turned on in config-features: one serving
 * port (named http1 or h2c), probes on that port, container security contexts, emptyDir volumes. What this
 * writes beyond that (PVC volumes, init containers, GPU placement) is listed in SCAFFOLD.md
 * (`k8s.knative-features:<stage>`). Pod Security "restricted" is met at the container level: Knative rejects
 * a pod-level securityContext unless kubernetes.podspec-securitycontext is enabled.
 */
import type { ModelStage } from '../workflow/model.js';

type Obj = Record<string, unknown>;

/** Knative's queue-proxy ports: requests reach the pod there, not on the container port. */
export const QUEUE_PROXY_PORTS = [8012, 8013];

export interface KnativeInput {
  stage: ModelStage;
  metadata: Obj;
  podLabels: Obj;
  /** The annotations of the pod template besides autoscaling (the spec's non-label metadata). */
  podAnnotations: Obj;
  /** The serving container as built for a Deployment, and the init containers (waits), if any. */
  container: Obj;
  initContainers: Obj[];
  /** The pod spec as built for a Deployment (service account, volumes, GPU placement…). */
  podSpec: Obj;
  uid: number;
}

export function knativeService(input: KnativeInput): Obj {
  const s = input.stage;
  const [min, max] = s.autoscale ? [s.autoscale.min, s.autoscale.max] : [s.replicas, s.replicas];
  const port = s.port!;
  const c: Obj = { ...input.container };
  c.ports = [{ name: 'http1', containerPort: port, protocol: 'TCP' }];
  // Knative probes the serving container itself on its port; a probe may name only that port.
  const check = s.healthPath ? { httpGet: { path: s.healthPath, port } } : { tcpSocket: { port } };
  delete c.startupProbe;
  c.readinessProbe = { ...check, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
  c.livenessProbe = { ...check, initialDelaySeconds: s.startPeriodSeconds, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 };
  c.securityContext = {
    ...(c.securityContext as Obj),
    runAsNonRoot: true,
    runAsUser: input.uid,
    runAsGroup: input.uid,
  };
  const pod = input.podSpec;
  const spec: Obj = {
    serviceAccountName: pod.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...(pod.runtimeClassName ? { runtimeClassName: pod.runtimeClassName } : {}),
    ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
    ...(pod.tolerations ? { tolerations: pod.tolerations } : {}),
    ...(input.initContainers.length ? { initContainers: input.initContainers } : {}),
    containers: [c],
    volumes: pod.volumes,
  };
  const annotations: Obj = {
    ...input.podAnnotations,
    // The camel-case keys are the ones Cloud Run documents; Knative reads them as well as min-scale/max-scale.
    'autoscaling.knative.dev/minScale': String(min),
    'autoscaling.knative.dev/maxScale': String(max),
    // Model loading can outlast Knative's default 600 s progress deadline for a new revision.
    ...(s.startPeriodSeconds + 60 > 600 ? { 'serving.knative.dev/progress-deadline': `${s.startPeriodSeconds + 60}s` } : {}),
  };
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: input.metadata,
    spec: {
      template: {
        metadata: { labels: input.podLabels, annotations },
        spec,
      },
    },
  };
}
