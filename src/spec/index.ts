export type * from './types.js';
export { SpecError } from './errors.js';
export { loadCatalog, catalogFromText, parseDocument, bundledSpecPath, BUNDLED_SPEC_FILE } from './load.js';
export type { LoadCatalogOptions } from './load.js';
export { normalizeDocument, makeCatalog, effectOf, privilegeFromDescription } from './normalize.js';
export { loadDataFile } from './data-file.js';
export type { DataFile } from './data-file.js';
export { SpecValidator, formatProblems } from './validator.js';
export type { ValidationProblem, ValidationResult } from './validator.js';
