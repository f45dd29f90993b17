/**
 * docker-bake.json (`scaffold --platforms linux/amd64,linux/arm64`): a `docker buildx bake` file that builds
 * every stage image (and the Lambda images, when emitted) for several platforms from the one Dockerfile.
 *
 * JSON rather than HCL: it is emitted from an object, like every other generated document. Bake reads it
 * from the directory it is run in (`docker buildx bake -f docker-bake.json`, or `docker buildx bake`, which
 * picks up docker-bake.json by name); contexts are relative to that directory.
 */
import type { WorkflowModel } from '../workflow/model.js';

/**
 * Platforms the base images mlready chooses are published for, by repository. Compiled by hand from the
 * registries' manifest lists (Docker Hub tag pages, `docker buildx imagetools inspect`), 2026-11; a base
 * image not listed here (--base-image) is not judged.
 */
const IMAGE_PLATFORMS: { repository: RegExp; platforms: string[]; source: string }[] = [
  // Docker Official Image: amd64, arm32v5, arm32v7, arm64v8, i386, ppc64le, s390x (and mips64le for some tags).
  { repository: /^(docker\.io\/)?(library\/)?python$/, platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v5', 'linux/386', 'linux/ppc64le', 'linux/s390x'], source: 'https://hub.docker.com/_/python' },
  { repository: /^(docker\.io\/)?pytorch\/pytorch$/, platforms: ['linux/amd64'], source: 'https://hub.docker.com/r/pytorch/pytorch/tags' },
  { repository: /^(docker\.io\/)?tensorflow\/tensorflow$/, platforms: ['linux/amd64'], source: 'https://hub.docker.com/r/tensorflow/tensorflow/tags' },
  // Server-class arm64 (SBSA); Jetson modules need L4T images instead.
  { repository: /^(docker\.io\/)?nvidia\/cuda$/, platforms: ['linux/amd64', 'linux/arm64'], source: 'https://hub.docker.com/r/nvidia/cuda/tags' },
  { repository: /^(docker\.io\/)?rocm\/pytorch$/, platforms: ['linux/amd64'], source: 'https://hub.docker.com/r/rocm/pytorch/tags' },
  { repository: /^public\.ecr\.aws\/lambda\/python$/, platforms: ['linux/amd64', 'linux/arm64'], source: 'https://gallery.ecr.aws/lambda/python' },
];

/** The platforms an image is published for, when mlready's table knows its repository. */
export function imagePlatforms(image: string): string[] | undefined {
  const repository = image.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^/:]+$/, '');
  return IMAGE_PLATFORMS.find((e) => e.repository.test(repository))?.platforms;
}

interface BakeTarget {
  context: string;
  dockerfile: string;
  target?: string;
  tags: string[];
  platforms: string[];
  /** Lambda refuses image indexes: no provenance attestation for the Lambda targets. */
  attest?: string[];
}

/** The bake document: one target per stage image (and per Lambda image), all in the default group. */
export function buildBake(model: WorkflowModel): { group: Record<string, { targets: string[] }>; target: Record<string, BakeTarget> } {
  const target: Record<string, BakeTarget> = {};
  const names: string[] = [];
  if (model.emit.includes('dockerfile')) {
    for (const s of model.stages) {
      target[s.name] = { context: model.build.context, dockerfile: model.build.dockerfile, target: s.target, tags: [s.image], platforms: [...model.platforms] };
      names.push(s.name);
    }
  }
  for (const l of model.lambda) {
    // Lambda runs a function on one architecture and refuses multi-platform images (and the image index a
    // provenance attestation creates): one platform per Lambda image, attestations off.
    const name = `${l.stage}-lambda`;
    target[name] = { context: model.build.context, dockerfile: l.dockerfile, tags: [l.image], platforms: [l.platform], attest: ['type=provenance,disabled=true'] };
    names.push(name);
  }
  return { group: { default: { targets: names } }, target };
}
