/**
 * The one door to @kubernetes/client-node. It is imported dynamically (only when the k8s target
 * runs), and through this module, so that the bundler keeps only KubeConfig and what it needs
 * instead of the whole generated API.
 */
export { KubeConfig } from '@kubernetes/client-node';
