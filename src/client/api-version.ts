/**
 * Backend.AI API version strings (facts §1.5, §15.6): `vMAJOR.YYYYMMDD`, compared as
 * (major, date). The manager accepts exactly the strings it knows (`VALID_VERSIONS`); the official
 * client asks `GET /` for the manager's version and sends the lower of the two.
 */

/** What this agent speaks (the newest manager's `LATEST_API_VERSION`). */
export const LATEST_API_VERSION = 'v9.20250722';

/** The oldest manager version the agent talks to: the official client's `MIN_API_VERSION`. */
export const MIN_API_VERSION = 'v7.20230615';

/** Every version string a current manager accepts, oldest first (`manager/api/rest/app.py`). */
export const KNOWN_API_VERSIONS = [
  'v4.20181215', 'v4.20190115', 'v4.20190315', 'v4.20190615', 'v5.20191215', 'v6.20200815', 'v6.20220315',
  'v6.20220615', 'v6.20221201', 'v6.20230315', 'v7.20230615', 'v8.20240315', 'v8.20240915', 'v9.20250722',
] as const;

export function parseApiVersion(v: string): [number, string] | undefined {
  const m = /^v(\d+)\.(\d{8})$/.exec(v.trim());
  return m ? [Number(m[1]), m[2]!] : undefined;
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. Both must parse. */
export function compareApiVersions(a: string, b: string): number {
  const pa = parseApiVersion(a);
  const pb = parseApiVersion(b);
  if (!pa || !pb) throw new Error(`not an API version: ${pa ? b : a}`);
  return pa[0] !== pb[0] ? pa[0] - pb[0] : pa[1].localeCompare(pb[1]);
}
