/** The fault injector's outage mode: a change is made, its answer lost, and then the manager is gone. */
import { describe, expect, it } from 'vitest';
import { parseFaultSpec } from '../../src/sandbox/faults.js';
import { FaultInjector } from '../../src/sandbox/faults.js';

describe('outageAfterWrite', () => {
  it('parses, and after the first drop-after-write drops every request', () => {
    const spec = parseFaultSpec('dropAfterWrite=1,outageAfterWrite=1,seed=9');
    expect(spec).toEqual({ dropAfterWrite: 1, outageAfterWrite: 1, seed: 9 });
    const f = new FaultInjector(spec);
    expect(f.decide(false).kind).toBe('none'); // reads pass until a write was dropped
    expect(f.decide(true).kind).toBe('dropAfterWrite');
    expect([f.decide(false), f.decide(true), f.decide(false)].map((d) => d.kind)).toEqual(['drop', 'drop', 'drop']);
  });

  it('without it, reads after a dropped write still get through', () => {
    const f = new FaultInjector(parseFaultSpec('dropAfterWrite=1'));
    expect(f.decide(true).kind).toBe('dropAfterWrite');
    expect(f.decide(false).kind).toBe('none');
  });

  it('an unknown key names the new one in the list', () => {
    expect(() => parseFaultSpec('outage=1')).toThrow(/outageAfterWrite/);
  });
});
