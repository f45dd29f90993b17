/**
 * The workflow spec (`mlready.yaml`): types and schemas/workflow.schema.json from one source.
 * Later work may add optional fields only.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../rules/schema.js';

export const WORKFLOW_API_VERSION = 'mlready.dev/v1alpha1';

/** RFC 1123 label, as Kubernetes names namespaces, services and most objects. */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** A Kubernetes quantity (see src/util/quantity.ts). */
export const QUANTITY = '^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$';
/** An environment variable name. */
const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

const Label = (description: string) => Type.String({ pattern: DNS1123_LABEL, description });
const Quantity = (description: string) =>
  Type.Union([Type.String({ pattern: QUANTITY }), Type.Number({ minimum: 0 })], { description });

export const Framework = StringEnum(['sklearn', 'pytorch', 'tensorflow', 'xgboost', 'huggingface', 'none']);

export const Volume = Type.Object(
  {
    name: Label('Volume name (DNS-1123 label)'),
    mountPath: Type.String({ pattern: '^/', description: 'Absolute path inside the containers' }),
    size: Quantity('Requested size, e.g. 10Gi'),
    shared: Type.Optional(Type.Boolean({ description: 'Used by several stages or pods at once (ReadWriteMany on Kubernetes)' })),
    storageClass: Type.Optional(Type.String({ description: 'Kubernetes StorageClass (default: chosen from the facts)' })),
  },
  { additionalProperties: false },
);

export const Stage = Type.Object(
  {
    name: Label('Stage name (DNS-1123 label)'),
    type: StringEnum(['batch', 'service'], { description: 'batch runs to completion; service is long-running' }),
    needs: Type.Optional(Type.Array(Type.String(), { description: 'Stages that must complete (batch) or be healthy (service) first' })),
    command: Type.Array(Type.String(), { minItems: 1, description: 'Exec-form command' }),
    env: Type.Optional(Type.Record(Type.String({ pattern: ENV_NAME }), Type.String(), { description: 'Environment variables (not secret)' })),
    secrets: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Label('Kubernetes Secret name'),
            keys: Type.Array(Type.String({ pattern: ENV_NAME }), { minItems: 1, description: 'Keys exposed as environment variables' }),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    volumes: Type.Optional(Type.Array(Type.String(), { description: 'Names of spec.volumes mounted in this stage' })),
    resources: Type.Optional(
      Type.Object(
        {
          cpu: Type.Optional(Quantity('CPU request, e.g. "4" or "500m"')),
          memory: Type.Optional(Quantity('Memory request, e.g. 16Gi')),
          gpu: Type.Optional(Type.Integer({ minimum: 0, description: 'Whole GPUs per pod' })),
          gpuVendor: Type.Optional(StringEnum(['nvidia', 'amd'])),
        },
        { additionalProperties: false },
      ),
    ),
    replicas: Type.Optional(Type.Integer({ minimum: 1, description: 'Pods; > 1 with pytorch batch stages: distributed training' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Port a service stage listens on' })),
    healthPath: Type.Optional(Type.String({ pattern: '^/', description: 'HTTP path of the health check (service stages)' })),
    autoscale: Type.Optional(
      Type.Object(
        {
          min: Type.Integer({ minimum: 1 }),
          max: Type.Integer({ minimum: 1 }),
          targetCPUUtilization: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    metrics: Type.Optional(
      Type.Object(
        {
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Port of the metrics endpoint (default: the stage port)' })),
          path: Type.Optional(Type.String({ pattern: '^/', description: 'Path of the Prometheus metrics endpoint (default /metrics)' })),
        },
        { additionalProperties: false, description: 'Prometheus metrics of a service stage (scaffold --with monitoring)' },
      ),
    ),
    serving: Type.Optional(
      StringEnum(['deployment', 'knative'], { description: 'How a service stage runs on Kubernetes: a Deployment (default) or a Knative Service' }),
    ),
    dataSources: Type.Optional(Type.Array(Type.String(), { description: 'Names of spec.dataSources this stage uses (default: all)' })),
  },
  { additionalProperties: false },
);

export const DataSource = Type.Object(
  {
    name: Label('Data source name (DNS-1123 label)'),
    url: Type.String({
      pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*://',
      description: 's3://bucket/prefix, gs://…, postgres://host:5432/db, https://…; credentials do not belong here',
    }),
    credentialsSecret: Type.Optional(Label('Kubernetes Secret (and compose secret) holding the credentials')),
  },
  { additionalProperties: false },
);

export const Workflow = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    apiVersion: Type.Literal(WORKFLOW_API_VERSION),
    kind: Type.Literal('Workflow'),
    metadata: Type.Object(
      {
        name: Label('Workflow name (DNS-1123 label)'),
        namespace: Type.Optional(Label('Kubernetes namespace (default: metadata.name)')),
        labels: Type.Optional(Type.Record(Type.String(), Type.String())),
      },
      { additionalProperties: false },
    ),
    spec: Type.Object(
      {
        framework: Framework,
        frameworkVersion: Type.Optional(Type.String({ pattern: '^[0-9]+(\\.[0-9]+){0,2}$' })),
        python: Type.String({ pattern: '^3\\.[0-9]+$', description: 'Python version, e.g. "3.11"' }),
        requirements: Type.Optional(Type.String({ description: 'requirements.txt, relative to this file' })),
        source: Type.Optional(Type.String({ description: 'Build context, relative to this file (default ".")' })),
        image: Type.Optional(
          Type.Object(
            {
              registry: Type.Optional(Type.String()),
              tag: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$' })),
              base: Type.Optional(Type.String({ description: 'Override of the chosen base image' })),
            },
            { additionalProperties: false },
          ),
        ),
        volumes: Type.Optional(Type.Array(Volume)),
        dataSources: Type.Optional(Type.Array(DataSource, { description: 'Databases, warehouses and object stores the stages read' })),
        stages: Type.Array(Stage, { minItems: 1 }),
      },
      { additionalProperties: false },
    ),
  },
  {
    $id: 'https://mlready.dev/schemas/workflow.schema.json',
    title: 'mlready workflow spec (mlready.yaml)',
    additionalProperties: false,
  },
);

export type WorkflowDoc = Static<typeof Workflow>;
export type StageDoc = Static<typeof Stage>;
export type VolumeDoc = Static<typeof Volume>;
export type DataSourceDoc = Static<typeof DataSource>;
