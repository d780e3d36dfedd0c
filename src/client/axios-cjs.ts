/**
 * One copy of axios. openapi-client-axios is CommonJS and `require`s axios' CJS build; importing
 * the ESM build as well loads axios twice (measured: ~170 ms vs ~95 ms for axios +
 * openapi-client-axios at start-up). Types still come from the package's declarations.
 */
import { createRequire } from 'node:module';
import type AxiosStatic from 'axios';
import type { OpenAPIClientAxios as OpenAPIClientAxiosClass } from 'openapi-client-axios';

const require = createRequire(import.meta.url);

export const axios = require('axios') as typeof AxiosStatic;

/** Loaded on first use: only BackendClient needs the request builder. */
export function loadOpenAPIClientAxios(): typeof OpenAPIClientAxiosClass {
  return (require('openapi-client-axios') as { OpenAPIClientAxios: typeof OpenAPIClientAxiosClass }).OpenAPIClientAxios;
}
