/** The benchmark's API server: the loopback server of the tests with a simulated cluster. */
import { startK8sServer, writeKubeconfig, type K8sServer } from '../../test/helpers/k8s-server.js';
import { simulatedCluster, type SimCluster } from '../../test/helpers/k8s-sim.js';

export async function startSimulatedServer(nodes: number, pods: number, dir: string): Promise<{ server: K8sServer; sim: SimCluster; kubeconfig: string }> {
  const sim = simulatedCluster({ nodes, pods, gpuNodes: Math.max(1, Math.floor(nodes / 20)) });
  const server = await startK8sServer({ resources: sim.resources, groups: sim.groups, version: sim.version, token: 'bench-token-0123456789' });
  const kubeconfig = writeKubeconfig(dir, { server: server.url, token: 'bench-token-0123456789', namespace: 'ml' });
  return { server, sim, kubeconfig };
}
