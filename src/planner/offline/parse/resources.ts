/**
 * Quantity slots: accelerators (fGPU / whole GPUs / "half a GPU"), CPU cores, memory and shared
 * memory (binary units, as the manager reads sizes), cluster size, session count, replicas.
 * Each extractor returns the value and the spans it consumed, so later name extraction does not
 * mistake "128gb" or "2-node" for a name.
 */
import type { AcceleratorAmount, ResourceRequest } from '../intents.js';
import { LB, NUM, RB, toNumber } from './text.js';

export interface Span {
  start: number;
  end: number;
}

export interface Found<T> {
  value: T;
  spans: Span[];
}

const re = (src: string, flags = 'g'): RegExp => new RegExp(src, flags);

const FGPU_UNIT = '(?:f-?gpus?|fractional\\s+gpus?|gpu\\s+shares?|cuda\\s+shares?|shares?\\s+of\\s+(?:a\\s+)?gpu)';
const GPU_UNIT =
  '(?:(?:whole|full|nvidia|cuda|physical)\\s+)?(?:gpus?|graphics\\s+cards?|cuda\\s+devices?|(?:a100|h100|h200|v100|a10g?|l4|t4|l40s?|a6000|rtx\\s?\\d{4})s?|지피유|그래픽\\s?카드)';

/** After a unit: not a word character, and not a hyphenated name ("a gpu-small preset", "a cpu-large box"). */
const RB_UNIT = `${RB}(?!-[A-Za-z0-9])`;

const ACCEL_NUM_FIRST = re(`${LB}${NUM}\\s*(?:x\\s*|개의\\s*|개\\s*)?(?:(${FGPU_UNIT})|(${GPU_UNIT}))${RB_UNIT}`);
const ACCEL_UNIT_FIRST = re(`${LB}(?:(f-?gpus?)|(gpus?|지피유|그래픽\\s?카드))\\s*(?:[:=]\\s*|를\\s*|을\\s*|는\\s*|은\\s*|가\\s*|이\\s*)?${NUM}\\s*(?:개씩|개|장씩|장|units?${RB}|${RB})`);

/** "5 fGPU", "half a GPU", "GPU 2개", "지피유 두 개", "2 A100s". First mention wins. */
export function extractAccelerator(lower: string): Found<AcceleratorAmount> | undefined {
  const hits: Array<{ index: number; end: number; amount: number; unit: 'fgpu' | 'gpu'; text: string; article?: boolean }> = [];
  for (const m of lower.matchAll(ACCEL_NUM_FIRST)) {
    const amount = toNumber(m[1]!);
    if (amount === undefined || amount <= 0) continue;
    // "a GPU session with 2 fGPU", "세션 하나 fGPU 6개": an article (or a count of the session) only says "with a GPU"; a number said elsewhere wins
    const article = /^(?:an?|하나|한)$/.test(m[1]!.trim());
    hits.push({ index: m.index, end: m.index + m[0].length, amount, unit: m[2] ? 'fgpu' : 'gpu', text: m[0].trim(), ...(article ? { article } : {}) });
  }
  for (const m of lower.matchAll(ACCEL_UNIT_FIRST)) {
    const amount = toNumber(m[3]!);
    if (amount === undefined || amount <= 0) continue;
    // "gpu 2 nodes": the number belongs to another noun
    if (/^\s*(?:nodes?|노드|cores?|코어|gb|기가|replicas?|sessions?)/.test(lower.slice(m.index + m[0].length))) continue;
    hits.push({ index: m.index, end: m.index + m[0].length, amount, unit: m[1] ? 'fgpu' : 'gpu', text: m[0].trim() });
  }
  hits.sort((a, b) => a.index - b.index);
  const first = hits.find((h) => !h.article) ?? hits[0];
  if (!first) return undefined;
  return { value: { amount: first.amount, unit: first.unit, text: first.text }, spans: hits.map((h) => ({ start: h.index, end: h.end })) };
}

