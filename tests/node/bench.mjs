// Load and call timings of the JS package in Node (not a test: figures for
// the README). Medians over several runs.
//
//   node tests/node/bench.mjs [runs]
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { PocketKMS } from 'pocketkms';

const RUNS = Number(process.argv[2] ?? 7);
const WASM = fileURLToPath(new URL('../../build/pocketkms.wasm', import.meta.url));

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`);
async function time(fn, n = RUNS) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return median(out);
}

const bytes = await readFile(WASM);
console.log(`module: ${(bytes.length / 1e6).toFixed(1)} MB, ${RUNS} runs, node ${process.version}`);

const compile = await time(() => WebAssembly.compile(bytes));
const module = await WebAssembly.compile(bytes);
const load = await time(() => PocketKMS.load({ wasm: module }));
const cold = await time(async () => (await PocketKMS.load({ wasm: bytes })).generateRandom({ Length: 1 }));
console.log(`compile (WebAssembly.compile)             ${fmt(compile)}`);
console.log(`instantiate + _initialize + info          ${fmt(load)}`);
console.log(`bytes -> first call answered (V8 may reuse code) ${fmt(cold)}`);

const kms = await PocketKMS.load({ wasm: module });
const { KeyMetadata: k } = await kms.createKey();
const plaintext = crypto.getRandomValues(new Uint8Array(6144));
const kid = new TextEncoder().encode(k.KeyId);
// AdvanceEncrypt protobuf body: KeyId=1, Plaintext=2 (length 6144 = 0x80 0x30 as a varint).
const body = Uint8Array.from([0x0a, kid.length, ...kid, 0x12, 0x80, 0x30, ...plaintext]);
for (let i = 0; i < 50; i++) await kms.advanceEncrypt({ KeyId: k.KeyId, Plaintext: plaintext }); // warm up

const N = 200;
const per = async (fn) => (await time(async () => { for (let i = 0; i < N; i++) await fn(); }, 5)) / N;
const json = await per(() => kms.advanceEncrypt({ KeyId: k.KeyId, Plaintext: plaintext }));
const proto = await per(() => kms.callProto('AdvanceEncrypt', body));
const random = await per(() => kms.generateRandom({ Length: 32 }));
const key = await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt']);
const webcrypto = await per(() => crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, plaintext));
console.log(`AdvanceEncrypt 6 KiB, kms.advanceEncrypt  ${fmt(json)}`);
console.log(`AdvanceEncrypt 6 KiB, kms.callProto       ${fmt(proto)}`);
console.log(`GenerateRandom 32                         ${fmt(random)}`);
console.log(`(WebCrypto AES-GCM 6 KiB, for scale       ${fmt(webcrypto)})`);
