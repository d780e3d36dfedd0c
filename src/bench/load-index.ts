/**
 * Child process of the bench: how long a cold process takes to get a usable index from the
 * cache (the index was built and cached by the parent). Prints one JSON line.
 * Usage: load-index.js <spec source> [synthetic size]
 */
import { loadCatalog } from '../spec/load.js';
import { loadOperationIndex, loadRetrievalDomain } from '../retrieval/index.js';
import { syntheticCatalog } from './synthetic.js';

async function main(): Promise<void> {
  const [source, synthetic] = process.argv.slice(2);
  if (!source) throw new Error('usage: load-index.js <spec source> [synthetic size]');
  const base = await loadCatalog({ source });
  const catalog = synthetic ? syntheticCatalog(base, Number(synthetic)) : base;
  const domainStarted = process.hrtime.bigint();
  const domain = loadRetrievalDomain();
  const domainMs = Number(process.hrtime.bigint() - domainStarted) / 1e6;
  const started = process.hrtime.bigint();
  const index = await loadOperationIndex(catalog, { domain });
  const indexMs = Number(process.hrtime.bigint() - started) / 1e6;
  const probe = index.search('create a session', { k: 1 }).length;
  process.stdout.write(`${JSON.stringify({ indexMs, domainMs, operations: index.size, probe })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
});
