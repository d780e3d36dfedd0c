import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BaiError } from '../../src/errors.js';
import { loadPolicy, parsePolicy, PolicyError, didYouMean } from '../../src/policy/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bai-policy-'));
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** The error's lines, for asserting each problem. */
async function problems(path: string): Promise<string[]> {
  try {
    await loadPolicy(path, { env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(BaiError);
    expect((err as BaiError).kind).toBe('bad_input');
    return (err as Error).message.split('\n');
  }
  throw new Error(`${path} loaded without error`);
}

const VALID = `name: mine
defaults: { read: allow, write: confirm }
rules:
  - match: { operationId: "session.*" }
    verdict: allow
    reason: sessions are fine
`;

describe('loading policy files', () => {
  it('loads a valid file by path and pins its sha256', async () => {
    const p = file('ok.yaml', VALID);
    const loaded = await loadPolicy(p, { env: {} });
    expect(loaded.name).toBe('mine');
    expect(loaded.source).toBe(p);
    expect(loaded.policy.rules).toHaveLength(1);
    expect(loaded.sha256).toBe((await parsePolicy(VALID, 'x')).sha256);
  });

  it('takes a file path from BAI_AGENT_POLICY', async () => {
    const p = file('env.yaml', VALID);
    expect((await loadPolicy(undefined, { env: { BAI_AGENT_POLICY: p } })).name).toBe('mine');
  });

  it('a typo in a key is an error with line, column and a did-you-mean', async () => {
    const p = file('typo.yaml', VALID.replace('    verdict: allow', '    verdcit: allow'));
    const lines = await problems(p);
    expect(lines).toContain(`${p}:5:5: rules[0].verdcit: unknown key "verdcit" (did you mean "verdict"?)`);
    // the rule now also lacks its verdict: both problems are listed
    expect(lines.some((l) => l.startsWith(`${p}:4:5: rules[0]: missing required key "verdict"`))).toBe(true);
  });

  it('a wrong verdict value names the allowed values and what was given', async () => {
    const p = file('verdict.yaml', VALID.replace('verdict: allow', 'verdict: alow'));
    expect(await problems(p)).toEqual([`${p}:5:14: rules[0].verdict: must be one of allow, confirm, deny (got "alow")`]);
  });

  it('reports every problem, in file order, not just the first', async () => {
    const p = file(
      'many.yaml',
      `name: many
defaults: { read: allow, write: maybe }
rules:
  - match: { method: post }
    verdict: deny
    reason: no posts
caps:
  sessionsPerRun: three
  resources: { mem: lots, cuda.shares: 8 }
allow:
  imagez: [python]
`,
    );
    const lines = await problems(p);
    expect(lines).toEqual([
      `${p}:2:33: defaults.write: must be one of allow, confirm, deny (got "maybe")`,
      `${p}:4:22: rules[0].match.method: must be one of GET, POST, PUT, PATCH, DELETE, HEAD (got "post")`,
      `${p}:8:19: caps.sessionsPerRun: must be a number (got "three")`,
      `${p}:11:3: allow.imagez: unknown key "imagez" (did you mean "images"?)`,
    ]);
  });

  it('checks cap quantities once the shape is right', async () => {
    const p = file('caps.yaml', `name: c\ndefaults: { read: allow, write: allow }\ncaps:\n  resources:\n    mem: 256gb\n    cpu: lots\n    cuda.mem: 1x\n`);
    const lines = await problems(p);
    expect(lines).toEqual([
      `${p}:6:10: caps.resources.cpu: must be a number (got "lots")`,
      `${p}:7:15: caps.resources.cuda.mem: must be a byte size like 256g or a byte count (got "1x")`,
    ]);
  });

  it('a wrong type names the expected type', async () => {
    const p = file('type.yaml', `name: t\ndefaults: { read: allow, write: allow }\nrules:\n  match: {}\n`);
    expect(await problems(p)).toEqual([`${p}:4:3: rules: must be a list (got a mapping)`]);
    const q = file('type2.yaml', `name: t\ndefaults: { read: allow, write: allow }\nrules:\n  - match: { operationId: 12 }\n    verdict: allow\n    reason: r\n`);
    expect(await problems(q)).toEqual([`${q}:4:27: rules[0].match.operationId: must be a string or a list (got 12)`]);
  });

  it('a missing required key points at the mapping that lacks it', async () => {
    const p = file('missing.yaml', `name: m\nrules: []\n`);
    expect(await problems(p)).toEqual([`${p}:1:1: missing required key "defaults"`]);
  });

  it('bad YAML syntax gives line and column', async () => {
    const p = file('syntax.yaml', `name: s\ndefaults: { read: allow, write: allow\nrules: []\n`);
    const lines = await problems(p);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: YAML syntax: \\S`));
    const dup = file('dup.yaml', `name: a\nname: b\ndefaults: { read: allow, write: allow }\n`);
    expect((await problems(dup))[0]).toMatch(new RegExp(`:2:1: YAML syntax: .*[Uu]nique`));
  });

  it('an empty file, a scalar document and a binary file are clear errors', async () => {
    const empty = file('empty.yaml', '');
    expect(await problems(empty)).toEqual([`${empty}:1:1: the file is empty: a policy needs at least \`name\` and \`defaults\``]);
    const comments = file('comments.yaml', '# nothing here\n');
    expect((await problems(comments))[0]).toContain('the file is empty');
    const scalar = file('scalar.yaml', 'just text\n');
    expect((await problems(scalar))[0]).toBe(`${scalar}:1:1: must be a mapping of policy keys (name, defaults, rules, caps, allow)`);
    const binary = file('binary.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff]));
    expect(await problems(binary)).toEqual([`${binary}:1:1: not a text file (binary content): a policy is a YAML document`]);
  });

  it('an unknown policy name lists the bundled ones; a missing file says so', async () => {
    await expect(loadPolicy('strict', { env: {} })).rejects.toThrow('unknown policy "strict": bundled policies are ci, default, readonly');
    await expect(loadPolicy(join(dir, 'nope.yaml'), { env: {} })).rejects.toThrow(`policy file ${join(dir, 'nope.yaml')} not found`);
    await expect(loadPolicy(dir + '/', { env: {} })).rejects.toThrow('is a directory');
  });

  it('PolicyError carries the structured problems', async () => {
    const err = await parsePolicy('name: x\n', 'inline.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).problems).toEqual([{ line: 1, col: 1, path: '', message: 'missing required key "defaults"' }]);
  });

  it('allowAdmin: a rule uses its allowAdmin verdict only with the flag, and says so', async () => {
    const text = `name: a
defaults: { read: allow, write: allow }
rules:
  - match: { privilege: superadmin }
    verdict: deny
    allowAdmin: confirm
    reason: superadmin only
  - match: { privilege: admin }
    verdict: deny
    reason: never admin
`;
    const without = await parsePolicy(text, 'a.yaml');
    const withFlag = await parsePolicy(text, 'a.yaml', { allowAdmin: true });
    expect(without.allowAdmin).toBe(false);
    expect(withFlag.allowAdmin).toBe(true);
    expect(withFlag.sha256).toBe(without.sha256);
    expect(without.policy.rules.map((r) => r.verdict)).toEqual(['deny', 'deny']);
    expect(withFlag.policy.rules.map((r) => r.verdict)).toEqual(['confirm', 'deny']);
    expect(withFlag.policy.rules[0]!.reason).toBe('superadmin only (--allow-admin: confirm)');
  });

  it('did-you-mean suggests close keys only', () => {
    expect(didYouMean('opertionId', ['operationId', 'tag'])).toBe('operationId');
    expect(didYouMean('operation_id', ['operationId', 'tag'])).toBe('operationId');
    expect(didYouMean('zzz', ['operationId', 'tag'])).toBeUndefined();
  });
});
