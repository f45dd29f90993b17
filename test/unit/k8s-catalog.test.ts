/** The tables: storage classes and ReadWriteMany, CNI and NetworkPolicy, add-ons and log shippers. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS } from '../helpers/paths.js';
import { addonsFromCrds, logShippers } from '../../src/probes/kubernetes/addons.js';
import { detectCni } from '../../src/probes/kubernetes/networking.js';
import { isDefaultStorageClass, provisionerReadWriteMany, storageClassFacts, type StorageClassLike } from '../../src/probes/kubernetes/storage.js';

describe('ReadWriteMany by provisioner', () => {
  test.each([
    ['efs.csi.aws.com', true],
    ['filestore.csi.storage.gke.io', true],
    ['file.csi.azure.com', true],
    ['kubernetes.io/azure-file', true],
    ['nfs.csi.k8s.io', true],
    ['k8s-sigs.io/nfs-subdir-external-provisioner', true],
    ['cluster.local/nfs-subdir-external-provisioner', true],
    ['example.com/nfs', true],
    ['cephfs.csi.ceph.com', true],
    ['rook-ceph.cephfs.csi.ceph.com', true],
    ['kubernetes.io/glusterfs', true],
    ['driver.longhorn.io', true],
    ['ebs.csi.aws.com', false],
    ['kubernetes.io/aws-ebs', false],
    ['pd.csi.storage.gke.io', false],
    ['disk.csi.azure.com', false],
    ['rancher.io/local-path', false],
    ['rook-ceph.rbd.csi.ceph.com', false],
    ['kubernetes.io/no-provisioner', false],
    ['csi.vsphere.vmware.com', undefined],
    ['pxd.portworx.com', undefined],
    ['csi.trident.netapp.io', undefined],
  ])('%s → %s', (p, rwx) => expect(provisionerReadWriteMany(p)).toBe(rwx));
});

describe('StorageClasses (corpus)', () => {
  test('k3d local-path list: one default class, not RWX', () => {
    const list = JSON.parse(readFileSync(path.join(CORPUS, 'k8s-storageclass', 'troubleshoot-k3d-local-path-default-list.json'), 'utf8')) as { items: StorageClassLike[] };
    const facts = list.items.map(storageClassFacts);
    expect(facts).toEqual([
      { name: 'local-path', provisioner: 'rancher.io/local-path', default: true, bindingMode: 'WaitForFirstConsumer', allowExpansion: false, reclaimPolicy: 'Delete', readWriteMany: false },
    ]);
  });

  test('GKE pd-csi (no apiVersion/kind): default, expandable, block', () => {
    const sc = JSON.parse(readFileSync(path.join(CORPUS, 'k8s-storageclass', 'insights-operator-gke-pd-csi-default.json'), 'utf8')) as StorageClassLike;
    expect(storageClassFacts(sc)).toEqual({
      name: 'standard-csi',
      provisioner: 'pd.csi.storage.gke.io',
      default: true,
      bindingMode: 'WaitForFirstConsumer',
      allowExpansion: true,
      reclaimPolicy: 'Delete',
      readWriteMany: false,
    });
  });

  test('the beta default annotation counts; "false" and absence do not', () => {
    expect(isDefaultStorageClass({ metadata: { annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } } })).toBe(true);
    expect(isDefaultStorageClass({ metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } } })).toBe(false);
    expect(isDefaultStorageClass({ metadata: {} })).toBe(false);
    expect(storageClassFacts({ metadata: { name: 'x' }, provisioner: 'csi.vsphere.vmware.com' })).toEqual({ name: 'x', provisioner: 'csi.vsphere.vmware.com', default: false, allowExpansion: false });
  });
});

const ds = (name: string, namespace = 'kube-system', args?: string[]) => ({ metadata: { name, namespace }, spec: { template: { spec: { containers: [{ name, ...(args ? { args } : {}) }] } } } });

describe('CNI and NetworkPolicy', () => {
  test.each([
    [['calico-node', 'kube-proxy'], { cni: 'calico', networkPolicyEnforced: true }],
    [['cilium'], { cni: 'cilium', networkPolicyEnforced: true }],
    [['weave-net'], { cni: 'weave', networkPolicyEnforced: true }],
    [['antrea-agent'], { cni: 'antrea', networkPolicyEnforced: true }],
    [['kube-flannel-ds'], { cni: 'flannel', networkPolicyEnforced: false }],
    [['kindnet', 'kube-proxy'], { cni: 'kindnet', networkPolicyEnforced: false }],
    [['aws-node'], { cni: 'aws-vpc-cni', networkPolicyEnforced: false }],
    [['aws-node', 'calico-node'], { cni: 'aws-vpc-cni', networkPolicyEnforced: true }],
    [['kube-flannel-ds', 'calico-node'], { cni: 'calico', networkPolicyEnforced: true }],
    [['kube-proxy', 'coredns'], {}],
  ])('%j → %j', (names, expected) => expect(detectCni(names.map((n) => ds(n)))).toEqual(expected));

  test('aws-node enforces NetworkPolicy only with its policy agent enabled', () => {
    expect(detectCni([ds('aws-node', 'kube-system', ['--enable-network-policy=true'])])).toEqual({ cni: 'aws-vpc-cni', networkPolicyEnforced: true });
    expect(detectCni([ds('aws-node', 'kube-system', ['--enable-network-policy=false'])])).toEqual({ cni: 'aws-vpc-cni', networkPolicyEnforced: false });
  });

  test('flannel in its own namespace is found too', () => {
    expect(detectCni([ds('kube-flannel-ds', 'kube-flannel')])).toEqual({ cni: 'flannel', networkPolicyEnforced: false });
  });
});

describe('add-ons', () => {
  test('from CRD names, with alertmanager also from a workload', () => {
    const flags = addonsFromCrds(new Set(['pytorchjobs.kubeflow.org', 'rayclusters.ray.io', 'jobs.batch.volcano.sh', 'servicemonitors.monitoring.coreos.com', 'inferenceservices.serving.kserve.io']), ['alertmanager-main']);
    expect(flags).toEqual({
      kubeflowTrainingOperator: true,
      kuberay: true,
      kueue: false,
      volcano: true,
      jobset: false,
      knativeServing: false,
      kserve: true,
      argoWorkflows: false,
      prometheusOperator: true,
      alertmanager: true,
      certManager: false,
    });
    expect(addonsFromCrds(new Set(), []).alertmanager).toBe(false);
  });

  test('log shippers by workload name', () => {
    expect(logShippers(['fluent-bit', 'loki-promtail', 'vector-agent', 'filebeat-beat-filebeat', 'fluentd-es', 'vectorized-thing', 'coredns'])).toEqual(['fluent-bit', 'fluentd', 'filebeat', 'vector', 'promtail']);
    expect(logShippers(['kube-proxy'])).toEqual([]);
  });
});