const CPU_NUM_FIRST = re(`${LB}${NUM}\\s*(?:x\\s*|개의\\s*)?(?:v?cpu\\s*cores?|cpu\\s*코어|cores?|v?cpus?|코어|씨피유)${RB_UNIT}`);
const CPU_UNIT_FIRST = re(`${LB}(?:v?cpus?|씨피유|코어)\\s*(?:[:=]\\s*|를\\s*|을\\s*|는\\s*|은\\s*|가\\s*)?${NUM}(?!\\s*(?:g|gb|gib|m|mb|기가|메가|t|tb)${RB})\\s*(?:개|코어|cores?${RB}|${RB})`);

export function extractCpu(lower: string): Found<number> | undefined {
  const hits: Array<{ index: number; end: number; value: number }> = [];
  for (const rx of [CPU_NUM_FIRST, CPU_UNIT_FIRST]) {
    for (const m of lower.matchAll(rx)) {
      const value = toNumber(m[1]!);
      if (value === undefined || value <= 0) continue;
      hits.push({ index: m.index, end: m.index + m[0].length, value });
    }
  }
  hits.sort((a, b) => a.index - b.index);
  const first = hits[0];
  return first ? { value: first.value, spans: hits.map((h) => ({ start: h.index, end: h.end })) } : undefined;
}

const UNIT_EXP: Array<[RegExp, number]> = [
  [/^(?:t|tb|tib|terabytes?|테라(?:바이트)?)$/, 4],
  [/^(?:g|gb|gib|gigs?|gigabytes?|기가(?:바이트)?)$/, 3],
  [/^(?:m|mb|mib|megs?|megabytes?|메가(?:바이트)?)$/, 2],
  [/^(?:k|kb|kib|kilobytes?)$/, 1],
];
const SIZE_WORD_UNITS = '(tb|tib|terabytes?|테라바이트|테라|gb|gib|gigs?|gigabytes?|기가바이트|기가|mb|mib|megs?|megabytes?|메가바이트|메가|kb|kib)';
const SIZE = re(`${LB}(?:${NUM}\\s*${SIZE_WORD_UNITS}|(\\d+(?:\\.\\d+)?)(t|g|m))${RB}`);

const SHMEM_BEFORE = /(?:shared[\s-]*mem(?:ory)?|shm(?:em)?|\/dev\/shm|공유\s*메모리)\s*(?:of|is|:|=|to|size|는|은|를|을|가|이|로)?\s*(?:of\s+)?$/;
const SHMEM_AFTER = /^\s*(?:of\s+)?(?:(?:for\s+|as\s+)?shared[\s-]*mem(?:ory)?|shm(?:em)?|of\s+shm|\/dev\/shm|of\s+\/dev\/shm|공유\s*메모리)/;
const STORAGE_NEAR = /(?:quota|storage|disk|volume|용량|쿼터|디스크)\s*(?:of|:|=)?\s*$|^\s*(?:of\s+)?(?:quota|storage|disk|용량|쿼터)/;

/** Words after which "45m" is a duration, not 45 MB. */
const TIME_NEAR = /(?:timeout|time\s*limit|time-?out|limit|for|after|within|max(?:imum)?\s+(?:run\s*)?time|runtime|duration|expire[sd]?|valid(?:ity)?)\s*(?:of|:|=|is)?\s*$/;

