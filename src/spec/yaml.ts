/**
 * The `yaml` package, loaded on first use. It is CommonJS under Node; a synchronous require keeps
 * its named exports whether the CLI runs from dist/ or from the esbuild bundle (where an
 * `import()` of a CommonJS package only has a default export). Spec and policy loading share it.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function loadYaml(): typeof import('yaml') {
  return require('yaml') as typeof import('yaml');
}
