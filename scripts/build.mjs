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
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importSrc } from './lib/import-src.mjs';

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

/** Modules with a variant for the bundle (`x.js` → `x.bundle.ts`): see src/rules/cel-library.bundle.ts. */
const BUNDLE_VARIANTS = new Set(['./cel-library.js']);
const bundleVariants = {
  name: 'bundle-variants',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => {
      if (!BUNDLE_VARIANTS.has(args.path)) return undefined;
      return { path: path.join(args.resolveDir, args.path.replace(/\.js$/, '.bundle.ts')) };
    });
  },
};

// The bundle is CommonJS; code written as ESM reads its own location from import.meta.url.
const banner = "var __mlrImportMetaUrl = require('url').pathToFileURL(__filename).href;";

/**
 * Large dependencies that only some commands use stay out of the bundle and load from node_modules
 * when needed: the Kubernetes client (--target k8s), systeminformation (macOS and Windows probes),
 * the prompts of `init`, and lint's Dockerfile parser. Every other command starts without reading them.
 */
const OPTIONAL_HEAVY = ['@kubernetes/client-node', 'systeminformation', '@inquirer/prompts', 'dockerfile-ast'];

const GENERATED = () => [
  path.join(root, 'dist', 'cli.cjs.cache'),
  path.join(root, 'dist', 'builtin-rules.json'),
  path.join(root, 'dist', 'builtin-rules-artifact.json'),
  path.join(root, 'dist', 'templates-html.cjs'),
  path.join(root, 'dist', 'templates-html.cjs.cache'),
  ...['builtin-code.cjs', 'builtin-code-artifact.cjs'].flatMap((f) => [path.join(root, 'dist', f), path.join(root, 'dist', `${f}.cache`)]),
  ...['facts', 'rules', 'profile', 'config', 'report', 'workflow'].flatMap((n) => [
    path.join(root, 'dist', 'validators', `${n}.cjs`),
    path.join(root, 'dist', 'validators', `${n}.cjs.cache`),
  ]),
];

/**
 * One CommonJS bundle, dist/cli.cjs, and a V8 code cache for it (dist/cli.cjs.cache).
 *
 * Start-up is compile-bound: measured here, V8 spent ~33 ms compiling the ES-module chunks of an
 * assess run. Node 20 has no compile cache for ES modules (module.enableCompileCache is Node 22), so
 * the CLI is one CommonJS script that bin/mlready compiles with vm.Script and the cached data the build
 * produced by running the CLI once (`--cache-run`). Modules a command does not need are wrapped by
 * esbuild in lazy initialisers and never run; a stale or foreign cache is rejected by V8 and the CLI
 * simply compiles as usual.
 */
export async function buildAll({ quiet = false } = {}) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20.19',
    // The bundle runs as a vm.Script, where import() has no loader: dynamic imports of what stays
    // outside the bundle become require() (Node >= 20.19 requires ES modules too).
    supported: { 'dynamic-import': false },
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    define: { __MLREADY_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__mlrImportMetaUrl' },
    external: ['*.node', 'cpu-features', ...LAZY.flatMap((l) => l.external), ...OPTIONAL_HEAVY],
    plugins: [lazyRequires, bundleVariants],
    banner: { js: banner },
    metafile: true,
    logLevel: quiet ? 'error' : 'warning',
  });
  // esbuild escapes non-ASCII characters in strings but keeps comments as written: a few dashes and
  // arrows there would make the whole bundle a two-byte string to decode on every run.
  const bundleFile = path.join(root, 'dist', 'cli.cjs');
  writeFileSync(bundleFile, ascii(readFileSync(bundleFile, 'utf8')));
  // Remove what an earlier build left (the ES-module chunks of earlier versions, say).
  const keep = new Set([...Object.keys(result.metafile.outputs).map((f) => path.join(root, f)), ...GENERATED()]);
  for (const entry of readdirSync(path.join(root, 'dist'), { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && !keep.has(file) && !entry.name.startsWith('.gen-')) rmSync(file, { force: true });
  }
  await writeBuiltinRules();
  writeValidators();
  writeCodeCache();
  return result;
}

