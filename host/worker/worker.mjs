// The Worker's JavaScript entry: it runs the Go program (app.wasm, built
// from host/worker with GOOS=js) for every request that static assets did
// not answer. Like syumai/workers' generated worker.mjs, which it replaces,
// it starts a fresh Go runtime for every request: Go's js/wasm runtime
// resumes goroutines from whatever JavaScript event is running, and workerd
// ties every promise, timer and stream to the request whose handler created
// it, so a runtime shared by concurrent requests ends up awaiting D1 or
// building a response inside another request's context, and workerd
// cancels the request ("hung", "Cannot perform I/O on behalf of a different
// request"). The variable POCKETKMS_GO_RUNTIME = "shared" keeps one runtime
// per isolate instead: ~10 ms less CPU per request, but only safe when
// requests never overlap; it exists to measure that difference (README.md).
// What it adds to the library's entry: GET / goes to the static assets, a
// failure outside Go still answers with a protobuf Error, and optional
// Server-Timing headers.
import "./wasm_exec.js"; // syumai/workers' copy of Go's wasm_exec.js (adds the runtime context)
import { connect } from "cloudflare:sockets";
import mod from "./app.wasm";

// syumai/workers' Go side calls this global.
globalThis.tryCatch = (fn) => {
  try {
    return { result: fn() };
  } catch (e) {
    return { error: e };
  }
};

// start runs a Go runtime; it resolves to its request binding once the Go
// main has registered the handler, and fails if the program exits first.
function start(env, ctx) {
  const binding = {};
  const go = new Go();
  let ready;
  const isReady = new Promise((resolve) => (ready = resolve));
  const instance = new WebAssembly.Instance(mod, {
    ...go.importObject,
    workers: { ready: () => ready() },
  });
  const exited = go.run(instance, { env, ctx, connect, binding });
  const started = Promise.race([
    isReady.then(() => binding),
    exited.then(() => Promise.reject(new Error(`Go runtime exited (code ${go.exitCode ?? "?"}) before serving`))),
  ]);
  return { started, exited };
}

let shared; // with POCKETKMS_GO_RUNTIME = "shared": this isolate's Go runtime, { started, exited }

function runtime(env, ctx) {
  if (!shared) {
    const rt = start(env, ctx);
    shared = rt;
    // A runtime that exits (a fatal Go error) is replaced at the next request.
    const forget = () => { if (shared === rt) shared = undefined; };
    rt.exited.then(forget, forget);
    rt.started.catch(forget);
  }
  return shared;
}

async function fetch(req, env, ctx) {
  if ((req.method === "GET" || req.method === "HEAD") && env.ASSETS) {
    // Only "/" gets here for a GET (wrangler.toml run_worker_first): the
    // playground's index.html. No Go runtime is started for it.
    const res = await env.ASSETS.fetch(req);
    if (res.status !== 404) return res;
  }
  const timing = env.POCKETKMS_TIMING === "1";
  const t0 = timing ? performance.now() : 0;
  try {
    const rt = env.POCKETKMS_GO_RUNTIME === "shared" ? runtime(env, ctx) : start(env, ctx);
    const binding = await rt.started;
    const t1 = timing ? performance.now() : 0;
    let res = await binding.handleRequest(req);
    if (timing) {
      const t2 = performance.now();
      res = new Response(res.body, res);
      res.headers.set("Server-Timing", `go-start;dur=${(t1 - t0).toFixed(2)}, go-handle;dur=${(t2 - t1).toFixed(2)}`);
    }
    return res;
  } catch (e) {
    console.error("pocketkms worker: " + (e && e.stack ? e.stack : e));
    return errorResponse(500, "InternalFailure", "The pocketkms Worker failed to run the request.");
  }
}

// errorResponse is the instance API's protobuf Error (spec §4) built by
// hand, so that even a failure outside Go answers in the form the SDKs
// parse: StatusCode=1 (varint), ErrorCode=2, ErrorMessage=3, RequestId=4.
function errorResponse(status, code, message) {
  const enc = new TextEncoder();
  const out = [];
  const varint = (n) => { while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7; } out.push(n); };
  const str = (field, s) => { const b = enc.encode(s); out.push((field << 3) | 2); varint(b.length); out.push(...b); };
  out.push(1 << 3); varint(status);
  str(2, code);
  str(3, message);
  str(4, crypto.randomUUID());
  return new Response(new Uint8Array(out), { status, headers: { "content-type": "application/x-protobuf" } });
}

export default { fetch };
