/** How to reach a Kubernetes cluster: the CLI's --kubeconfig, --context and --namespace, and the spec. */
export interface KubernetesOptions {
  /** --kubeconfig FILE (else KUBECONFIG, else ~/.kube/config, else the in-cluster service account). */
  kubeconfig?: string;
  /** --context NAME (else the kubeconfig's current-context). */
  context?: string;
  /** --namespace NS: the namespace workloads will run in. */
  namespace?: string;
  /** The workflow spec's namespace, used when --namespace is not given. */
  specNamespace?: string;
  /** Print request-level diagnostics to stderr (--debug); never secrets. */
  debug?: boolean;
}
