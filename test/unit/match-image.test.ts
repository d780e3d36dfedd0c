import { describe, expect, it } from 'vitest';
import { matchImages, type ImageRecord } from '../../src/planner/offline/match-image.js';

const img = (name: string, aliases: string[] = [], accel?: string[]): ImageRecord => ({
  name,
  aliases,
  ...(accel ? { supported_accelerators: accel } : {}),
});

/** The five images of the sandbox world. */
const SANDBOX: ImageRecord[] = [
  img('cr.backend.ai/stable/python:3.11-ubuntu22.04', ['python']),
  img('cr.backend.ai/stable/python-pytorch:2.3-py311-cuda12.1', ['pytorch']),
  img('cr.backend.ai/stable/ngc-pytorch:23.07-pytorch2.1-py310-cuda12.1', ['ngc-pytorch']),
  img('cr.backend.ai/stable/python-tensorflow:2.15-py312-cuda12.3', ['tensorflow']),
  img('cr.backend.ai/stable/vllm:0.6.2-cuda12.1', ['vllm']),
];

/** A larger list from other registries and versions, none of them with helpful aliases. */
const LARGE: ImageRecord[] = [
  img('registry.example.com/ml/python:3.9-ubuntu20.04'),
  img('registry.example.com/ml/python:3.12-ubuntu24.04'),
  img('registry.example.com/ml/python-pytorch:2.1-py310-cuda11.8'),
  img('registry.example.com/ml/python-pytorch:2.4-py312-cuda12.4'),
  img('registry.example.com/ml/python-tensorflow:2.13-py310-cuda11.8'),
  img('registry.example.com/ml/python-tensorflow:2.16-py312-cuda12.3'),
  img('registry.example.com/ml/python-tensorflow:2.16-py312', [], ['cpu']),
  img('nvcr.example.org/nvidia/ngc-pytorch:24.03-pytorch2.3-py310-cuda12.4'),
  img('nvcr.example.org/nvidia/ngc-pytorch:23.10-pytorch2.1-py310-cuda12.2'),
  img('nvcr.example.org/nvidia/ngc-tensorflow:23.10-tf2.13-py310-cuda12.2'),
  img('hub.example.net/serving/vllm:0.5.4-cuda12.1'),
  img('hub.example.net/serving/vllm:0.6.3-cuda12.4'),
  img('hub.example.net/serving/tgi:2.0-cuda12.1'),
  img('hub.example.net/lab/r-base:4.3-ubuntu22.04'),
  img('hub.example.net/lab/julia:1.10-ubuntu22.04'),
];

const top = (mention: string, images: ImageRecord[], wantsGpu = true): string | undefined =>
  matchImages(mention, images, { wantsGpu })[0]?.image.name;