function bytesOf(n: number, unit: string): number | undefined {
  const u = unit.toLowerCase();
  const exp = UNIT_EXP.find(([rx]) => rx.test(u))?.[1];
  if (exp === undefined) return undefined;
  const bytes = Math.round(n * 1024 ** exp);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** Memory and shared memory in bytes ("128GB RAM", "32 gigs", "8g shared memory", "공유 메모리 1기가"). */
export function extractMemory(lower: string): { mem?: Found<number>; shmem?: Found<number> } {
  const out: { mem?: Found<number>; shmem?: Found<number> } = {};
  for (const m of lower.matchAll(SIZE)) {
    const n = toNumber(m[1] ?? m[3] ?? '');
    const unit = m[2] ?? m[4] ?? '';
    if (n === undefined) continue;
    const bytes = bytesOf(n, unit);
    if (bytes === undefined) continue;
    const before = lower.slice(Math.max(0, m.index - 30), m.index);
    const after = lower.slice(m.index + m[0].length, m.index + m[0].length + 30);
    const span = { start: m.index, end: m.index + m[0].length };
    if (SHMEM_BEFORE.test(before) || SHMEM_AFTER.test(after)) {
      out.shmem ??= { value: bytes, spans: [] };
      out.shmem.spans.push(span);
    } else if (STORAGE_NEAR.test(before) || STORAGE_NEAR.test(after)) {
      continue; // a folder quota, not session memory
    } else if (/^m$/i.test(unit) && TIME_NEAR.test(before)) {
      continue; // "timeout 45m" is minutes
    } else {
      out.mem ??= { value: bytes, spans: [] };
      out.mem.spans.push(span);
    }
  }
  return out;
}

export function extractResources(lower: string): { resources: ResourceRequest; spans: Span[] } {
  const resources: ResourceRequest = {};
  const spans: Span[] = [];
  const acc = extractAccelerator(lower);
  if (acc) (resources.accelerator = acc.value), spans.push(...acc.spans);
  const cpu = extractCpu(lower);
  if (cpu) (resources.cpu = cpu.value), spans.push(...cpu.spans);
  const { mem, shmem } = extractMemory(lower);
  if (mem) (resources.mem = mem.value), spans.push(...mem.spans);
  if (shmem) (resources.shmem = shmem.value), spans.push(...shmem.spans);
  return { resources, spans };
}

const CLUSTER_NODES = re(`${LB}${NUM}[\\s-]*(?:nodes?|노드)${RB}|(?:노드|nodes?)\\s*${NUM}\\s*(?:개|대)`);
const CLUSTER_OF = re(`cluster\\s+(?:of|with)\\s+${NUM}\\s*(?:containers?|kernels?|replicas?|workers?)?|${NUM}[\\s-]*(?:containers?|kernels?|workers?)${RB}|컨테이너\\s*${NUM}\\s*개`);

/** "2-node cluster", "on 3 nodes", "노드 2개" → multi-node; "cluster of 4 containers (on one node)" → single-node. */
export function extractCluster(lower: string): Found<{ size: number; mode?: 'single-node' | 'multi-node' }> | undefined {
  const nodes = re(CLUSTER_NODES.source).exec(lower);
  // "한 노드 안에 컨테이너 3개": one node holding several containers is a single-node cluster of those
  const containers = re(CLUSTER_OF.source).exec(lower);
  const containerCount = containers ? toNumber(containers[1] ?? containers[2] ?? containers[3] ?? '') : undefined;
  if (nodes && toNumber(nodes[1] ?? nodes[2] ?? '') === 1 && containerCount !== undefined && containerCount > 1) {
    return { value: { size: containerCount, mode: 'single-node' }, spans: [{ start: nodes.index, end: nodes.index + nodes[0].length }, { start: containers!.index, end: containers!.index + containers![0].length }] };
  }
  if (nodes) {
    const size = toNumber(nodes[1] ?? nodes[2] ?? '');
    if (size !== undefined && Number.isInteger(size) && size >= 1) {
      const mode = size > 1 ? 'multi-node' : /single[\s-]*node|same\s+node|one\s+node|단일\s*노드/.test(lower) ? 'single-node' : undefined;
      return { value: { size, ...(mode ? { mode } : {}) }, spans: [{ start: nodes.index, end: nodes.index + nodes[0].length }] };
    }
  }
  const of = re(CLUSTER_OF.source).exec(lower);
  if (of) {
    const size = toNumber(of[1] ?? of[2] ?? of[3] ?? '');
    if (size !== undefined && Number.isInteger(size) && size > 1) {
      const mode = /multi[\s-]*node|across\s+(?:\w+\s+)?nodes|different\s+nodes|여러\s*노드|멀티\s*노드/.test(lower) ? 'multi-node' : 'single-node';
      return { value: { size, mode }, spans: [{ start: of.index, end: of.index + of[0].length }] };
    }
  }
  if (/multi[\s-]*node|멀티\s*노드/.test(lower)) return { value: { size: 2, mode: 'multi-node' }, spans: [] };
  return undefined;
}

const COUNT_EN = re(`${LB}${NUM}\\s+(?:(?:new|more|identical|separate|[a-z0-9.]+)\\s+){0,3}?(?:sessions|notebooks|jobs|containers|instances|boxes|workloads)${RB}`);
const COUNT_KO = re(`(?:세션|노트북|작업|컨테이너)(?:을|를)?\\s*${NUM}\\s*개|${NUM}\\s*개의?\\s*(?:\\S+\\s+)?(?:세션|노트북|작업)`);

/** "3 sessions", "세션 세 개" → how many to create. */
export function extractCount(lower: string): Found<number> | undefined {
  for (const rx of [COUNT_EN, COUNT_KO]) {
    const m = re(rx.source).exec(lower);
    if (!m) continue;
    const n = toNumber(m[1] ?? m[2] ?? '');
    if (n !== undefined && Number.isInteger(n) && n > 1 && n <= 1000) return { value: n, spans: [{ start: m.index, end: m.index + m[0].length }] };
  }
  return undefined;
}

const REPLICAS = re(`${LB}${NUM}\\s*(?:replicas?|instances?|copies|레플리카|복제본)${RB}|(?:replicas?|레플리카|복제본)\\s*(?:to|=|:|of|를|을|은|는|가|이)?\\s*${NUM}\\s*(?:개)?|(?:to|up\\s+to|down\\s+to)\\s+${NUM}${RB}(?!\\s*(?:gb|g|fgpu|gpus?|cores?))`);

export function extractReplicas(lower: string): Found<number> | undefined {
  const m = re(REPLICAS.source).exec(lower);
  if (!m) return undefined;
  const n = toNumber(m[1] ?? m[2] ?? m[3] ?? '');
  return n !== undefined && Number.isInteger(n) && n >= 0 ? { value: n, spans: [{ start: m.index, end: m.index + m[0].length }] } : undefined;
}

const DURATION_UNIT = '(s|secs?|seconds?|초|m|mins?|minutes?|분|h|hrs?|hours?|시간|d|days?|일|w|weeks?|주)(?![a-z])';
const DURATION = new RegExp(`(\\d+)\\s*${DURATION_UNIT}`);
/** "one day", "an hour", "two weeks": a spelled-out amount before a unit word. */
const WORDED_DURATION = new RegExp(`(?<![a-z])(a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty)\\s+(seconds?|minutes?|hours?|days?|weeks?)(?![a-z])`);
/** Korean words that are a duration on their own: 하루 (a day), 이틀, 사흘, 일주일 (a week). */
const KOREAN_DURATION: Array<[RegExp, number, string]> = [
  [/일주일|한\s*주/, 1, 'w'],
  [/사흘/, 3, 'd'],
  [/이틀/, 2, 'd'],
  [/하루/, 1, 'd'],
];

/** "timeout of 2 hours" → 7200 seconds; also returns the compact form (`2h`) for token lifetimes. */
export function extractDuration(lower: string): { seconds: number; compact: string } | undefined {
  const m = DURATION.exec(lower) ?? worded(lower);
  if (!m) {
    const ko = KOREAN_DURATION.find(([re]) => re.test(lower));
    if (!ko) return undefined;
    const [, n, c] = ko;
    return { seconds: n * (c === 'w' ? 604800 : 86400), compact: `${n}${c}` };
  }
  const n = Number(m[1]);
  const u = m[2]!;
  const [mult, c] = /^(s|sec|초)/.test(u)
    ? [1, 's']
    : /^(m|min|분)/.test(u)
      ? [60, 'm']
      : /^(h|hr|hour|시간)/.test(u)
        ? [3600, 'h']
        : /^(d|day|일)/.test(u)
          ? [86400, 'd']
          : [604800, 'w'];
  return { seconds: n * mult, compact: `${n}${c}` };
}

/** A spelled-out duration as [_, digits, unit], like DURATION's match. */
function worded(lower: string): [string, string, string] | undefined {
  const m = WORDED_DURATION.exec(lower);
  if (!m) return undefined;
  const n = toNumber(m[1]!);
  return n === undefined ? undefined : [m[0], String(n), m[2]!];
}
