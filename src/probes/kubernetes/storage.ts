/** StorageClasses: default, provisioner, and whether the provisioner is known to serve ReadWriteMany. */
import type { StorageClassFacts } from '../../facts/cluster-schema.js';

/**
 * Provisioners known to support ReadWriteMany (shared file systems) or known not to (block
 * devices, node-local paths). A provisioner in neither list is unknown and gets no readWriteMany.
 * Checked as: exact name, or a pattern. Sources: each driver's documentation of access modes.
 */
const RWX_YES: (string | RegExp)[] = [
  /(^|[./-])nfs([./-]|$)/i, // nfs.csi.k8s.io, k8s-sigs.io/nfs-subdir-external-provisioner, cluster.local/nfs-…, example.com/nfs
  /(^|\.)cephfs\.csi\.ceph\.com$/, // cephfs.csi.ceph.com, rook-ceph.cephfs.csi.ceph.com, openshift-storage.cephfs.csi.ceph.com
  'kubernetes.io/cephfs',
  'ceph.com/cephfs',
  'efs.csi.aws.com',
  'fsx.csi.aws.com',
  'filestore.csi.storage.gke.io',
  'gcsfuse.csi.storage.gke.io',
  'file.csi.azure.com',
  'kubernetes.io/azure-file',
  'blob.csi.azure.com',
  /azurefile/i,
  'kubernetes.io/glusterfs',
  /glusterfs/i,
  'driver.longhorn.io', // RWX through the share-manager (NFS)
  'rancher.io/longhorn',
  'smb.csi.k8s.io',
  'csi.juicefs.com',
  'beegfs.csi.netapp.com',
  'spectrumscale.csi.ibm.com',
  'csi.weka.io',
  'kubernetes.io/quobyte',
  'quobyte-csi',
  'nasplugin.csi.alibabacloud.com',
  'cephfs.manila.csi.openstack.org',
  'nfs.manila.csi.openstack.org',
];

const RWX_NO: (string | RegExp)[] = [
  'ebs.csi.aws.com',
  'kubernetes.io/aws-ebs',
  'pd.csi.storage.gke.io',
  'kubernetes.io/gce-pd',
  'disk.csi.azure.com',
  'kubernetes.io/azure-disk',
  'rancher.io/local-path',
  'kubernetes.io/no-provisioner',
  'openebs.io/local',
  'local.csi.openebs.io',
  /(^|\.)rbd\.csi\.ceph\.com$/,
  'kubernetes.io/rbd',
  'cinder.csi.openstack.org',
  'kubernetes.io/cinder',
  'dobs.csi.digitalocean.com',
  'linodebs.csi.linode.com',
  'diskplugin.csi.alibabacloud.com',
  'topolvm.io',
  'topolvm.cybozu.com',
  'lvm.csi.metal-stack.io',
  'hostpath.csi.k8s.io',
  'csi.hetzner.cloud',
  'driver.harvesterhci.io',
];

const matches = (list: (string | RegExp)[], provisioner: string) =>
  list.some((p) => (typeof p === 'string' ? p === provisioner : p.test(provisioner)));

/** true: known to support ReadWriteMany; false: known not to; undefined: not known. */
export function provisionerReadWriteMany(provisioner: string): boolean | undefined {
  if (matches(RWX_YES, provisioner)) return true;
  if (matches(RWX_NO, provisioner)) return false;
  return undefined;
}

export interface StorageClassLike {
  metadata?: { name?: string; annotations?: Record<string, string> | null } | null;
  provisioner?: string;
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
  reclaimPolicy?: string;
}

/** Marked default by storageclass.kubernetes.io/is-default-class (or the beta annotation) set to "true". */
export function isDefaultStorageClass(sc: StorageClassLike): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

export function storageClassFacts(sc: StorageClassLike): StorageClassFacts {
  const provisioner = sc.provisioner ?? '';
  const rwx = provisionerReadWriteMany(provisioner);
  return {
    name: sc.metadata?.name ?? '',
    provisioner,
    default: isDefaultStorageClass(sc),
    ...(sc.volumeBindingMode ? { bindingMode: sc.volumeBindingMode } : {}),
    allowExpansion: sc.allowVolumeExpansion === true,
    ...(sc.reclaimPolicy ? { reclaimPolicy: sc.reclaimPolicy } : {}),
    ...(rwx !== undefined ? { readWriteMany: rwx } : {}),
  };
}
