/**
 * The facts document: the single source of truth for its TypeScript types and its JSON Schema.
 *
 * `npm run gen` writes `schemas/facts.schema.json` from this file; a test fails when the published
 * schema is stale. Code that needs only the types imports them with `import type`, so TypeBox never
 * loads at run time.
 *
 * Conventions (a contract for users' rules and CI scripts):
 * - sizes in bytes and CPU in cores, as numbers; versions are strings; an unlimited ulimit is "unlimited";
 * - a section that could not be read is `{ status: "unknown", reason }`; "could not tell" is never a value:
 *   a value the source did not report is left out (rules see it as unknown), never guessed or zeroed.
 */
import { Type, type Static, type TSchema, type TProperties } from '@sinclair/typebox';
import { Cluster } from './cluster-schema.js';

export { FACTS_SCHEMA_VERSION } from './version.js';

const Reason = Type.String({ description: 'Why the value could not be read, in one line.' });
const Bytes = (description: string) => Type.Number({ minimum: 0, description: `${description} (bytes)` });
const Int = (description: string) => Type.Integer({ minimum: 0, description });

/** A section that is either read (`status: "ok"` plus its properties) or unknown with a reason. */
export const Unknown = Type.Object(
  { status: Type.Literal('unknown'), reason: Reason },
  { additionalProperties: false, description: 'The section could not be read.' },
);
function Section<T extends TProperties>(properties: T, description: string) {
  return Type.Union(
    [Type.Object({ status: Type.Literal('ok'), ...properties }, { additionalProperties: false }), Unknown],
    { description },
  );
}

const UlimitValue = Type.Union([Type.Integer({ minimum: 0 }), Type.Literal('unlimited')]);

// ---------------------------------------------------------------- host

export const HostOs = Section(
  {
    platform: Type.String({ description: 'Node.js platform name: linux, darwin, win32…' }),
    distro: Type.Optional(Type.String({ description: 'Distribution name, e.g. "Debian GNU/Linux"' })),
    distroId: Type.Optional(Type.String({ description: 'os-release ID, e.g. "debian", "ubuntu", "rhel"' })),
    release: Type.Optional(Type.String({ description: 'Distribution version, e.g. "12", "22.04"' })),
    codename: Type.Optional(Type.String()),
    kernel: Type.String({ description: 'Kernel release, e.g. "6.1.0-18-amd64"' }),
    arch: Type.String({ description: 'CPU architecture as the kernel names it: x86_64, aarch64, armv7l…' }),
  },
  'Operating system.',
);

export const HostCpu = Section(
  {
    model: Type.String(),
    vendor: Type.Optional(Type.String()),
    sockets: Type.Optional(Int('Physical packages')),
    cores: Int('Physical cores'),
    threads: Int('Logical CPUs (hardware threads) online'),
    flags: Type.Array(Type.String(), { description: 'CPU feature flags, sorted (avx2, avx512f, amx_tile…)' }),
    cgroupLimitCores: Type.Optional(
      Type.Number({ minimum: 0, description: 'CPU quota of the cgroup this process runs in, in cores, when limited' }),
    ),
  },
  'CPU.',
);

export const HostMemory = Section(
  {
    totalBytes: Bytes('Physical memory'),
    availableBytes: Bytes('Memory available for new work (MemAvailable)'),
    swapBytes: Bytes('Configured swap'),
    swapFreeBytes: Type.Optional(Bytes('Free swap')),
    hugePagesTotal: Type.Optional(Int('Reserved huge pages')),
    hugePageSizeBytes: Type.Optional(Bytes('Huge page size')),
    cgroupLimitBytes: Type.Optional(Bytes('Memory limit of the cgroup this process runs in, when limited')),
  },
  'Memory.',
);

export const HostShm = Section(
  {
    path: Type.String(),
    sizeBytes: Bytes('Size of the /dev/shm filesystem'),
    freeBytes: Type.Optional(Bytes('Free space on /dev/shm')),
  },
  'Shared memory (/dev/shm), used by PyTorch DataLoader workers and NCCL.',
);

