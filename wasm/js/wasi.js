// A minimal WASI preview1 shim for the pocketkms reactor module.
//
// Why hand-written: the Go runtime imports 16 wasi_snapshot_preview1
// functions but at run time only uses the clock, randomness, the
// args/environ sizes, fd_fdstat_*, fd_prestat_get (to find no preopened
// directories), fd_write (panic text) and poll_oneoff (clock-only, after
// every garbage collection). Implementing those calls here
// keeps the package dependency-free and identical in browsers, Node and
// workerd (no node: imports). Everything else answers ENOSYS, so a module
// that starts needing a new capability fails loudly instead of silently.
//
// Randomness comes only from crypto.getRandomValues: IVs, key material and
// ids are drawn through random_get, so a weak source would break the KMS.

const ESUCCESS = 0;
const EBADF = 8;
const ENOSYS = 52;

const CLOCK_REALTIME = 0;
const FILETYPE_CHARACTER_DEVICE = 2;
const RANDOM_CHUNK = 65536; // getRandomValues' per-call limit
const EVENTTYPE_CLOCK = 0;
const SUBSCRIPTION_SIZE = 48;
const EVENT_SIZE = 32;

/** Thrown by proc_exit to unwind the guest; the instance is then unusable. */
export class WasiExit extends Error {
  constructor(code) {
    super(`the module exited with code ${code}`);
    this.name = 'WasiExit';
    this.code = code;
  }
}

/**
 * Returns the wasi_snapshot_preview1 import object for a compiled module.
 * getMemory returns the instance's current WebAssembly.Memory (set after
 * instantiation); onOutput receives each line the guest writes to fd 1/2.
 */
export function wasiImports(module, getMemory, onOutput) {
  if (typeof globalThis.crypto?.getRandomValues !== 'function') {
    throw new Error('pocketkms: crypto.getRandomValues is not available; refusing to run without a cryptographic random source');
  }
  const view = () => new DataView(getMemory().buffer); // re-read: growth detaches buffers
  const pending = { 1: '', 2: '' };
  const decoders = { 1: new TextDecoder(), 2: new TextDecoder() };

  const impl = {
    clock_time_get(id, _precision, outPtr) {
      // Date.now() is the wall clock (it follows system clock changes, which
      // timeOrigin + now() does not); performance.now() never goes back.
      const ms = id === CLOCK_REALTIME || typeof performance === 'undefined' ? Date.now() : performance.now();
      view().setBigUint64(outPtr, BigInt(Math.round(ms * 1e6)), true);
      return ESUCCESS;
    },
    clock_res_get(_id, outPtr) {
      view().setBigUint64(outPtr, 1000n, true);
      return ESUCCESS;
    },
    random_get(ptr, len) {
      const mem = new Uint8Array(getMemory().buffer, ptr, len);
      for (let off = 0; off < len; off += RANDOM_CHUNK) {
        globalThis.crypto.getRandomValues(mem.subarray(off, Math.min(len, off + RANDOM_CHUNK)));
      }
      return ESUCCESS;
    },
    args_sizes_get(countPtr, sizePtr) {
      const v = view();
      v.setUint32(countPtr, 0, true);
      v.setUint32(sizePtr, 0, true);
      return ESUCCESS;
    },
    args_get() { return ESUCCESS; },
    environ_sizes_get(countPtr, sizePtr) {
      const v = view();
      v.setUint32(countPtr, 0, true);
      v.setUint32(sizePtr, 0, true);
      return ESUCCESS;
    },
    environ_get() { return ESUCCESS; },
    fd_fdstat_get(fd, ptr) {
      if (fd > 2) return EBADF;
      const v = view();
      v.setUint8(ptr, FILETYPE_CHARACTER_DEVICE);
      v.setUint16(ptr + 2, 0, true); // fs_flags
      v.setBigUint64(ptr + 8, 0n, true); // rights_base
      v.setBigUint64(ptr + 16, 0n, true); // rights_inheriting
      return ESUCCESS;
    },
    fd_fdstat_set_flags(fd) { return fd > 2 ? EBADF : ESUCCESS; },
    fd_prestat_get() { return EBADF; }, // no preopened directories
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return EBADF;
      const v = view();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        pending[fd] += decoders[fd].decode(new Uint8Array(v.buffer, ptr, len), { stream: true });
        total += len;
      }
      let nl;
      while ((nl = pending[fd].indexOf('\n')) >= 0) {
        onOutput(fd, pending[fd].slice(0, nl));
        pending[fd] = pending[fd].slice(nl + 1);
      }
      v.setUint32(nwrittenPtr, total, true);
      return ESUCCESS;
    },
    // The Go runtime polls with clock subscriptions when the world restarts
    // after a garbage collection (netpoll with a 0 timeout) and in usleep;
    // ENOSYS there is a fatal error. A reactor never needs to wait, and JS
    // cannot block, so every clock subscription fires at once. There are no
    // file descriptors to wait on: fd subscriptions complete with EBADF.
    poll_oneoff(inPtr, outPtr, nsubs, neventsPtr) {
      const v = view();
      for (let i = 0; i < nsubs; i++) {
        const sub = inPtr + i * SUBSCRIPTION_SIZE;
        const evt = outPtr + i * EVENT_SIZE;
        const type = v.getUint8(sub + 8);
        v.setBigUint64(evt, v.getBigUint64(sub, true), true); // userdata
        v.setUint16(evt + 8, type === EVENTTYPE_CLOCK ? ESUCCESS : EBADF, true);
        v.setUint8(evt + 10, type);
        v.setBigUint64(evt + 16, 0n, true); // fd_readwrite.nbytes
        v.setUint16(evt + 24, 0, true); // fd_readwrite.flags
      }
      v.setUint32(neventsPtr, nsubs, true);
      return ESUCCESS;
    },
    sched_yield() { return ESUCCESS; },
    proc_exit(code) { throw new WasiExit(code); },
  };

  // Provide exactly what the module declares: implemented calls as above,
  // the rest ENOSYS. A declared function we did not provide would make
  // instantiation fail with a LinkError naming it, which is also fine.
  const out = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== 'wasi_snapshot_preview1' || imp.kind !== 'function') continue;
    out[imp.name] = impl[imp.name] ?? (() => ENOSYS);
  }
  return out;
}

export const errno = { ESUCCESS, EBADF, ENOSYS };
