/**
 * Match a request to a catalog operation by method and path template. Literal segments beat
 * parameters (`/folders/_/id` before `/folders/{name}`), as the manager's router resolves them.
 */
import type { Catalog, Operation } from '../spec/types.js';
import { Problem } from './problem.js';
import type { Role } from './world.js';

interface CompiledRoute {
  op: Operation;
  regex: RegExp;
  names: string[];
  /** Higher = more specific (more literal segments). */
  score: number;
}

export interface RouteMatch {
  op: Operation;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(catalog: Catalog) {
    this.routes = catalog.operations
      .map((op) => compile(op))
      .sort((a, b) => b.score - a.score);
  }

  /** The operation for METHOD path (no query), or a 404/405 Problem. */
  match(method: string, path: string): RouteMatch {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.op.method !== method) continue;
      const params: Record<string, string> = {};
      r.names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1] ?? '');
      });
      return { op: r.op, params };
    }
    if (pathMatched) throw new Problem(405, 'method-not-allowed', `${method} is not allowed on ${path}`);
    throw new Problem(404, 'url-not-found', `Unknown URL path: ${path}`, path);
  }
}

/** superadmin-only operations for anyone else; admin ones for plain users (facts §13). */
export function checkPrivilege(op: Operation, role: Role): void {
  const rank: Record<Role, number> = { user: 0, admin: 1, superadmin: 2 };
  if (op.privilege === 'superadmin' && rank[role] < 2) throw new Problem(403, 'generic-forbidden', 'Insufficient privileges');
  // `admin_required` routes (e.g. folder share/unshare, facts §15.5): domain admins and superadmins
  if (op.privilege === 'admin' && rank[role] < 1) throw new Problem(403, 'generic-forbidden', 'Insufficient privileges');
}

function compile(op: Operation): CompiledRoute {
  const names: string[] = [];
  let score = 0;
  const segments = op.path.split('/').filter(Boolean);
  const pattern = segments
    .map((seg) => {
      const p = /^\{([^}]+)\}$/.exec(seg);
      if (p) {
        names.push(p[1]!);
        return '([^/]+)';
      }
      score += 1;
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  // literal-only routes first among equal literal counts
  return { op, regex: new RegExp(`^/${pattern}/?$`), names, score: score * 10 + (names.length === 0 ? 1 : 0) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
