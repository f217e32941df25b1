// The Worker's JavaScript entry: it runs the Go program (app.wasm, built
// from host/worker with GOOS=js) for every request that static assets did
// not answer.
//
// Go runtimes: syumai/workers' own entry starts a fresh Go runtime for
// every request, a cost in CPU before any work (README.md). Simply
// keeping one runtime for all requests is wrong: Go's js/wasm runtime
// resumes goroutines from whatever JavaScript event is running, and workerd
// ties every promise, timer and stream to the request whose handler created
// it, so overlapping requests end up awaiting D1 or building a response in
// another request's context and workerd cancels them ("hung", "Cannot
// perform I/O on behalf of a different request"). So this entry keeps a
// small pool of idle runtimes: a request takes an idle one (or starts one),
// has it to itself, and gives it back only after its response body has been
// read in full and Go is idle again; overlapping requests never share one.
// A runtime that fails or exits is dropped, and each retires after maxUses
// requests. POCKETKMS_GO_RUNTIME = "per-request" restores the library's
// behaviour.
//
// Also: GET / goes to the static assets, a failure outside Go still answers
// with a protobuf Error, and POCKETKMS_TIMING = "1" adds Server-Timing.
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
// keep tells the Go main to stay up for further requests (the pool).
function start(env, ctx, keep) {
  const binding = {};
  const go = new Go();
  let ready;
  const isReady = new Promise((resolve) => (ready = resolve));
  const instance = new WebAssembly.Instance(mod, {
    ...go.importObject,
    workers: { ready: () => ready() },
  });
  const exited = go.run(instance, { env, ctx, connect, binding, keep });
  const started = Promise.race([
    isReady.then(() => binding),
    exited.then(() => Promise.reject(new Error(`Go runtime exited (code ${go.exitCode ?? "?"}) before serving`))),
  ]);
  return { started, exited, memory: instance.exports.mem };
}

// idle holds runtimes that served a request to the end; none is in use.
const idle = [];
// maxIdle bounds the pool: each runtime holds its own linear memory, which
// grows with use, and isolates have 128 MB.
const maxIdle = 2;
// maxLive bounds the runtimes alive at once (idle or busy), for the same
// reason: without it, 10 overlapping requests would be 10 runtimes. A
// request that finds none free waits for one, polling with a timer of its
// own rather than on a promise another request would resolve: workerd may
// cancel as hung a request whose only pending work belongs to another.
const maxLive = 5;
let live = 0;
// busy maps each runtime serving a request to when it was handed out. A
// request that workerd cancels (its client went away, say) never reaches
// its finally block, so a runtime busy for longer than lostAfterMs is
// written off: its slot is freed and it never returns to the pool.
const busy = new Map();
const lostAfterMs = 30000;

function reclaimLost() {
  const now = Date.now();
  for (const [rt, since] of busy) {
    if (now - since > lostAfterMs) {
      busy.delete(rt);
      rt.dead = true;
      live--;
    }
  }
}

// maxUses retires a runtime after that many requests. syumai/workers v0.33.0
// never releases some of the js.Func callbacks it makes per request (the
// unused half of each then/catch pair, the response stream's pull and
// cancel): harmless when a runtime serves one request, a slow leak in a
// pooled one. Retiring bounds it, and costs one runtime start per maxUses
// requests.
const maxUses = 1000;

function track(rt) {
  rt.dead = false;
  rt.uses = 0;
  const kill = () => { rt.dead = true; };
  rt.exited.then(kill, kill);
  rt.started.catch(kill);
  return rt;
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
    if (env.POCKETKMS_GO_RUNTIME === "per-request") {
      const rt = start(env, ctx, false);
      const binding = await rt.started;
      const t1 = timing ? performance.now() : 0;
      let res = await binding.handleRequest(req);
      return timing ? withTiming(res, t0, t1, "fresh", rt) : res;
    }
    while (idle.length === 0 && live >= maxLive) {
      reclaimLost();
      if (live < maxLive) break;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const reused = idle.length > 0;
    let rt;
    if (reused) {
      rt = idle.pop();
    } else {
      rt = track(start(env, ctx, true));
      live++;
    }
    busy.set(rt, Date.now());
    let keep = false;
    try {
      const binding = await rt.started;
      const t1 = timing ? performance.now() : 0;
      const res = await binding.handleRequest(req);
      // Read the whole body before the runtime can serve anyone else: then
      // Go has returned from the handler and holds nothing of this request.
      const body = await res.arrayBuffer();
      keep = !rt.dead && ++rt.uses < maxUses && idle.length < maxIdle;
      const out = new Response(body, res);
      return timing ? withTiming(out, t0, t1, reused ? "reused" : "fresh", rt) : out;
    } finally {
      if (busy.delete(rt)) { // else written off by reclaimLost
        if (keep) idle.push(rt);
        else live--;
      }
    }
  } catch (e) {
    console.error("pocketkms worker: " + (e && e.stack ? e.stack : e));
    return errorResponse(500, "InternalFailure", "The pocketkms Worker failed to run the request.");
  }
}

function withTiming(res, t0, t1, runtime, rt) {
  const out = new Response(res.body, res);
  const t2 = performance.now();
  const mib = (rt.memory.buffer.byteLength / 1048576).toFixed(1);
  out.headers.set("Server-Timing", `go-start;desc=${runtime};dur=${(t1 - t0).toFixed(2)}, go-handle;dur=${(t2 - t1).toFixed(2)}, go-memory;desc=${mib}MiB`);
  return out;
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
