/**
 * `--with ingress`: HTTPS for the service stages on Kubernetes.
 *
 * One Ingress per service stage (`k8s/base/ingress.yaml`), host `<stage>.<workflow>.example.com` (a
 * placeholder: override it in an overlay), TLS with one Secret per host. The IngressClass is the
 * cluster's default from the facts (or its only class); cert-manager, when the facts show it, issues the
 * certificates through a Certificate (cert-manager.io/v1) per host; otherwise SCAFFOLD.md says which
 * Secrets to provide. The stages' NetworkPolicies already admit their port from any namespace, so the
 * controller reaches them wherever it runs.
 */
import type { Facts } from '../../facts/schema.js';
import type { KubernetesFacts } from '../../facts/cluster-schema.js';
import { k8sMeta, k8sName } from '../kubernetes.js';
import type { Addon, Obj } from './types.js';

export const HOST_DOMAIN = 'example.com';
/** The issuer the Certificates name: the facts do not list issuers, so a conventional name to override. */
export const DEFAULT_ISSUER = { name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' } as const;

export interface IngressRoute {
  stage: string;
  host: string;
  service: string;
  secretName: string;
  name: string;
}

export interface IngressPlan {
  [key: string]: unknown;
  routes: IngressRoute[];
  /** spec.ingressClassName; absent: the cluster's default class applies. */
  className?: string;
  certManager: boolean;
  issuer: { name: string; kind: string; group: string };
}

type Networking = Extract<NonNullable<KubernetesFacts['networking']>, { status: 'ok' }>;

function clusterOf(facts: Facts | undefined): { k8s?: KubernetesFacts; networking?: Networking; certManager?: boolean; why: string } {
  if (!facts?.targets.includes('k8s')) return { why: 'the cluster was not probed' };
  const k8s = facts.cluster.kubernetes;
  if (k8s.status !== 'available') return { k8s, why: `the cluster could not be read (${k8s.reason ?? k8s.status})` };
  const networking = k8s.networking?.status === 'ok' ? (k8s.networking as Networking) : undefined;
  const addons = k8s.addons?.status === 'ok' ? k8s.addons : undefined;
  return {
    k8s,
    ...(networking ? { networking } : {}),
    ...(addons ? { certManager: addons.certManager } : {}),
    why: 'facts',
  };
}

export const ingress: Addon = {
  plan({ model, facts, decide, warn }) {
    const services = model.stages.filter((s) => s.type === 'service' && s.port !== undefined);
    const cluster = clusterOf(facts);
    const routes: IngressRoute[] = services.map((s) => ({
      stage: s.name,
      host: `${s.name}.${model.name}.${HOST_DOMAIN}`,
      service: k8sName([model.name, s.name]),
      secretName: k8sName([model.name, s.name, 'tls'], 253),
      name: k8sName([model.name, s.name], 253),
    }));
    const plan: IngressPlan = { routes, certManager: cluster.certManager === true, issuer: { ...DEFAULT_ISSUER } };
    if (!model.emit.includes('k8s')) {
      decide('ingress', 'nothing generated', 'Ingress objects are Kubernetes output: add k8s to --emit');
      return plan;
    }
    if (!routes.length) {
      decide('ingress', 'no Ingress', 'no service stage listens on a port');
      return plan;
    }
    decide(
      'ingress.hosts',
      routes.map((r) => r.host).join(', '),
      `placeholders <stage>.<workflow>.${HOST_DOMAIN}: set your domain with a patch in an overlay (spec.rules[0].host, spec.tls[0].hosts${plan.certManager ? ', and the Certificate\'s dnsNames' : ''})`,
    );

    // The IngressClass.
    const classes = cluster.networking?.ingressClasses;
    if (classes) {
      const defaults = classes.filter((c) => c.default);
      if (defaults.length === 1) {
        plan.className = defaults[0]!.name;
        decide('ingress.class', plan.className, `the cluster's default IngressClass (controller ${defaults[0]!.controller}), named explicitly so the manifests do not change meaning if the default does`);
      } else if (!defaults.length && classes.length === 1) {
        plan.className = classes[0]!.name;
        decide('ingress.class', plan.className, `the cluster's only IngressClass (controller ${classes[0]!.controller}); none is marked default`);
      } else if (!classes.length) {
        decide('ingress.class', 'none set', 'the facts show no IngressClass: the Ingresses wait for a controller to be installed');
        warn('ingress: the cluster has no IngressClass (facts): install an ingress controller (ingress-nginx, Traefik, a cloud load balancer controller) before the Ingresses serve anything');
      } else {
        decide('ingress.class', 'none set', `the cluster has ${classes.length} IngressClasses and ${defaults.length ? 'several' : 'none'} marked default (${classes.map((c) => c.name).join(', ')}): set spec.ingressClassName in an overlay`);
        warn(`ingress: choose the IngressClass: the cluster has ${classes.map((c) => c.name).join(', ')} and ${defaults.length ? 'more than one' : 'no'} default`);
      }
    } else {
      decide('ingress.class', 'none set (the cluster default)', `${cluster.why === 'facts' ? 'the cluster\'s IngressClasses could not be read' : cluster.why}: the default IngressClass admits Ingresses without a class`);
    }

    // Certificates.
    if (plan.certManager) {
      decide(
        'ingress.tls',
        `cert-manager Certificate per host (issuer ${plan.issuer.kind} ${plan.issuer.name}), Secrets ${routes.map((r) => r.secretName).join(', ')}`,
        `the facts show cert-manager: it keeps each TLS Secret issued and renewed; the facts do not name issuers, so point issuerRef at yours (kubectl get clusterissuers) with a patch`,
      );
    } else {
      decide(
        'ingress.tls',
        `TLS Secrets ${routes.map((r) => r.secretName).join(', ')}, provided by you`,
        cluster.certManager === false ? 'the facts show no cert-manager: nothing in the cluster issues certificates' : `${cluster.why === 'facts' ? 'the cluster\'s add-ons could not be read' : cluster.why}: cert-manager is not known to run`,
      );
      warn(
        `ingress: create the TLS Secrets before the Ingresses serve HTTPS: ${routes
          .map((r) => `kubectl -n ${model.namespace} create secret tls ${r.secretName} --cert=${r.host}.crt --key=${r.host}.key`)
          .join('; ')} (or install cert-manager and scaffold again)`,
      );
    }
    decide(
      'ingress.network',
      'the stages\' NetworkPolicies already admit their ports from any namespace',
      'the facts do not say which namespace the ingress controller runs in, so no namespaceSelector narrows it; to restrict, add `from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: <controller namespace>}}}]` to the <stage>-ingress policies in an overlay',
    );
    if (model.emit.includes('compose')) {
      decide('ingress.compose', 'ports stay on 127.0.0.1', 'compose publishes service stages on loopback only: TLS belongs to a reverse proxy in front of them');
    }
    return plan;
  },

  render({ model, plan: raw, k8s }) {
    const plan = raw as IngressPlan;
    if (!k8s || !plan.routes.length) return;
    const meta = (name: string, component: string): Obj => k8sMeta(model, name, component);
    const docs: Obj[] = [];
    for (const r of plan.routes) {
      docs.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: meta(r.name, r.stage),
        spec: {
          ...(plan.className ? { ingressClassName: plan.className } : {}),
          tls: [{ hosts: [r.host], secretName: r.secretName }],
          rules: [
            {
              host: r.host,
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: r.service, port: { name: 'http' } } } }] },
            },
          ],
        },
      });
      if (plan.certManager) {
        docs.push({
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          metadata: meta(r.name, r.stage),
          spec: {
            secretName: r.secretName,
            dnsNames: [r.host],
            issuerRef: { ...plan.issuer },
            privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
          },
        });
      }
    }
    k8s.push({ path: 'k8s/base/ingress.yaml', docs });
  },
};
