/**
 * `npm run build`, second step: bundle the CLI (dist/cli/bin.js) into dist/bundle/ with esbuild.
 * A cold `bai-agent plan` spends most of its time resolving and reading the several hundred
 * files of LangGraph, LangChain and zod; bundled, they are a few chunks. Commands stay lazily
 * loaded (code splitting keeps each `import()` its own chunk).
 *
 * Only ESM packages are bundled. CommonJS ones (loaded with createRequire, or whose dynamic
 * import relies on Node's CJS interop: yaml, graphql, ajv, axios, …) stay in node_modules.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

/** Dependencies worth bundling (ESM, many files, loaded by every planning run). */
const BUNDLED = new Set(['@langchain/langgraph', '@langchain/core', '@langchain/openai', 'zod', 'graphql']);

async function bundle(): Promise<void> {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => !BUNDLED.has(name));
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
    logLevel: 'warning',
    legalComments: 'none',
  });
}

bundle().catch((err: unknown) => {
  process.stderr.write(`bundle failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
