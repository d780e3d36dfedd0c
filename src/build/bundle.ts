/**
 * `npm run build`, second step: bundle the CLI (dist/cli/bin.js) into dist/bundle/ with esbuild.
 * A cold `bai-agent plan` otherwise spends most of its time resolving, reading and compiling the
 * several hundred files of LangGraph, LangChain, zod, axios and ajv; bundled and minified, they
 * are a few chunks. Commands stay lazily loaded (code splitting keeps each `import()` its own
 * chunk, and bundled CommonJS modules only run when first required).
 *
 * Our modules load CommonJS packages lazily with `createRequire(import.meta.url)` (ajv, yaml, the
 * CJS build of axios that openapi-client-axios also uses). esbuild cannot follow such a local
 * `require`, so the plugin below drops that line from our own modules: their `require(...)` calls
 * become esbuild's, and the packages are bundled with the same laziness.
 */
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { packageRoot } from '../paths.js';

/** Dependencies that must stay in node_modules (none today: everything loaded at run time bundles). */
const EXTERNAL = new Set<string>();

const LOCAL_REQUIRE = /^const require = createRequire\(import\.meta\.url\);$/m;

function bundleLocalRequires(distDir: string): Plugin {
  return {
    name: 'bundle-local-requires',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(distDir)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!LOCAL_REQUIRE.test(source)) return undefined;
        return { contents: source.replace(LOCAL_REQUIRE, ''), loader: 'js' };
      });
    },
  };
}

async function bundle(): Promise<void> {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  // dev dependencies are never loaded by the installed command; listing them keeps a stray import visible as a runtime error
  const external = [...Object.keys(pkg.devDependencies ?? {}), ...EXTERNAL];
  const outdir = join(root, 'dist', 'bundle');
  rmSync(outdir, { recursive: true, force: true });
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(root, 'dist', 'cli', 'bin.js')],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // ESM builds first where a package has both (graphql's index.mjs): CJS behind import() loses its named exports
    mainFields: ['module', 'main'],
    // bundled CommonJS packages still `require` Node built-ins: give every chunk a real `require`
    banner: { js: "import { createRequire as __baiCreateRequire } from 'node:module'; const require = __baiCreateRequire(import.meta.url);" },
    plugins: [bundleLocalRequires(join(root, 'dist'))],
    // less source to read and pre-parse on every cold start; identifiers stay readable in stack traces
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    legalComments: 'none',
  });
}

bundle().catch((err: unknown) => {
  process.stderr.write(`bundle failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
