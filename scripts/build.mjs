#!/usr/bin/env node
/**
 * Bundles src/ into dist/ with esbuild: ESM, code-split so each command loads only what it needs.
 *
 * Start-up cost is a feature (see ARCHITECTURE.md): dockerode eagerly requires its BuildKit session
 * support (gRPC + protobuf), its build-context packer (tar-fs, dockerignore), and docker-modem eagerly
 * requires ssh2 — none of which a probe uses (ssh2 only for ssh:// DOCKER_HOST). The `lazy-requires`
 * plugin defers those requires to first use and leaves them out of the bundle (they load from
 * node_modules when needed). The build fails loudly if a dependency update moves the lines it rewrites.
 */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const LAZY = [
  {
    file: /dockerode[\\/]lib[\\/]docker\.js$/,
    edits: [
      ["withSession = require('./session'),", "withSession = function () { return require('dockerode/lib/session').apply(this, arguments); },"],
      ["var buildkit = require('./buildkit');", "var buildkit = require('dockerode/lib/buildkit');"],
    ],
    external: ['dockerode/lib/session', 'dockerode/lib/buildkit'],
  },
  {
    file: /dockerode[\\/]lib[\\/]util\.js$/,
    edits: [
      ["var DockerIgnore = require('@balena/dockerignore');", "var DockerIgnore = function () { return require('@balena/dockerignore').apply(this, arguments); };"],
      ["var tar = require('tar-fs');", "var tar = { pack: function () { var t = require('tar-fs'); return t.pack.apply(t, arguments); } };"],
    ],
    external: ['@balena/dockerignore', 'tar-fs'],
  },
  {
    file: /docker-modem[\\/]lib[\\/]modem\.js$/,
    edits: [
      ["ssh = require('./ssh'),", "ssh = function () { return require('docker-modem/lib/ssh').apply(this, arguments); },"],
      // Only hijacked connections (attach/exec) use it; it pulls in readable-stream.
      ["HttpDuplex = require('./http_duplex'),", "HttpDuplex = function (req, res) { var D = require('docker-modem/lib/http_duplex'); return new D(req, res); },"],
    ],
    external: ['docker-modem/lib/ssh', 'docker-modem/lib/http_duplex'],
  },
];

const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    for (const rule of LAZY) {
      b.onLoad({ filter: rule.file }, (args) => {
        let source = readFileSync(args.path, 'utf8');
        for (const [from, to] of rule.edits) {
          if (!source.includes(from)) throw new Error(`lazy-requires: "${from}" not found in ${args.path}; update scripts/build.mjs`);
          source = source.replace(from, to);
        }
        return { contents: source, loader: 'js' };
      });
    }
  },
};

// CommonJS dependencies inside an ESM bundle need require/__dirname; each chunk gets its own shims.
const banner = [
  "import { createRequire as __mlrCreateRequire } from 'node:module';",
  "import { fileURLToPath as __mlrFileURLToPath } from 'node:url';",
  'const require = __mlrCreateRequire(import.meta.url);',
  'const __filename = __mlrFileURLToPath(import.meta.url);',
  "const __dirname = __mlrFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

export async function buildAll({ quiet = false } = {}) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    define: { __MLREADY_VERSION__: JSON.stringify(pkg.version) },
    external: ['*.node', 'cpu-features', ...LAZY.flatMap((l) => l.external)],
    plugins: [lazyRequires],
    banner: { js: banner },
    metafile: true,
    logLevel: quiet ? 'error' : 'warning',
  });
  // Remove what an earlier build left (chunk names carry hashes). Removing after writing, not before,
  // keeps dist/cli.js in place for a CLI that is running while dist/ is rebuilt.
  const written = new Set(Object.keys(result.metafile.outputs).map((f) => path.join(root, f)));
  written.add(path.join(root, 'dist', 'builtin-rules.json'));
  for (const name of ['facts', 'rules', 'profile', 'config', 'report', 'workflow']) written.add(path.join(root, 'dist', 'validators', `${name}.cjs`));
  for (const entry of readdirSync(path.join(root, 'dist'), { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && !written.has(file) && !entry.name.startsWith('.gen-')) rmSync(file, { force: true });
  }
  await writeBuiltinRules();
  writeValidators();
  return result;
}

/**
 * dist/validators/<name>.cjs: the published JSON Schemas compiled ahead of time (ajv standalone code),
 * so that reading a facts file or a spec does not compile the schema at run time. The options match
 * `createAjv` in src/util/validate.ts, which compiles from source when these files are absent.
 */
function writeValidators() {
  const require = createRequire(import.meta.url);
  const Ajv2020 = require('ajv/dist/2020.js').default;
  const addFormats = require('ajv-formats').default;
  const standaloneCode = require('ajv/dist/standalone/index.js').default;
  const dir = path.join(root, 'dist', 'validators');
  mkdirSync(dir, { recursive: true });
  for (const name of ['facts', 'rules', 'profile', 'config', 'report', 'workflow']) {
    const schema = JSON.parse(readFileSync(path.join(root, 'schemas', `${name}.schema.json`), 'utf8'));
    const ajv = new Ajv2020({ allErrors: false, strict: false, useDefaults: false, code: { source: true } });
    addFormats(ajv);
    writeFileSync(path.join(dir, `${name}.cjs`), standaloneCode(ajv, ajv.compile(schema)));
  }
}

/**
 * dist/builtin-rules.json: the built-in rule pack, validated (schema, CEL, fact paths, duplicate ids)
 * and stripped of its fixtures, so that `assess` reads JSON instead of parsing YAML. A broken rule
 * file fails the build with the same one-line error the CLI would print.
 */
async function writeBuiltinRules() {
  const tmp = path.join(root, 'dist', `.gen-${process.pid}.mjs`);
  await build({
    absWorkingDir: root,
    entryPoints: ['src/rules/load.ts'],
    outfile: tmp,
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    define: { __MLREADY_VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'error',
  });
  try {
    const { builtinBundle } = await import(pathToFileURL(tmp).href);
    let bundle;
    try {
      bundle = builtinBundle();
    } catch (e) {
      throw new Error(`built-in rules: ${e.message}`);
    }
    writeFileSync(path.join(root, 'dist', 'builtin-rules.json'), JSON.stringify(bundle));
  } finally {
    rmSync(tmp, { force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const result = await buildAll();
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  process.stdout.write(`built dist/ (${(bytes / 1024).toFixed(0)} KiB) in ${Math.round(performance.now() - started)} ms\n`);
}
