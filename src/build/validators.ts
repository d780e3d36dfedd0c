/**
 * `npm run build`, third step: compile every body and parameter validator of the bundled spec
 * into dist/validators/ (validator-cache.ts). A run loads the few it needs from the package, so a
 * cold start needs no ajv, and no code is ever loaded from a user-writable cache directory.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../spec/load.js';
import { SpecValidator, precompiledValidatorsRoot } from '../spec/validator.js';

async function build(): Promise<void> {
  const root = precompiledValidatorsRoot();
  rmSync(join(root, 'validators'), { recursive: true, force: true });
  const catalog = await loadCatalog({ source: 'bundled', cache: false });
  const validator = new SpecValidator(catalog, { precompiledRoot: null, saveRoot: root });
  for (const op of catalog.operations) {
    if (op.requestBody) validator.validateBody(op, {});
    const pathParams = Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, 'x']));
    const query = Object.fromEntries(op.parameters.filter((p) => p.in === 'query').map((p) => [p.name, 'x']));
    validator.validateParams(op, pathParams, query);
  }
  if (validator.stats.compiled === 0) throw new Error('no validator was compiled');
}

build().catch((err: unknown) => {
  process.stderr.write(`building the validators failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
