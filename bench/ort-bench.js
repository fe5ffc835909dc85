#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// ONNX Runtime (npm onnxruntime-node, CPU execution provider) latency of one
// ONNX model, for bench/compare.
//
//   node ort-bench.js MODEL.onnx [--threads N] [--runs N] [--warmup N]
//                     [--size HxW] [--json] [--save PREFIX] [--input FILE]
//
// Session: intraOpNumThreads = N, interOpNumThreads = 1, sequential
// execution, graph optimisation "all".  Input: float32 NCHW [1,3,H,W]
// (default 224x224) filled with the same pseudo-random values as
// mnv3-bench.  Reports median/min/max/mean of `runs` timed
// InferenceSession.run calls after `warmup` untimed ones.  --save PREFIX
// writes PREFIX.input.bin (the NCHW input) and PREFIX.output.bin (output
// 0), raw float32, so bench/compare can check mnv3 computes the same thing.
// --input FILE takes the input from FILE (raw float32 NCHW, exactly
// 1*3*H*W values) instead: bench/compare gives every engine the same one.
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

function usage() {
  console.error('usage: node ort-bench.js MODEL.onnx [--threads N] [--runs N] ' +
    '[--warmup N] [--size HxW] [--json] [--save PREFIX] [--input FILE]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { model: null, threads: 1, runs: 50, warmup: 5, h: 224, w: 224, json: false, save: null, input: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage();
      return argv[++i];
    };
    const int = (s, min) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < min) usage();
      return n;
    };
    if (a === '--threads') o.threads = int(val(), 1);
    else if (a === '--runs') o.runs = int(val(), 1);
    else if (a === '--warmup') o.warmup = int(val(), 0);
    else if (a === '--json') o.json = true;
    else if (a === '--save') o.save = val();
    else if (a === '--input') o.input = val();
    else if (a === '--size') {
      const m = /^(\d+)(?:x(\d+))?$/.exec(val());
      if (!m) usage();
      o.h = Number(m[1]);
      o.w = Number(m[2] || m[1]);
    } else if (a.startsWith('-') || o.model) usage();
    else o.model = a;
  }
  if (!o.model) usage();
  return o;
}

// The LCG of mnv3-bench's fill_input, mapped to [-2, 2].
function fillInput(n) {
  const x = new Float32Array(n);
  let state = 12345;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    x[i] = (state >>> 8) / (1 << 24) * 4 - 2;
  }
  return x;
}

function readInput(path, n) {
  const b = fs.readFileSync(path);
  if (b.length !== n * 4)
    throw new Error(`${path}: ${b.length} bytes, the input needs ${n * 4}`);
  const x = new Float32Array(n);
  new Uint8Array(x.buffer).set(b);
  return x;
}

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const session = await ort.InferenceSession.create(o.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const dims = [1, 3, o.h, o.w];
  const n = dims.reduce((a, b) => a * b);
  const input = new ort.Tensor('float32', o.input ? readInput(o.input, n) : fillInput(n), dims);
  const feeds = { [session.inputNames[0]]: input };

  if (o.save) {
    const out = await session.run(feeds);
    const y = out[session.outputNames[0]].data;
    fs.writeFileSync(o.save + '.input.bin', Buffer.from(input.data.buffer));
    fs.writeFileSync(o.save + '.output.bin',
      Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  }
  for (let i = 0; i < o.warmup; i++) await session.run(feeds);
  const t = [];
  for (let i = 0; i < o.runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const mean = t.reduce((a, b) => a + b, 0) / t.length;
  t.sort((a, b) => a - b);
  const r = {
    model: o.model, runtime: 'onnxruntime-node', version: ort.env.versions ?
      ort.env.versions.common : undefined,
    input_height: o.h, input_width: o.w, threads: o.threads,
    runs: o.runs, warmup: o.warmup,
    median_ms: median(t), min_ms: t[0], max_ms: t[t.length - 1], mean_ms: mean,
  };
  if (o.json) console.log(JSON.stringify(r));
  else console.log(`onnxruntime-node ${r.version || ''} ${o.model} ${o.h}x${o.w} ` +
    `threads ${o.threads}: median ${r.median_ms.toFixed(3)} ms ` +
    `min ${r.min_ms.toFixed(3)} max ${r.max_ms.toFixed(3)} mean ${mean.toFixed(3)}`);
  await session.release();
}

main().catch((e) => {
  console.error(`ort-bench: ${e.message || e}`);
  process.exit(1);
});