export const HostUlimits = Section(
  {
    nofile: UlimitValue,
    nofileHard: Type.Optional(UlimitValue),
    memlock: UlimitValue,
    memlockHard: Type.Optional(UlimitValue),
    nproc: Type.Optional(UlimitValue),
  },
  'Resource limits of this process (soft limits unless marked hard); memlock in bytes.',
);

export const HostVirtualization = Section(
  {
    hypervisor: Type.Union([Type.String(), Type.Null()], {
      description: 'Hypervisor the machine runs on (kvm, vmware, microsoft, xen…), null on bare metal',
    }),
    container: Type.Union([Type.String(), Type.Null()], {
      description: 'Container runtime this process runs inside (docker, podman, containerd, lxc, kubernetes…), null when none',
    }),
    wsl: Type.Boolean({ description: 'Windows Subsystem for Linux' }),
    evidence: Type.Array(Type.String(), { description: 'What the answer was read from' }),
  },
  'Virtualization and containerization of the host itself.',
);

export const HostNuma = Section(
  { nodes: Int('NUMA nodes online') },
  'NUMA topology.',
);

export const HostClock = Section(
  {
    synchronized: Type.Boolean({ description: 'The OS reports the system clock as synchronised (NTP/PTP)' }),
    source: Type.String({ description: 'Where this was read: timedatectl, chrony, adjtimex…' }),
  },
  'Clock synchronisation, where the OS tells.',
);

export const HostCgroup = Section(
  { version: Type.Union([Type.Literal('1'), Type.Literal('2')]) },
  'cgroup hierarchy mounted on the host.',
);

export const HostFirewall = Section(
  {
    active: Type.Boolean({ description: 'A packet filter with rules is loaded' }),
    backends: Type.Array(Type.String(), { description: 'What was found: nftables, iptables, ufw, firewalld' }),
    defaultInputPolicy: Type.Optional(Type.String({ description: 'Policy of the input chain: accept, drop or reject, where readable' })),
    publishedPorts: Type.Optional(
      Section(
        { filtered: Type.Boolean({ description: "ufw's /etc/ufw/after.rules filter Docker's DOCKER-USER chain (as ufw-docker writes them)" }) },
        'Only when ufw is enabled: whether ports Docker publishes pass through ufw rules (unknown when after.rules is unreadable).',
      ),
    ),
    evidence: Type.Array(Type.String()),
  },
  'Host firewall, where the OS tells (reading rule sets usually needs root).',
);

export const HostJetson = Section(
  {
    present: Type.Boolean({ description: 'An NVIDIA Jetson-class (Tegra) module' }),
    l4tRelease: Type.Optional(Type.String({ description: 'L4T release from /etc/nv_tegra_release, e.g. "R36.3.0"' })),
    model: Type.Optional(Type.String()),
    evidence: Type.Array(Type.String()),
  },
  'Jetson-class edge module (tegrastats on PATH, /etc/nv_tegra_release, device-tree model).',
);

