// The Node half of `go run ./bench` (tests/bench/main.go), as a child
// process that answers one JSON line per request line, so that the Go side
// can interleave Node's measurements with its own (on a busy machine, that
// spreads the noise over every runtime alike).
//
// First line: {"wasm": path, "import": ImportKey request, "requests": {size: base64 protobuf}}.
// Then per line: {"mode": "node"|"node-call", "size": n, "seconds": s} ->
// {"ops": calls per wall-clock second, "cpuOps": calls per CPU-second of this process}.
// "node" sends the Go side's protobuf bytes through kms.callProto; "node-call"
// sends the same request through kms.call (the JSON form with Uint8Array).
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

import { MemoryStore, PocketKMS } from 'pocketkms';

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const setup = JSON.parse((await lines.next()).value);
const fromB64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));

const kms = await PocketKMS.load({ store: new MemoryStore(), wasm: await readFile(setup.wasm) });
await kms.callJSON('ImportKey', JSON.stringify(setup.import));
const calls = {};
for (const [size, b64] of Object.entries(setup.requests)) {
  const req = fromB64(b64);
  const plaintext = new Uint8Array(Number(size)).fill(0x70); // the Go side's plaintext
  calls[size] = {
    node: () => kms.callProto('AdvanceEncrypt', req),
    'node-call': () => kms.call('AdvanceEncrypt', { KeyId: setup.import.KeyId, Plaintext: plaintext }),
  };
}

// V8 compiles wasm with a baseline tier first and optimizes hot functions
// in the background: warm up on every size and mode before any measurement.
const warmEnd = performance.now() + 1500;
while (performance.now() < warmEnd) {
  for (const c of Object.values(calls)) { await c.node(); await c['node-call'](); }
}
process.stdout.write('{"ready":true}\n');

for (let next = await lines.next(); !next.done; next = await lines.next()) {
  const { mode, size, seconds } = JSON.parse(next.value);
  const fn = calls[size]?.[mode];
  if (!fn) throw new Error(`no ${mode} call for size ${size}`);
  for (let i = 0; i < 20; i++) await fn();
  let n = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < 8; i++) await fn();
    n += 8;
  }
  const wall = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`${JSON.stringify({ ops: n / wall, cpuOps: n / cpuSeconds })}\n`);
}
