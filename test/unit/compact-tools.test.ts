/**
 * Compact tool definitions for the LLM path: tool-safe reversible names, `$ref`s inlined
 * (cycle-safe, depth-limited), nullable unions collapsed, aliases dropped, enums and defaults
 * kept — and the top-8 tools of typical requests within 3,000 tokens (a real tokenizer).
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_LEVELS, compactSchema, essentialFields, operationIdForTool, toolDefinition, toolDefinitions, toolNameFor } from '../../src/spec/compact.js';
import { makeCatalog } from '../../src/spec/normalize.js';
import { bundledSpecPath, loadCatalog } from '../../src/spec/load.js';
import type { Catalog, Operation } from '../../src/spec/types.js';
import { buildOperationIndex, loadRetrievalDomain } from '../../src/retrieval/index.js';
import { countToolTokens } from '../../src/bench/tokens.js';
import { upstreamSpecPath } from '../support/shared.js';

const TYPICAL = [
  'create a session with 2 fGPU and 16g memory using the pytorch image',
  'terminate the session exp-3',
  'show me the logs of train-job-1',
  'list my sessions',
  'create a folder named runs',
  'delete the folder old-data',
  'share the datasets folder with bob@example.com',
  'which resource presets can I use?',
  'how much GPU do I have left?',
  'serve the model in the models folder with vllm',
  'scale my service to 3 replicas',
  '새 세션을 GPU 2개로 만들어 줘',
  '내 폴더 목록 보여줘',
  'what is my role',
  'list the available images',
];

let upstream: Catalog;
beforeAll(async () => {
  upstream = await loadCatalog({ source: upstreamSpecPath(), cache: false });
});

const op = (over: Partial<Operation>): Operation => ({
  operationId: 'x.y',
  method: 'POST',
  path: '/x',
  summary: 'Do x.',
  description: '',
  tags: [],
  parameters: [],
  requestBodyRequired: false,
  effect: 'write',
  privilege: 'user',
  ...over,
});

describe('tool names', () => {
  it('are tool-safe and map back to the operationId', () => {
    for (const o of upstream.operations) {
      const name = toolNameFor(o.operationId, upstream);
      expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(operationIdForTool(name, upstream)).toBe(o.operationId);
    }
    expect(toolNameFor('v2/sessions.my_search')).toBe('v2__sessions_my_search');
  });

  it('stay unique when two ids would sanitise alike, and long ids are shortened with a hash', () => {
    const long = `a.${'very_long_name_'.repeat(6)}`;
    const catalog = makeCatalog(
      { title: 't', version: '1', sha256: '0'.repeat(64), source: { kind: 'file', location: 'x' } },
      [op({ operationId: 'a.b_c' }), op({ operationId: 'a_b.c', path: '/y' }), op({ operationId: long, path: '/z' })],
      {},
    );
    const names = catalog.operations.map((o) => toolNameFor(o.operationId, catalog));
    expect(new Set(names).size).toBe(3);
    for (const [i, name] of names.entries()) {
      expect(name.length).toBeLessThanOrEqual(64);
      expect(operationIdForTool(name, catalog)).toBe(catalog.operations[i]!.operationId);
    }
    expect(operationIdForTool('a.b_c', catalog)).toBe('a.b_c'); // a model answering with the raw id
    expect(operationIdForTool('nope', catalog)).toBeUndefined();
  });
});

describe('compact schemas', () => {
  const schemas = {
    Node: { type: 'object', title: 'Node', properties: { name: { type: 'string', title: 'Name' }, child: { $ref: '#/components/schemas/Node' } } },
    Mode: { type: 'string', enum: ['ro', 'rw'], title: 'Mode' },
    Body: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', description: 'Name of the thing' },
        mode: { anyOf: [{ $ref: '#/components/schemas/Mode' }, { type: 'null' }], default: 'rw' },
        tag: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, title: 'Tag', examples: ['x'] },
        clusterSize: { type: 'integer', description: 'alias of cluster_size' },
        cluster_size: { type: 'integer', default: 1 },
        note: { type: 'string', description: 'x'.repeat(300) },
        tree: { $ref: '#/components/schemas/Node' },
      },
    },
  };
  const catalog = { schemas } as unknown as Catalog;

  it('inlines refs, collapses nullable unions, keeps enums/defaults, drops titles, long descriptions and aliases', () => {
    const s = compactSchema({ $ref: '#/components/schemas/Body' }, catalog);
    const props = s.properties as Record<string, Record<string, unknown>>;
    expect(s.required).toEqual(['name']);
    expect(props.name).toEqual({ type: 'string', description: 'Name of the thing' });
    expect(props.mode).toEqual({ type: 'string', enum: ['ro', 'rw'], default: 'rw' });
    expect(props.tag).toEqual({ type: 'string' });
    expect(props.clusterSize).toBeUndefined();
    expect(props.cluster_size).toEqual({ type: 'integer', default: 1 });
    expect(props.note).toEqual({ type: 'string' });
    expect(JSON.stringify(s)).not.toContain('title');
  });

  it('is cycle-safe and depth-limited', () => {
    const s = compactSchema({ $ref: '#/components/schemas/Node' }, catalog, { maxDepth: 10 });
    const child = (s.properties as Record<string, Record<string, unknown>>).child!;
    expect(child).toEqual({ type: 'object' }); // the cycle stops at the second Node
    const shallow = compactSchema({ $ref: '#/components/schemas/Body' }, catalog, { maxDepth: 1 });
    expect((shallow.properties as Record<string, unknown>).tree).toEqual({ type: 'object' });
  });

  it('turns "one of two spellings is required" into a plain required field, and drops unions that accept anything', () => {
    const withAlias = {
      Cfg: {
        type: 'object',
        required: ['model'],
        anyOf: [{ required: ['scaling_group'] }, { required: ['scalingGroup'] }],
        properties: { model: { type: 'string' }, scaling_group: { type: 'string' }, scalingGroup: { type: 'string', description: 'alias of scaling_group' } },
      },
    };
    const s = compactSchema({ $ref: '#/components/schemas/Cfg' }, { schemas: withAlias } as unknown as Catalog);
    expect(s.required).toEqual(['model', 'scaling_group']);
    expect(s.anyOf).toBeUndefined();
    expect(compactSchema({ anyOf: [{ type: 'string' }, { description: 'anything' }] }, catalog)).toEqual({});
  });

  it('keeps essential fields below the depth and optional cut-offs, with short descriptions', () => {
    const nested = {
      Outer: {
        type: 'object',
        properties: {
          config: {
            type: 'object',
            properties: {
              resources: { type: 'object', properties: { cpu: { type: 'number', description: 'CPU cores.' }, mem: { type: 'string' }, gpu: { type: 'number' } } },
              scaling_group: { type: 'string' },
              extra: { type: 'object', properties: { deep: { type: 'string' } } },
            },
          },
          other: { type: 'object', properties: { x: { type: 'string' } } },
        },
      },
    };
    const cat = { schemas: nested } as unknown as Catalog;
    const last = COMPACT_LEVELS[COMPACT_LEVELS.length - 1]!;
    const plain = compactSchema({ $ref: '#/components/schemas/Outer' }, cat, last);
    expect(plain.properties).toEqual({}); // nothing required, nothing essential
    const kept = compactSchema({ $ref: '#/components/schemas/Outer' }, cat, last, 0, [], { config: { resources: { cpu: {} }, scaling_group: {} } });
    expect(kept).toEqual({
      type: 'object',
      properties: {
        config: {
          type: 'object',
          properties: {
            // a record of plain values is shown whole once one of its fields is essential
            resources: { type: 'object', properties: { cpu: { type: 'number', description: 'CPU cores.' }, mem: { type: 'string' }, gpu: { type: 'number' } } },
            scaling_group: { type: 'string' },
          },
        },
      },
    });
  });

  it('a dangling ref or garbage schema gives an empty schema, not a crash', () => {
    expect(compactSchema({ $ref: '#/components/schemas/Missing' }, catalog)).toEqual({});
    expect(compactSchema('nonsense', catalog)).toEqual({});
  });
});

describe('tool definitions', () => {
  it('have the OpenAI shape with path, query and body groups', () => {
    const t = toolDefinition(upstream.get('session.destroy')!, upstream);
    expect(t.type).toBe('function');
    expect(t.function.name).toBe('session_destroy');
    const params = t.function.parameters as { properties: Record<string, { properties: Record<string, unknown> }>; required: string[] };
    expect(Object.keys(params.properties.pathParams!.properties)).toEqual(['session_name']);
    expect(params.required).toContain('pathParams');
    expect(Object.keys(params.properties.query!.properties)).toEqual(expect.arrayContaining(['forced', 'recursive']));
    const create = toolDefinition(upstream.get('folders.create')!, upstream).function.parameters as { properties: { body: { properties: Record<string, unknown>; required: string[] } } };
    expect(create.properties.body.required).toEqual(['name']);
    expect(create.properties.body.properties.usage_mode).toMatchObject({ enum: ['general', 'model', 'data'], default: 'general' });
  });

  it('say what the operation does and who may call it', () => {
    const t = toolDefinition(upstream.get('v2/sessions.admin_search_sessions')!, upstream);
    expect(t.function.description).toContain('Search sessions');
    expect(t.function.description).toContain('superadmin only');
  });

  it('shrink a huge body to fit the per-tool budget', async () => {
    const big = upstream.get('v2/rbac.search_assignments')!;
    const full = toolDefinition(big, upstream, { maxDepth: 6 });
    const fitted = toolDefinition(big, upstream);
    expect(JSON.stringify(fitted).length).toBeLessThan(JSON.stringify(full).length);
    expect(await countToolTokens([fitted])).toBeLessThanOrEqual(700);
  });

  it('essential fields come from the curated examples (nested, aliases included)', async () => {
    const curated = await loadCatalog({ source: 'bundled', cache: false });
    const tree = essentialFields(curated.get('services.create')!);
    expect(tree.config).toMatchObject({ model: {}, scaling_group: {}, resources: { cpu: {}, mem: {}, 'cuda.shares': {} } });
    expect(tree.image).toEqual({}); // an alias of lang: compaction maps it to the canonical field
    expect(essentialFields(upstream.get('session.destroy')!)).toEqual({});
  });

  /** The body's `config` of a tool as the model sees it. */
  function configOf(tool: { function: { parameters: Record<string, unknown> } }): { properties?: Record<string, { properties?: Record<string, unknown> }>; required?: string[] } {
    const params = tool.function.parameters as { properties: { body: { properties: Record<string, unknown> } } };
    return params.properties.body.properties.config as ReturnType<typeof configOf>;
  }

  it.skipIf(!existsSync(bundledSpecPath()))('session and service creation keep config.resources, scaling_group and model at every level and in the top 8', async () => {
    const curated = await loadCatalog({ source: 'bundled', cache: false });
    const session = curated.get('session.create_from_params')!;
    const service = curated.get('services.create')!;
    for (const level of COMPACT_LEVELS) {
      const s = configOf(toolDefinition(session, curated, level));
      expect(Object.keys(s.properties!)).toEqual(expect.arrayContaining(['resources', 'scaling_group', 'mounts']));
      expect(Object.keys(s.properties!.resources!.properties!)).toEqual(['cpu', 'mem', 'cuda.shares', 'cuda.device']);
      const v = configOf(toolDefinition(service, curated, level));
      expect(Object.keys(v.properties!)).toEqual(expect.arrayContaining(['model', 'scaling_group', 'resources']));
      expect(v.required).toEqual(['model', 'scaling_group']);
    }
    // as offered for requests that also pull in other large tools
    const index = buildOperationIndex(curated, loadRetrievalDomain());
    for (const q of ['새 세션을 GPU 2개로 만들어 줘', 'launch a batch job that runs python train.py on 4 GPUs', 'serve the model in the models folder with vllm']) {
      const tools = toolDefinitions(index.search(q, { k: 8 }).map((r) => r.operation), curated);
      for (const t of tools.filter((x) => x.function.name === 'session_create_from_params' || x.function.name === 'services_create')) {
        expect(configOf(t).properties!.resources!.properties).toHaveProperty(['cuda.shares']);
        expect(configOf(t).properties).toHaveProperty('scaling_group');
      }
      expect(tools.some((t) => t.function.name === 'session_create_from_params' || t.function.name === 'services_create')).toBe(true);
    }
  });

  async function worstTopEight(catalog: Catalog): Promise<number> {
    const index = buildOperationIndex(catalog, loadRetrievalDomain());
    let worst = 0;
    for (const q of TYPICAL) {
      const tools = toolDefinitions(index.search(q, { k: 8 }).map((r) => r.operation), catalog);
      expect(tools.length).toBe(8);
      worst = Math.max(worst, await countToolTokens(tools));
    }
    return worst;
  }

  it('top-8 tools of typical requests stay within 3,000 tokens (upstream spec)', async () => {
    expect(await worstTopEight(upstream)).toBeLessThanOrEqual(3000);
  });

  it.skipIf(!existsSync(bundledSpecPath()))('top-8 tools of typical requests stay within 3,000 tokens (curated spec)', async () => {
    expect(await worstTopEight(await loadCatalog({ source: 'bundled', cache: false }))).toBeLessThanOrEqual(3000);
  });
});
