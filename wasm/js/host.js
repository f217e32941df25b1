// The "pocketkms" imports: the module's view of the host's store (ABI in
// docs/wasm-abi.md). One pkms_call is one transaction: the guest reads with
// kv_get/kv_list and sends all of its writes at the end in one kv_commit,
// together with the revision of everything it read, so the store can refuse
// the batch if another writer got there first (the guest then retries).

const ABSENT = -1n;
const HOST_ERROR = -2n;
const COMMIT_OK = 0;
const COMMIT_CONFLICT = 1;
const COMMIT_ERROR = 2;
const OP_PUT = 1;
const OP_DELETE = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Returns the "pocketkms" import object over store. getMemory returns the
 * instance's current memory. state.committed is set when a commit succeeds
 * (so the caller knows to flush); state.hostError keeps the last store
 * exception (so a 500 from the engine can say what the store said).
 */
export function kvImports(store, getMemory, state) {
  const bytes = () => new Uint8Array(getMemory().buffer);
  const readString = (ptr, len) => decoder.decode(bytes().subarray(ptr, ptr + len));

  return {
    kv_get(keyPtr, keyLen, bufPtr, bufCap) {
      try {
        const rec = store.get(readString(keyPtr, keyLen));
        if (rec === undefined || rec === null) return ABSENT;
        const value = encoder.encode(rec.value);
        const need = 8 + value.length;
        if (need <= bufCap) {
          const mem = bytes();
          new DataView(mem.buffer).setBigInt64(bufPtr, BigInt(rec.rev), true);
          mem.set(value, bufPtr + 8);
        }
        return BigInt(need);
      } catch (err) {
        state.hostError = err;
        return HOST_ERROR;
      }
    },

    kv_list(prefixPtr, prefixLen, bufPtr, bufCap) {
      try {
        const keys = store.list(readString(prefixPtr, prefixLen)).map((k) => encoder.encode(k));
        const need = keys.reduce((n, k) => n + 4 + k.length, 0);
        if (need <= bufCap) {
          const mem = bytes();
          const dv = new DataView(mem.buffer);
          let off = bufPtr;
          for (const k of keys) {
            dv.setUint32(off, k.length, true);
            mem.set(k, off + 4);
            off += 4 + k.length;
          }
        }
        return BigInt(need);
      } catch (err) {
        state.hostError = err;
        return HOST_ERROR;
      }
    },

    kv_commit(batchPtr, batchLen) {
      let reads, writes;
      try {
        ({ reads, writes } = decodeBatch(bytes().slice(batchPtr, batchPtr + batchLen)));
      } catch (err) {
        state.hostError = err;
        return COMMIT_ERROR;
      }
      try {
        if (!store.commit(reads, writes)) return COMMIT_CONFLICT;
        state.committed = true;
        return COMMIT_OK;
      } catch (err) {
        state.hostError = err;
        return COMMIT_ERROR;
      }
    },
  };
}

/** Decodes a kv_commit batch into the store interface's arguments. */
export function decodeBatch(buf) {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  const need = (n) => {
    if (off + n > buf.length) throw new Error('pocketkms: truncated kv_commit batch');
  };
  const u32 = () => { need(4); const v = dv.getUint32(off, true); off += 4; return v; };
  const str = () => { const n = u32(); need(n); const s = decoder.decode(buf.subarray(off, off + n)); off += n; return s; };

  const reads = [];
  for (let i = u32(); i > 0; i--) {
    const key = str();
    need(8);
    const rev = Number(dv.getBigInt64(off, true));
    off += 8;
    reads.push([key, rev]);
  }
  const writes = [];
  for (let i = u32(); i > 0; i--) {
    need(1);
    const op = buf[off++];
    const key = str();
    if (op === OP_PUT) writes.push({ key, value: str() });
    else if (op === OP_DELETE) writes.push({ key, value: null });
    else throw new Error(`pocketkms: unknown kv_commit op ${op}`);
  }
  if (off !== buf.length) throw new Error('pocketkms: trailing bytes in kv_commit batch');
  return { reads, writes };
}
