// Measures what a fresh Go runtime costs the Worker before any work, as
// syumai/workers' entry (and POCKETKMS_GO_RUNTIME=per-request) pays on
// every request and the pool pays once per runtime: instantiating
// build/worker/app.wasm and running Go until its main is ready, the way
// worker.mjs does it, under Node's V8. Run after npm run worker:build:
//   node internal/cpubench/start.mjs [runs]
import fs from "node:fs";
import "../../build/worker/wasm_exec.js";

globalThis.tryCatch = (fn) => { try { return { result: fn() }; } catch (e) { return { error: e }; } };
const runs = +(process.argv[2] || 30);
const bytes = fs.readFileSync(new URL("../../build/worker/app.wasm", import.meta.url));
const t = performance.now();
const mod = await WebAssembly.compile(bytes);
const compileMs = performance.now() - t;
const inst = [], ready = [], cpu = [];
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const go = new Go();
  let r;
  const isReady = new Promise((resolve) => (r = resolve));
  const instance = new WebAssembly.Instance(mod, { ...go.importObject, workers: { ready: () => r() } });
  const t1 = performance.now();
  go.run(instance, { env: {}, ctx: {}, binding: {}, connect: () => {}, keep: true });
  await isReady;
  const c = process.cpuUsage(c0);
  inst.push(t1 - t0); ready.push(performance.now() - t1); cpu.push((c.user + c.system) / 1000);
}
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1].toFixed(1);
console.log(`compile ${compileMs.toFixed(1)} ms once; per runtime (median of ${runs}): instantiate ${med(inst)} ms, Go start ${med(ready)} ms, CPU ${med(cpu)} ms`);