export const Host = Type.Object(
  {
    hostname: Type.String({ description: 'Host name (a stable hash under --redact)' }),
    os: HostOs,
    cpu: HostCpu,
    memory: HostMemory,
    shm: HostShm,
    ulimits: HostUlimits,
    virtualization: HostVirtualization,
    numa: HostNuma,
    clock: HostClock,
    cgroup: HostCgroup,
    firewall: Type.Optional(HostFirewall),
    jetson: Type.Optional(HostJetson),
    user: Type.Object(
      {
        uid: Type.Integer(),
        root: Type.Boolean(),
        groups: Type.Optional(Type.Array(Type.String(), { description: 'Names of the groups this user is in' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: 'The local host.' },
);

// ---------------------------------------------------------------- gpu

export const MigDevice = Type.Object(
  {
    index: Type.Integer({ minimum: 0 }),
    gpuInstanceId: Type.Optional(Type.Integer({ minimum: 0 })),
    computeInstanceId: Type.Optional(Type.Integer({ minimum: 0 })),
    uuid: Type.Optional(Type.String()),
    profile: Type.Optional(Type.String({ description: 'MIG profile name, e.g. "1g.10gb", when reported' })),
    memoryMiB: Type.Optional(Type.Integer({ minimum: 0 })),
    multiprocessorCount: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const GpuDevice = Type.Object(
  {
    vendor: Type.Union([Type.Literal('nvidia'), Type.Literal('amd')]),
    index: Type.Integer({ minimum: 0 }),
    model: Type.String(),
    uuid: Type.Optional(Type.String()),
    serial: Type.Optional(Type.String()),
    pciBusId: Type.Optional(Type.String()),
    memoryMiB: Type.Optional(Type.Integer({ minimum: 0 })),
    driverVersion: Type.Optional(Type.String()),
    cudaVersion: Type.Optional(Type.String({ description: 'Highest CUDA version the driver supports (NVIDIA)' })),
    computeCapability: Type.Optional(Type.String({ description: 'CUDA compute capability, e.g. "8.0" (NVIDIA)' })),
    computeCapabilitySource: Type.Optional(
      Type.Union([Type.Literal('nvidia-smi'), Type.Literal('table')], {
        description: 'nvidia-smi --query-gpu=compute_cap, or the model table in data/ when the driver is too old',
      }),
    ),
    architecture: Type.Optional(Type.String({ description: 'GPU architecture (Ampere, gfx90a…), when reported' })),
    migMode: Type.Union([Type.Literal('enabled'), Type.Literal('disabled'), Type.Literal('unsupported')]),
    migModePending: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
    migDevices: Type.Array(MigDevice),
    eccEnabled: Type.Optional(Type.Boolean()),
    persistenceMode: Type.Optional(Type.Boolean()),
    driverModel: Type.Optional(Type.String({ description: 'Windows driver model (WDDM or TCC)' })),
    pcie: Type.Optional(
      Type.Object(
        {
          generation: Type.Optional(Type.Integer({ minimum: 1 })),
          width: Type.Optional(Type.Integer({ minimum: 1 })),
          maxGeneration: Type.Optional(Type.Integer({ minimum: 1 })),
          maxWidth: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false, description: 'Current PCIe link (and the maximum the device supports)' },
      ),
    ),
    processCount: Type.Optional(Type.Integer({ minimum: 0 })),
    powerLimitWatts: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const GpuTool = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('absent'), Type.Literal('unknown')]),
    reason: Type.Optional(Reason),
    path: Type.Optional(Type.String({ description: 'The tool that was run' })),
    driverVersion: Type.Optional(Type.String()),
    cudaVersion: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const Gpu = Type.Object(
  {
    status: Type.Union([Type.Literal('present'), Type.Literal('absent'), Type.Literal('unknown')]),
    reason: Type.Optional(Reason),
    count: Type.Optional(Int('Number of GPUs (devices[].length), when known')),
    devices: Type.Array(GpuDevice),
    tools: Type.Object(
      { nvidia: GpuTool, amd: GpuTool },
      { additionalProperties: false, description: 'What each vendor tool reported' },
    ),
  },
  { additionalProperties: false, description: 'GPUs of the local host.' },
);

// ---------------------------------------------------------------- storage

export const StoragePath = Section(
  {
    path: Type.String(),
    mountPoint: Type.Optional(Type.String()),
    device: Type.Optional(Type.String()),
    fsType: Type.Optional(Type.String()),
    sizeBytes: Bytes('Filesystem size'),
    freeBytes: Bytes('Space available to unprivileged users'),
    inodesTotal: Type.Optional(Int('Inodes in all (0 when the filesystem does not use fixed inodes)')),
    inodesFree: Type.Optional(Int('Free inodes')),
    deviceKind: Type.Optional(
      Type.Union([Type.Literal('nvme'), Type.Literal('ssd'), Type.Literal('hdd'), Type.Literal('network'), Type.Literal('memory'), Type.Literal('virtual')]),
    ),
    readOnly: Type.Optional(Type.Boolean()),
  },
  'One filesystem path.',
);

export const Storage = Type.Object(
  {
    root: StoragePath,
    dockerDataRoot: StoragePath,
    workdir: StoragePath,
    tmp: StoragePath,
  },
  { additionalProperties: false, description: 'Filesystems ML workloads write to: /, the Docker data root, the working and temp directories.' },
);

// ---------------------------------------------------------------- network

export const NetworkInterface = Type.Object(
  {
    name: Type.String(),
    state: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('unknown')]),
    kind: Type.Union([
      Type.Literal('loopback'),
      Type.Literal('physical'),
      Type.Literal('bridge'),
      Type.Literal('vpn'),
      Type.Literal('virtual'),
    ]),
    mtu: Type.Optional(Type.Integer({ minimum: 0 })),
    speedMbps: Type.Optional(Type.Integer({ minimum: 0 })),
    mac: Type.Optional(Type.String()),
    addresses: Type.Array(
      Type.Object(
        {
          family: Type.Union([Type.Literal('ipv4'), Type.Literal('ipv6')]),
          address: Type.String(),
          prefixLength: Type.Integer({ minimum: 0, maximum: 128 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const Network = Type.Object(
  {
    interfaces: Type.Union([
      Type.Object({ status: Type.Literal('ok'), items: Type.Array(NetworkInterface) }, { additionalProperties: false }),
      Unknown,
    ]),
    defaultRoute: Type.Union([
      Type.Object(
        {
          status: Type.Literal('ok'),
          present: Type.Boolean(),
          interface: Type.Optional(Type.String()),
          gateway: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      Unknown,
    ]),
    dns: Type.Union([
      Type.Object(
        {
          status: Type.Literal('ok'),
          source: Type.String(),
          resolvers: Type.Array(Type.String()),
          search: Type.Array(Type.String()),
          stub: Type.Optional(
            Type.String({ description: 'Local stub resolver the resolvers point at (systemd-resolved at 127.0.0.53)' }),
          ),
          upstream: Type.Optional(
            Type.Array(Type.String(), {
              description: 'Upstream resolvers of the stub (/run/systemd/resolve/resolv.conf): what containers are given instead',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      Unknown,
    ]),
    proxy: Type.Object(
      {
        httpProxy: Type.Optional(Type.String({ description: 'HTTP_PROXY/http_proxy, credentials redacted' })),
        httpsProxy: Type.Optional(Type.String()),
        allProxy: Type.Optional(Type.String()),
        noProxy: Type.Array(Type.String(), { description: 'NO_PROXY/no_proxy entries' }),
        conflicts: Type.Array(Type.String(), {
          description: 'Variables set in both cases with different values (HTTP_PROXY vs http_proxy)',
        }),
      },
      { additionalProperties: false, description: 'Proxy variables of this process' },
    ),
  },
  { additionalProperties: false, description: 'Network of the local host.' },
);

// ---------------------------------------------------------------- docker

const DockerStatus = Type.Union([Type.Literal('available'), Type.Literal('unavailable'), Type.Literal('unknown')]);

export const DockerEndpoint = Type.Object(
  {
    host: Type.String({ description: 'unix:///var/run/docker.sock, tcp://host:2376, ssh://…, npipe://…' }),
    source: Type.String({ description: 'How it was chosen: DOCKER_HOST, context "NAME", rootless socket, default socket' }),
    context: Type.Optional(Type.String()),
    tls: Type.Boolean(),
    local: Type.Boolean({ description: 'The engine runs on this host (its data root can be inspected)' }),
  },
  { additionalProperties: false },
);

export const Docker = Type.Object(
  {
    status: DockerStatus,
    reason: Type.Optional(Reason),
    endpoint: Type.Optional(DockerEndpoint),
    engine: Type.Optional(Type.Union([Type.Literal('docker'), Type.Literal('podman')])),
    serverVersion: Type.Optional(Type.String()),
    apiVersion: Type.Optional(Type.String()),
    minApiVersion: Type.Optional(Type.String()),
    os: Type.Optional(Type.String({ description: 'OSType: linux or windows' })),
    arch: Type.Optional(Type.String()),
    kernelVersion: Type.Optional(Type.String()),
    operatingSystem: Type.Optional(Type.String()),
    ncpu: Type.Optional(Int('CPUs the engine sees')),
    memTotalBytes: Type.Optional(Bytes('Memory the engine sees')),
    storageDriver: Type.Optional(Type.String()),
    backingFilesystem: Type.Optional(Type.String()),
    cgroupVersion: Type.Optional(Type.String()),
    cgroupDriver: Type.Optional(Type.String()),
    runtimes: Type.Optional(Type.Array(Type.String())),
    defaultRuntime: Type.Optional(Type.String()),
    cdiDevices: Type.Optional(Type.Array(Type.String(), { description: 'CDI device names the engine discovered' })),
    cdiSpecDirs: Type.Optional(Type.Array(Type.String())),
    rootless: Type.Optional(Type.Boolean()),
    userNamespaces: Type.Optional(Type.Boolean()),
    securityOptions: Type.Optional(Type.Array(Type.String())),
    dataRoot: Type.Optional(Type.String()),
    dataRootFreeBytes: Type.Optional(Bytes('Free space on the data root')),
    loggingDriver: Type.Optional(Type.String()),
    logOptions: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Daemon log-opts (max-size, max-file…) from its configuration file; absent when unreadable',
      }),
    ),
    daemonConfig: Type.Optional(
      Type.Object(
        {
          path: Type.String(),
          status: Type.Union([Type.Literal('ok'), Type.Literal('absent'), Type.Literal('unknown')]),
          reason: Type.Optional(Reason),
          defaultUlimits: Type.Optional(Type.Record(Type.String(), Type.Object({ soft: Type.Number(), hard: Type.Number() }))),
          defaultShmSizeBytes: Type.Optional(Bytes('default-shm-size')),
          hosts: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false, description: 'What the daemon configuration file says (local engines only)' },
      ),
    ),
    liveRestore: Type.Optional(Type.Boolean()),
    registryMirrors: Type.Optional(Type.Array(Type.String())),
    insecureRegistries: Type.Optional(Type.Array(Type.String())),
    exposedWithoutTls: Type.Optional(Type.Boolean({ description: 'The API answers on a TCP port without TLS' })),
    exposedWithoutTlsEvidence: Type.Optional(Type.String()),
    httpProxy: Type.Optional(Type.String()),
    httpsProxy: Type.Optional(Type.String()),
    noProxy: Type.Optional(Type.String()),
    swarm: Type.Optional(
      Type.Object(
        {
          state: Type.String({ description: 'inactive, pending, active, error or locked' }),
          controlAvailable: Type.Optional(Type.Boolean({ description: 'This node is a manager' })),
          nodes: Type.Optional(Int('Nodes in the swarm (reported to managers)')),
          managers: Type.Optional(Int('Managers in the swarm (reported to managers)')),
          nodeId: Type.Optional(Type.String()),
          nodeAddr: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    images: Type.Optional(Int('Images')),
    containers: Type.Optional(Int('Containers')),
    containersRunning: Type.Optional(Int('Running containers')),
    warnings: Type.Optional(Type.Array(Type.String(), { description: 'Warnings the engine reports (no swap limit support…)' })),
  },
  { additionalProperties: false, description: 'The Docker (or Podman) engine.' },
);

export const Runtime = Type.Object({ docker: Docker }, { additionalProperties: false });

// ---------------------------------------------------------------- document

export const DataSourceCheck = Type.Object(
  {
    name: Type.String(),
    scheme: Type.String(),
    host: Type.String({ description: 'Host name (a hash under --redact); credentials are never recorded' }),
    port: Type.Integer({ minimum: 0 }),
    tlsExpected: Type.Boolean({ description: 'The scheme uses TLS (https, s3, gs, postgres with sslmode…)' }),
    proxy: Type.Optional(
      Type.String({ description: 'host:port of the HTTP proxy the check went through (HTTPS_PROXY/HTTP_PROXY outside NO_PROXY, for HTTP clients); dns and tcp are then the proxy\'s, and the endpoint is reached by CONNECT. Credentials never recorded' }),
    ),
    dns: Type.Union([Type.Object({ ok: Type.Literal(true), addresses: Type.Array(Type.String()), ms: Type.Number() }, { additionalProperties: false }), Type.Object({ ok: Type.Literal(false), reason: Reason }, { additionalProperties: false })]),
    tcp: Type.Optional(Type.Union([Type.Object({ ok: Type.Literal(true), ms: Type.Number() }, { additionalProperties: false }), Type.Object({ ok: Type.Literal(false), reason: Reason }, { additionalProperties: false })])),
    tls: Type.Optional(
      Type.Union([
        Type.Object({ ok: Type.Literal(true), protocol: Type.Optional(Type.String()), authorized: Type.Boolean(), reason: Type.Optional(Reason) }, { additionalProperties: false }),
        Type.Object({ ok: Type.Literal(false), reason: Reason }, { additionalProperties: false }),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const DataSources = Type.Union([
  Type.Object({ status: Type.Literal('ok'), items: Type.Array(DataSourceCheck) }, { additionalProperties: false }),
  Unknown,
], { description: 'Reachability of the workflow spec\'s data sources from this host (assess --spec)' });

export const ProbeRecord = Type.Object(
  {
    target: Type.String(),
    durationMs: Type.Number({ minimum: 0 }),
    outcome: Type.Union([Type.Literal('ok'), Type.Literal('partial'), Type.Literal('failed'), Type.Literal('timeout')]),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const FactsDocument = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    schemaVersion: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$', description: 'Semantic version of this document format' }),
    tool: Type.Object({ name: Type.Literal('mlready'), version: Type.String() }, { additionalProperties: false }),
    collectedAt: Type.String({ format: 'date-time' }),
    targets: Type.Array(Type.String(), { description: 'Targets probed: local, docker, k8s, swarm' }),
    redacted: Type.Boolean({ description: 'Identifiers were replaced with stable hashes (--redact)' }),
    host: Host,
    gpu: Gpu,
    storage: Storage,
    network: Network,
    runtime: Runtime,
    cluster: Cluster,
    dataSources: Type.Optional(DataSources),
    probes: Type.Array(ProbeRecord, { description: 'How long each probe took and how it ended' }),
  },
  {
    $id: 'https://mlready.dev/schemas/facts.schema.json',
    title: 'mlready facts document',
    additionalProperties: false,
  },
);

export type Facts = Static<typeof FactsDocument>;
export type HostFacts = Static<typeof Host>;
export type GpuFacts = Static<typeof Gpu>;
export type GpuDeviceFacts = Static<typeof GpuDevice>;
export type GpuToolFacts = Static<typeof GpuTool>;
export type MigDeviceFacts = Static<typeof MigDevice>;
export type StorageFacts = Static<typeof Storage>;
export type StoragePathFacts = Static<typeof StoragePath>;
export type NetworkFacts = Static<typeof Network>;
export type NetworkInterfaceFacts = Static<typeof NetworkInterface>;
export type DockerFacts = Static<typeof Docker>;
export type DockerEndpointFacts = Static<typeof DockerEndpoint>;
export type ProbeRecordFacts = Static<typeof ProbeRecord>;
export type UnknownSection = Static<typeof Unknown>;
export type Ulimit = Static<typeof UlimitValue>;
export type DataSourcesFacts = Static<typeof DataSources>;
export type DataSourceCheckFacts = Static<typeof DataSourceCheck>;

export const schemas: Record<string, TSchema> = { facts: FactsDocument };