describe('matchImages on the sandbox images', () => {
  it('exact reference and alias win outright', () => {
    expect(matchImages('cr.backend.ai/stable/python:3.11-ubuntu22.04', SANDBOX, { wantsGpu: false })[0]).toMatchObject({ score: 1 });
    expect(top('pytorch', SANDBOX)).toBe('cr.backend.ai/stable/python-pytorch:2.3-py311-cuda12.1');
    expect(top('PyTorch', SANDBOX)).toBe('cr.backend.ai/stable/python-pytorch:2.3-py311-cuda12.1');
    expect(top('vllm', SANDBOX)).toBe('cr.backend.ai/stable/vllm:0.6.2-cuda12.1');
    expect(top('stable/python:3.11-ubuntu22.04', SANDBOX)).toBe('cr.backend.ai/stable/python:3.11-ubuntu22.04');
  });
  it('NGC PyTorch 23.07 ranks the NGC image above plain pytorch', () => {
    const ranked = matchImages('NGC PyTorch 23.07', SANDBOX, { wantsGpu: true });
    expect(ranked[0]?.image.aliases).toEqual(['ngc-pytorch']);
    expect(ranked.map((r) => r.image.aliases[0])).toContain('pytorch');
    expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score);
    expect(top('nvidia pytorch', SANDBOX)).toContain('ngc-pytorch');
    expect(top('ngc', SANDBOX)).toContain('ngc-pytorch');
  });
  it('framework words, abbreviations and versions', () => {
    expect(top('tensorflow', SANDBOX)).toContain('python-tensorflow');
    expect(top('tf', SANDBOX)).toContain('python-tensorflow');
    expect(top('TensorFlow 2.15', SANDBOX)).toContain('python-tensorflow');
    expect(top('torch', SANDBOX)).toContain('python-pytorch');
    expect(top('python 3.11', SANDBOX, false)).toBe('cr.backend.ai/stable/python:3.11-ubuntu22.04');
    expect(top('py3.11', SANDBOX, false)).toBe('cr.backend.ai/stable/python:3.11-ubuntu22.04');
    expect(top('pytorch 2.3', SANDBOX)).toContain('python-pytorch:2.3');
    expect(top('파이토치', SANDBOX)).toContain('python-pytorch');
  });
  it('no match gives an empty list', () => {
    expect(matchImages('julia', SANDBOX, { wantsGpu: false })).toEqual([]);
    expect(matchImages(undefined, SANDBOX, { wantsGpu: false })).toEqual([]);
    expect(matchImages('   ', SANDBOX, { wantsGpu: false })).toEqual([]);
  });
  it('scores are in 0..1 and sorted', () => {
    const ranked = matchImages('pytorch cuda', SANDBOX, { wantsGpu: true });
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score);
    for (const r of ranked) expect(r.score).toBeGreaterThan(0), expect(r.score).toBeLessThanOrEqual(1);
  });
});

describe('matchImages generalises to other registries and versions', () => {
  it('picks the version asked for', () => {
    expect(top('python 3.12', LARGE, false)).toBe('registry.example.com/ml/python:3.12-ubuntu24.04');
    expect(top('python 3.9', LARGE, false)).toBe('registry.example.com/ml/python:3.9-ubuntu20.04');
    expect(top('pytorch 2.1', LARGE)).toBe('registry.example.com/ml/python-pytorch:2.1-py310-cuda11.8');
    expect(top('torch 2.4', LARGE)).toBe('registry.example.com/ml/python-pytorch:2.4-py312-cuda12.4');
    expect(top('tensorflow 2.13', LARGE)).toBe('registry.example.com/ml/python-tensorflow:2.13-py310-cuda11.8');
    expect(top('NGC PyTorch 24.03', LARGE)).toBe('nvcr.example.org/nvidia/ngc-pytorch:24.03-pytorch2.3-py310-cuda12.4');
    expect(top('ngc pytorch 23.10', LARGE)).toBe('nvcr.example.org/nvidia/ngc-pytorch:23.10-pytorch2.1-py310-cuda12.2');
    expect(top('NGC TensorFlow', LARGE)).toBe('nvcr.example.org/nvidia/ngc-tensorflow:23.10-tf2.13-py310-cuda12.2');
    expect(top('vllm 0.6', LARGE)).toBe('hub.example.net/serving/vllm:0.6.3-cuda12.4');
    expect(top('julia', LARGE, false)).toBe('hub.example.net/lab/julia:1.10-ubuntu22.04');
  });
  it('GPU requests prefer CUDA images among ties, CPU requests the CPU build', () => {
    expect(top('tensorflow 2.16', LARGE, true)).toBe('registry.example.com/ml/python-tensorflow:2.16-py312-cuda12.3');
    expect(top('tensorflow 2.16', LARGE, false)).toBe('registry.example.com/ml/python-tensorflow:2.16-py312');
  });
  it('unknown frameworks match nothing', () => {
    expect(matchImages('mxnet', LARGE, { wantsGpu: true })).toEqual([]);
  });
});
