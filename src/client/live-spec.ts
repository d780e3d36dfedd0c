/**
 * The live manager's own OpenAPI document (`GET /spec/openapi/spec.json`, facts §11): needs
 * auth and the manager option `api.allow-openapi-schema-introspection` (off by default).
 */
import type { BackendClient } from './client.js';
import { BackendApiError } from './errors.js';
import { BaiError } from '../errors.js';

export const LIVE_SPEC_PATH = '/spec/openapi/spec.json';

export async function fetchLiveSpec(client: Pick<BackendClient, 'request'>, opts: { signal?: AbortSignal } = {}): Promise<string> {
  try {
    const res = await client.request<unknown>('GET', LIVE_SPEC_PATH, opts.signal ? { signal: opts.signal } : {});
    const doc = res.data;
    if (!doc || typeof doc !== 'object' || !('paths' in doc)) {
      throw new BaiError(`the manager's ${LIVE_SPEC_PATH} is not an OpenAPI document (no "paths")`, 'unavailable');
    }
    return JSON.stringify(doc);
  } catch (err) {
    if (err instanceof BackendApiError && err.status === 403) {
      throw new BaiError(
        'the manager does not expose its spec (api.allow-openapi-schema-introspection is off); use the bundled spec or --spec FILE',
        'api',
        { cause: err },
      );
    }
    if (err instanceof BackendApiError && err.status === 404) {
      throw new BaiError(`the manager has no ${LIVE_SPEC_PATH} (older release?); use the bundled spec or --spec FILE`, 'api', { cause: err });
    }
    throw err;
  }
}
