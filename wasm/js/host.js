// The "pocketkms" imports: the module's view of the host's store (ABI in
// docs/wasm-abi.md). One pkms_call is one transaction: the guest reads with
// kv_get/kv_list and sends all of its writes at the end in one kv_commit,
// together with the revision of everything it read, so the store can refuse
// the batch if another writer got there first (the guest then retries).
// The encodings are the ABI's (Go: internal/abi); tests/node/abi.test.mjs holds
// this file to the byte vectors in internal/abi/testdata/vectors.json.

const ABSENT = -1n;
const HOST_ERROR = -2n;
const COMMIT_OK = 0;
const COMMIT_CONFLICT = 1;
const COMMIT_ERROR = 2;
const OP_PUT = 1;
const OP_DELETE = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_ANSWERS = 1024;

/** Empties kv_get's answer cache, wiping what it held. */
function forget(answers) {
  for (const a of answers.values()) a.bytes.fill(0);
  answers.clear();
}

/**
 * Returns the "pocketkms" import object over store. getMemory returns the
 * instance's current memory. state.committed is set when a commit succeeds
 * (so the caller knows to flush); state.hostError keeps the last store
 * exception (so a 500 from the engine can say what the store said).
 */
export function kvImports(store, getMemory, state) {
  const bytes = () => new Uint8Array(getMemory().buffer);
  const readString = (ptr, len) => decoder.decode(bytes().subarray(ptr, ptr + len));
  // kv_get's last answer per key: every data operation reads its key record,
  // and encoding the same text to UTF-8 again was a few percent of a call.
  // An entry is reused only for the same revision and the same text, and
  // wiped when replaced (a key record holds key material).
  const answers = new Map();
  const answerFor = (key, rec) => {
    const last = answers.get(key);
    if (last !== undefined && last.rev === rec.rev && last.value === rec.value) return last.bytes;
    const answer = encodeValue(rec.rev, rec.value);
    if (last !== undefined) last.bytes.fill(0);
    else if (answers.size >= MAX_ANSWERS) forget(answers);
    answers.set(key, { rev: rec.rev, value: rec.value, bytes: answer });
    return answer;
  };

  return {
    kv_get(keyPtr, keyLen, bufPtr, bufCap) {
      try {
        const key = readString(keyPtr, keyLen);
        const rec = store.get(key);
        if (rec === undefined || rec === null) return ABSENT;
        const answer = answerFor(key, rec);
        if (answer.length <= bufCap) bytes().set(answer, bufPtr);
        return BigInt(answer.length);
      } catch (err) {
        state.hostError = err;
        return HOST_ERROR;
      }
    },

    kv_list(prefixPtr, prefixLen, bufPtr, bufCap) {
      try {
        const answer = encodeList(store.list(readString(prefixPtr, prefixLen)));
        if (answer.length <= bufCap) bytes().set(answer, bufPtr);
        return BigInt(answer.length);
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

/** kv_get's answer for a present key: the revision (i64 LE), then the value's UTF-8. */
export function encodeValue(rev, value) {
  const v = encoder.encode(value);
  const out = new Uint8Array(8 + v.length);
  new DataView(out.buffer).setBigInt64(0, BigInt(rev), true);
  out.set(v, 8);
  return out;
}

/** kv_list's answer: per key, u32 LE length then the key's UTF-8. */
export function encodeList(keys) {
  const encoded = keys.map((k) => encoder.encode(k));
  const out = new Uint8Array(encoded.reduce((n, k) => n + 4 + k.length, 0));
  const dv = new DataView(out.buffer);
  let off = 0;
  for (const k of encoded) {
    dv.setUint32(off, k.length, true);
    out.set(k, off + 4);
    off += 4 + k.length;
  }
  return out;
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
