/** Property-style tests: odd, garbage, huge and binary input never throws and stays fast. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequest, MAX_ANALYSED_CHARS } from '../../src/planner/offline/parse/index.js';

const ms = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

const PIECES = [
  'create', 'a', 'session', 'with', '5', 'fGPU', 'and', 'then', 'kill', 'it', 'folder', '세션', '만들고', '폴더를', '마운트해서',
  '"', "'", '`', 'named', 'x-1', '128GB', 'shm', '=', 'KEY=val', '@', 'a@b.co', '/', '..', '-', '—', '😀', '\u0000', '\uE000', '\n',
  'half', 'a', 'GPU', 'two', 'nodes', 'preset', 'resource group', 'whichever', '반', '개', 'at', '/home/work/x', 'read-only',
];

describe('parseRequest robustness', () => {
  it('never throws on random unicode strings and always returns a well-formed result', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        const r = parseRequest(s);
        expect(Array.isArray(r.intents)).toBe(true);
        expect(['en', 'ko', 'mixed']).toContain(r.language);
        for (const p of r.intents) {
          expect(p.confidence).toBeGreaterThanOrEqual(0);
          expect(p.confidence).toBeLessThanOrEqual(1);
          expect(Array.isArray(p.missing)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on shuffled request-like words (quotes, placeholders, Korean) and is deterministic', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (words) => {
        const text = words.join(' ');
        const a = parseRequest(text);
        const b = parseRequest(text);
        expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      }),
      { numRuns: 400 },
    );
  });

  it('a 1 MB input returns quickly with a reason, not an exception', () => {
    const huge = 'create a session with 5 fGPU and '.repeat(32_000);
    expect(huge.length).toBeGreaterThan(1_000_000);
    let r!: ReturnType<typeof parseRequest>;
    const t = ms(() => (r = parseRequest(huge)));
    // a hang guard, not a benchmark (the parser's speed is in npm run bench): refused before analysis
    expect(t).toBeLessThan(1000);
    expect(r.intents).toEqual([]);
    expect(r.refusal).toMatch(/too long/);
  });

  it('long but acceptable input is analysed up to the cap and says so', () => {
    const text = `kill x-1 ${'a'.repeat(MAX_ANALYSED_CHARS * 2)}`;
    const r = parseRequest(text);
    expect(r.intents[0]?.intent.kind).toBe('session.destroy');
    expect(r.leftovers?.join(' ')).toMatch(/first \d+ characters/);
  });

  it('pathological repetitions stay fast (no catastrophic backtracking)', () => {
    const inputs = [
      'a'.repeat(MAX_ANALYSED_CHARS),
      '-'.repeat(MAX_ANALYSED_CHARS),
      'x-'.repeat(MAX_ANALYSED_CHARS / 2),
      '1.'.repeat(MAX_ANALYSED_CHARS / 2),
      'and '.repeat(MAX_ANALYSED_CHARS / 4),
      'mount a, '.repeat(MAX_ANALYSED_CHARS / 9),
      'pytorch 2.1 '.repeat(MAX_ANALYSED_CHARS / 12),
      '세션 '.repeat(MAX_ANALYSED_CHARS / 3),
      '"'.repeat(MAX_ANALYSED_CHARS),
      "'a ".repeat(MAX_ANALYSED_CHARS / 3),
      'KEY=value '.repeat(MAX_ANALYSED_CHARS / 10),
      'a@'.repeat(MAX_ANALYSED_CHARS / 2),
      '/a'.repeat(MAX_ANALYSED_CHARS / 2),
      'in the x resource group '.repeat(MAX_ANALYSED_CHARS / 24),
      "x-x's ".repeat(MAX_ANALYSED_CHARS / 6),
      'is in the x '.repeat(MAX_ANALYSED_CHARS / 12),
      'move a and '.repeat(MAX_ANALYSED_CHARS / 11),
      '하나는 a, 다른 하나는 '.repeat(MAX_ANALYSED_CHARS / 14),
    ];
    for (const s of inputs) {
      const t = ms(() => parseRequest(s));
      // generous on purpose: catastrophic backtracking takes seconds to hours, a busy machine a few hundred ms
      expect(t, s.slice(0, 30)).toBeLessThan(1000);
    }
  });

  it('binary and empty input is refused with a reason', () => {
    expect(parseRequest('\u0000\u0001\u0002\u0003\u0004\u0005binary\u0006\u0007').refusal).toBeTruthy();
    expect(parseRequest('').refusal).toMatch(/empty/);
    expect(parseRequest('   \n\t ').refusal).toMatch(/empty/);
    expect(parseRequest(undefined as unknown as string).refusal).toBeTruthy();
  });
});
