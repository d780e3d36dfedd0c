/**
 * Deterministic fault injection for reliability tests: a seeded PRNG decides, request by request,
 * whether to add latency, answer 5xx or 429, drop the connection before handling, or perform a
 * write and then drop the connection without answering (the client never learns it happened).
 *
 * Spec string: `latency=200,5xx=0.1,429=0.05,drop=0.02,dropAfterWrite=0.1,seed=42[,retryAfter=1][,outageAfterWrite=1]`.
 * `outageAfterWrite=1`: once a write has been dropped after it was made, every later request is
 * dropped too — the manager made the change and then went away, so the client cannot find out.
 */
import { BaiError } from '../errors.js';

export interface FaultSpec {
  /** Added latency per request, ms. */
  latencyMs?: number;
  /** Probabilities in [0, 1]. */
  error5xx?: number;
  rateLimit429?: number;
  drop?: number;
  dropAfterWrite?: number;
  seed?: number;
  /** Seconds for a `Retry-After` header on 429s (the real manager sends none). */
  retryAfter?: number;
  /** Non-zero: after the first drop-after-write, drop every request (an outage right after a change). */
  outageAfterWrite?: number;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: '5xx'; status: 500 | 503 }
  | { kind: '429' }
  | { kind: 'drop' }
  | { kind: 'dropAfterWrite' };

const KEYS: Record<string, keyof FaultSpec> = {
  latency: 'latencyMs',
  '5xx': 'error5xx',
  '429': 'rateLimit429',
  drop: 'drop',
  dropafterwrite: 'dropAfterWrite',
  seed: 'seed',
  retryafter: 'retryAfter',
  outageafterwrite: 'outageAfterWrite',
};

export function parseFaultSpec(text: string): FaultSpec {
  const spec: FaultSpec = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [rawKey, rawValue, extra] = part.split('=');
    const key = KEYS[(rawKey ?? '').trim().toLowerCase()];
    if (!key || rawValue === undefined || extra !== undefined) {
      throw new BaiError(`invalid fault spec "${part}": expected key=value with key one of latency, 5xx, 429, drop, dropAfterWrite, seed, retryAfter, outageAfterWrite`, 'bad_input');
    }
    const value = Number(rawValue.trim());
    if (!Number.isFinite(value) || value < 0) throw new BaiError(`invalid fault spec "${part}": the value must be a non-negative number`, 'bad_input');
    if (['error5xx', 'rateLimit429', 'drop', 'dropAfterWrite'].includes(key) && value > 1) {
      throw new BaiError(`invalid fault spec "${part}": a probability must be between 0 and 1`, 'bad_input');
    }
    spec[key] = value;
  }
  return spec;
}

/** mulberry32: small, fast, good enough for test schedules. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private random: () => number;
  private down = false;

  constructor(readonly spec: FaultSpec) {
    this.random = prng(spec.seed ?? 1);
  }

  /** One decision per request; the same spec and request order give the same decisions. */
  decide(isWrite: boolean): FaultDecision {
    if (this.down) return { kind: 'drop' };
    const r = this.random();
    const s = this.spec;
    let edge = 0;
    if (r < (edge += s.drop ?? 0)) return { kind: 'drop' };
    if (r < (edge += s.error5xx ?? 0)) return { kind: '5xx', status: this.random() < 0.5 ? 503 : 500 };
    if (r < (edge += s.rateLimit429 ?? 0)) return { kind: '429' };
    if (r < (edge += s.dropAfterWrite ?? 0) && isWrite) {
      if ((s.outageAfterWrite ?? 0) > 0) this.down = true;
      return { kind: 'dropAfterWrite' };
    }
    return { kind: 'none' };
  }
}
