/** The request checks of `bai-agent serve` that the e2e test cannot reach easily (IPv6, bound addresses). */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { allowedHostnames, checkHost, checkOrigin, checkToken, HttpError, hostnameOf } from '../../src/serve/guard.js';

const req = (headers: Record<string, string>, method = 'POST') => ({ headers, method }) as unknown as IncomingMessage;

function statusOf(fn: () => void): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as HttpError).status;
  }
}

describe('serve request guard', () => {
  it('takes the host name out of a Host header, IPv6 included', () => {
    expect(hostnameOf('localhost:8091')).toBe('localhost');
    expect(hostnameOf('127.0.0.1')).toBe('127.0.0.1');
    expect(hostnameOf('[::1]:8091')).toBe('::1');
    expect(hostnameOf('Evil.Example:80')).toBe('evil.example');
  });

  it('answers to localhost names, plus the bound address when it is a specific one', () => {
    expect([...allowedHostnames('127.0.0.1')].sort()).toEqual(['127.0.0.1', '::1', 'localhost']);
    expect(allowedHostnames('0.0.0.0').has('0.0.0.0')).toBe(false);
    expect(allowedHostnames('192.168.1.5').has('192.168.1.5')).toBe(true);
    const allowed = allowedHostnames('127.0.0.1');
    expect(statusOf(() => checkHost(req({ host: '[::1]:9' }), allowed))).toBeUndefined();
    expect(statusOf(() => checkHost(req({ host: 'localhost.attacker.example:9' }), allowed))).toBe(403);
    expect(statusOf(() => checkHost(req({}), allowed))).toBe(400);
  });

  it('refuses cross-origin writes but not same-origin ones or reads', () => {
    expect(statusOf(() => checkOrigin(req({ host: '127.0.0.1:9', origin: 'http://127.0.0.1:9' })))).toBeUndefined();
    expect(statusOf(() => checkOrigin(req({ host: '127.0.0.1:9', origin: 'http://127.0.0.1:10' })))).toBe(403);
    expect(statusOf(() => checkOrigin(req({ host: '127.0.0.1:9', origin: 'null' })))).toBe(403);
    expect(statusOf(() => checkOrigin(req({ host: '127.0.0.1:9', origin: 'https://a.example' }, 'GET')))).toBeUndefined();
  });

  it('accepts only the exact bearer token', () => {
    const token = 'a'.repeat(43);
    expect(statusOf(() => checkToken(req({ authorization: `Bearer ${token}` }), token))).toBeUndefined();
    expect(statusOf(() => checkToken(req({ authorization: `bearer ${token}` }), token))).toBeUndefined();
    expect(statusOf(() => checkToken(req({ authorization: `Bearer ${token}x` }), token))).toBe(401);
    expect(statusOf(() => checkToken(req({ authorization: token }), token))).toBe(401);
    expect(statusOf(() => checkToken(req({}), token))).toBe(401);
  });
});
