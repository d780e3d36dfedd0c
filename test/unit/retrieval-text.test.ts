/**
 * Query processing: tokenising, stemming, Korean particles and endings, phrase matching with
 * gaps and exact forms, and the domain data file's validation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KoreanStripper, stem, terms, tokens, words } from '../../src/retrieval/text.js';
import { GAP, PhraseTable, compileRetrievalDomain, loadRetrievalDomain, validateDomainData } from '../../src/retrieval/domain.js';
import { analyzeQuery, conceptCoverage } from '../../src/retrieval/query.js';
import { BaiError } from '../../src/errors.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bai-retrieval-text-'));
  process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env.BAI_AGENT_CACHE_DIR;
});

const korean = new KoreanStripper(['을', '를', '에서', '로', '들', '의'], ['해줘', '줘', '해']);

describe('words and stems', () => {
  it('splits identifiers and keeps the whole camelCase word too', () => {
    expect(words('clusterSize')).toEqual(['clustersize', 'cluster', 'size']);
    expect(words('v2/sessions.my_search')).toEqual(['v2', 'sessions', 'my', 'search']);
    expect(words('5 fGPU로')).toEqual(['5', 'fgpu', 'gpu', '로']);
    expect(words('GPUs')).toEqual(['gpus']);
  });

  it('stems English word forms to one term', () => {
    expect(new Set(['session', 'sessions'].map(stem))).toEqual(new Set(['session']));
    expect(new Set(['create', 'creating', 'created', 'creates'].map(stem)).size).toBe(1);
    expect(new Set(['delete', 'deleted', 'deleting'].map(stem)).size).toBe(1);
    expect(stem('running')).toBe(stem('run'));
    expect(stem('policies')).toBe('policy');
    expect(stem('status')).toBe('status');
    expect(stem('v2')).toBe('v2');
  });

  it('strips Korean particles and endings but keeps two-syllable stems', () => {
    expect(korean.strip('세션을')).toBe('세션');
    expect(korean.strip('폴더에서')).toBe('폴더');
    expect(korean.strip('종료해줘')).toBe('종료');
    expect(korean.strip('줘')).toBe('');
    expect(korean.strip('만들')).toBe('만들'); // not 만 + 들
    expect(terms('notebook-old 세션을 종료해 줘', korean)).toEqual(['notebook', 'old', '세션', '종료']);
  });

  it('marks words inside names and quoted strings', () => {
    const t = tokens("kill my-lab and run 'python train.py'", korean);
    const inName = Object.fromEntries(t.map((x) => [x.raw, x.inName]));
    expect(inName).toMatchObject({ kill: false, my: true, lab: true, run: false, python: true, train: true });
  });
});

describe('phrase table', () => {
  const seq = (text: string) => tokens(text, korean);

  it('prefers the longest phrase and uses each word once', () => {
    const table = new PhraseTable<string>(korean);
    table.add(['resourc', 'group'], 'scaling-group');
    table.add(['resourc'], 'resource');
    table.add(['group'], 'project');
    expect(table.match(seq('list resource groups')).map((m) => m.payload)).toEqual(['scaling-group']);
    expect(table.match(seq('resource usage of my group')).map((m) => m.payload)).toEqual(['resource', 'project']);
  });

  it('matches Korean stems as prefixes, one-syllable keys only before a particle', () => {
    const table = new PhraseTable<string>(korean);
    table.add(['만들'], 'create');
    table.add(['앱'], 'app');
    table.add(['내'], 'my');
    expect(table.match(seq('세션 만들어줘')).map((m) => m.payload)).toEqual(['create']);
    expect(table.match(seq('앱을 열어')).map((m) => m.payload)).toEqual(['app']);
    expect(table.match(seq('내려받기')).map((m) => m.payload)).toEqual([]);
  });

  it('lets "..." stand for a few words in between', () => {
    const table = new PhraseTable<string>(korean);
    table.add(['이름', GAP, '바꿔'], 'rename');
    expect(table.match(seq('세션 이름을 exp-4로 바꿔줘')).map((m) => m.payload)).toEqual(['rename']);
    expect(table.match(seq('이름 a b c d e f 바꿔')).map((m) => m.payload)).toEqual([]);
  });

  it('exact entries compare the words as written', () => {
    const table = new PhraseTable<string>(korean);
    table.add(['sessions'], 'plural', true);
    expect(table.match(seq('list sessions')).length).toBe(1);
    expect(table.match(seq('the session')).length).toBe(0);
  });
});

describe('query analysis with the bundled domain data', () => {
  const domain = () => loadRetrievalDomain();

  it('expands what users say into the catalog vocabulary, below literal weight', () => {
    const q = analyzeQuery('spin up a notebook with 2 fGPU', domain());
    expect(q.weights.get('session')).toBeGreaterThan(0);
    expect(q.weights.get('session')).toBeLessThan(1);
    expect(q.weights.get('cuda')).toBeGreaterThan(0);
    expect(q.weights.get('creat')).toBeGreaterThan(0);
    expect(q.actions.has('create')).toBe(true);
    expect(q.weights.has('a')).toBe(false); // stopword
  });

  it('Korean requests map onto the same vocabulary', () => {
    const q = analyzeQuery('notebook-old 세션을 종료해 줘', domain());
    expect(q.weights.get('session')).toBeGreaterThan(0);
    expect(q.weights.get('terminat')).toBeGreaterThan(0);
    expect(q.actions.has('destroy')).toBe(true);
  });

  it('words of names count less than words of the request', () => {
    const q = analyzeQuery('show the logs of my-lab', domain());
    expect(q.weights.get('my')).toBeLessThan(q.weights.get('log')!);
  });

  it('detects admin scope', () => {
    expect(analyzeQuery('list sessions of all users', domain()).privileged).toBe(true);
    expect(analyzeQuery('관리자 권한으로 세션 조회', domain()).privileged).toBe(true);
    expect(analyzeQuery('list my sessions', domain()).privileged).toBe(false);
  });

  it('counts concepts, not expansion terms', () => {
    const q = analyzeQuery('print the output', domain());
    // "output" expands to log and container: matching both is still one concept
    const oneWord = conceptCoverage(q, ['log', 'container']);
    const literal = conceptCoverage(q, ['print', 'log']);
    expect(literal).toBeGreaterThan(oneWord);
  });
});

describe('domain data validation', () => {
  const valid = {
    version: 1,
    stopwords: ['the'],
    korean: { particles: ['을'], endings: ['줘'] },
    synonyms: [{ says: ['notebook'], means: ['session'] }],
    actions: { create: { says: ['make'], operations: ['create'], boost: 1.5 } },
    privilege: { says: ['admin'], factors: { admin: 0.7, superadmin: 0.5 } },
  };

  it('accepts a minimal file and compiles it', () => {
    const d = compileRetrievalDomain(validateDomainData(valid, 'x.yaml'), 'sha');
    expect(d.synonyms.match(tokens('a notebook', d.korean)).length).toBe(1);
  });

  it.each([
    [{ ...valid, version: 2 }, /version: must be 1/],
    [{ ...valid, synonyms: [{ says: [], means: ['x'] }] }, /synonyms\[0\]\.says: must not be empty/],
    [{ ...valid, synonyms: [{ says: ['x'], means: ['y'], weight: -1 }] }, /synonyms\[0\]\.weight: must be a positive number/],
    [{ ...valid, patterns: [{ regex: '(', means: ['x'] }] }, /patterns\[0\]\.regex/],
    [{ ...valid, actions: { create: { says: ['x'], operations: ['y'] } } }, /actions\.create\.boost/],
    [{ ...valid, privilege: {} }, /privilege: must have says and factors/],
    ['just text', /top level: must be a mapping/],
  ])('rejects a bad file with a one-line error naming the key (%#)', (raw, message) => {
    const err = (() => {
      try {
        validateDomainData(raw, 'bad.yaml');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BaiError);
    expect(err!.message).toMatch(/^bad\.yaml: /);
    expect(err!.message).toMatch(message);
    expect(err!.message).not.toContain('\n');
  });

  it('a data file that is not YAML is a clear error', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'synonyms: [unclosed\n  - : :');
    expect(() => loadRetrievalDomain(file)).toThrow(BaiError);
  });
});