/**
 * Generated JavaScript and JSON with every non-ASCII character written as a \\u escape (the same value in
 * strings, regular expressions, identifiers and JSON): V8 then reads the file as a one-byte string,
 * which decodes about twice as fast as a two-byte one (esbuild does the same for the bundle).
 */
function ascii(text) {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Runs the CLI once (`bin/mlready --cache-run FACTS`: an assess of a saved facts document in every
 * report format, and a probe of this machine and its Docker engine) so that V8 compiles what typical
 * runs need, and saves that code.
 */
function writeCodeCache() {
  const cacheFile = path.join(root, 'dist', 'cli.cjs.cache');
  for (const file of GENERATED().filter((f) => f.endsWith('.cache'))) rmSync(file, { force: true });
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mlready'), '--cache-run', path.join(root, 'rules', 'fixtures', 'gpu-server.json')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (r.status !== 0) throw new Error(`code cache run failed (exit ${r.status}): ${r.stderr}`);
}

/**
 * dist/templates-html.cjs: the HTML report's handlebars template precompiled, keyed as
 * src/util/templates.ts looks it up, so a run loads only the handlebars runtime (rule messages travel
 * precompiled in the rules' code modules). The options must match that module's COMPILE_OPTIONS.
 */
function writeTemplates() {
  const require = createRequire(import.meta.url);
  const Handlebars = require('handlebars');
  const html = readFileSync(path.join(root, 'templates', 'report', 'report.html.hbs'), 'utf8');
  const write = (file, list) =>
    writeFileSync(
      path.join(root, 'dist', file),
      ascii(`// Generated by scripts/build.mjs: precompiled handlebars templates.\nmodule.exports = {\n${list.map(([key, spec]) => `  ${JSON.stringify(key)}: ${spec}`).join(',\n')}\n};\n`),
    );
  write('templates-html.cjs', [[`html\0${html}`, Handlebars.precompile(html, { noEscape: false, strict: false })]]);
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
    writeFileSync(path.join(dir, `${name}.cjs`), ascii(standaloneCode(ajv, ajv.compile(schema))));
  }
}

/**
 * dist/builtin-rules.json: the built-in rule pack, validated (schema, CEL, fact paths, duplicate ids)
 * and stripped of its fixtures, so that `assess` reads JSON instead of parsing YAML. A broken rule
 * file fails the build with the same one-line error the CLI would print.
 */
async function writeBuiltinRules() {
  const { builtinBundles, BUNDLE_FILES, CODE_FILES } = await importSrc('src/rules/load.ts');
  let bundles;
  try {
    bundles = builtinBundles();
  } catch (e) {
    throw new Error(`built-in rules: ${e.message}`);
  }
  // Next to each bundle its code: CEL compiled to JavaScript (src/rules/cel-native-compile.ts) and the
  // messages precompiled (options as in src/util/templates.ts), so that assess parses neither.
  const Handlebars = createRequire(import.meta.url)('handlebars');
  const { codeModule } = await importSrc('src/rules/cel-native-compile.ts');
  const build = randomUUID();
  for (const [kind, bundle] of Object.entries(bundles)) {
    writeFileSync(path.join(root, 'dist', BUNDLE_FILES[kind]), ascii(JSON.stringify({ ...bundle, build })));
    const code = codeModule(
      bundle.rules.map((r) => ({ ...r, messageSpec: Handlebars.precompile(r.message, { noEscape: true, strict: false }) })),
      build,
    );
    writeFileSync(path.join(root, 'dist', CODE_FILES[kind]), ascii(code.code));
  }
  writeTemplates();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const result = await buildAll();
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  process.stdout.write(`built dist/ (${(bytes / 1024).toFixed(0)} KiB) in ${Math.round(performance.now() - started)} ms\n`);
}
