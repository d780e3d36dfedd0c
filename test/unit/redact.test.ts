/** Secrets in what is shown or written down: registered values, `NAME=value` text, `environ` documents. */
import { describe, expect, it } from 'vitest';
import { declarePublic, redact, redactValue, registerSecretVariables } from '../../src/redact.js';

describe('redact', () => {
  it('masks NAME=value where NAME looks secret, in any text (a request, a log line)', () => {
    expect(redact('create a session with WANDB_API_KEY=abc123secret and HF_HOME=/data')).toBe('create a session with WANDB_API_KEY=*** and HF_HOME=/data');
    expect(redact("run it with DB_PASSWORD='two words' now")).toBe('run it with DB_PASSWORD=*** now');
    expect(redact('token=xyz, api_key=1')).toBe('token=***, api_key=***');
    expect(redact('tokens: 1500, keypair policy')).toBe('tokens: 1500, keypair policy'); // words, not assignments
  });

  it('values of secret-looking variables in an environ object are masked in documents; the rest is kept', () => {
    const doc = { request: 'x', steps: [{ body: { config: { environ: { WANDB_API_KEY: 'k', HF_TOKEN: 't', HOME: '/h' } } } }] };
    expect(redactValue(doc)).toEqual({ request: 'x', steps: [{ body: { config: { environ: { WANDB_API_KEY: '***', HF_TOKEN: '***', HOME: '/h' } } } }] });
    expect(doc.steps[0]!.body.config.environ.WANDB_API_KEY).toBe('k'); // a copy: what is sent keeps the value
  });

  it('a registered variable value is masked wherever it appears, named or not', () => {
    registerSecretVariables({ MY_SECRET: 'hunter2-value', PLAIN: 'visible-value' });
    expect(redact('the value hunter2-value and visible-value')).toBe('the value *** and visible-value');
  });

  it('keeps a __proto__ key a plain key', () => {
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as Record<string, unknown>;
    const out = redactValue(parsed);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('declared public values (the sandbox test keys) are not masked as assignments', () => {
    declarePublic('sandbox-public-key-0001');
    expect(redact('export BACKEND_SECRET_KEY=sandbox-public-key-0001')).toBe('export BACKEND_SECRET_KEY=sandbox-public-key-0001');
  });
});
