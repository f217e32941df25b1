// The "pocketkms_aes" imports (docs/wasm-abi.md#host-ciphers): AES run by
// the host over the module's memory instead of Go's software AES inside it.
// Every host links them so that instantiation never depends on them;
// available() tells the module whether to use them. impl is null (the
// browser and workerd: WebCrypto is asynchronous, the module calls
// synchronously), or synchronous functions returning new bytes:
// gcmSeal(key, iv, aad, plaintext) -> ciphertext‖tag,
// gcmOpen(key, iv, aad, ciphertextAndTag) -> plaintext or null,
// cbc(encrypt, key, iv, buf) and ecb(encrypt, key, buf) -> same length.

const OK = 0;
const AUTH_FAIL = 1;
const BAD_CALL = -1;
const TAG = 16;

export function aesImports(getMemory, impl) {
  const view = (ptr, len) => new Uint8Array(getMemory().buffer, ptr, len);
  // Copies out of guest memory: an implementation may keep its inputs
  // past the call, and the guest reuses that memory.
  const copy = (ptr, len) => view(ptr, len).slice();
  const put = (ptr, out, want) => {
    if (out.length !== want) return BAD_CALL;
    view(ptr, want).set(out);
    return OK;
  };
  const guard = (fn) => (...args) => {
    if (!impl) return BAD_CALL;
    try {
      return fn(...args);
    } catch {
      return BAD_CALL;
    }
  };
  return {
    available: () => (impl ? 1 : 0),
    gcm_seal: guard((keyPtr, keyLen, ivPtr, ivLen, aadPtr, aadLen, inPtr, inLen, outPtr) =>
      put(outPtr, impl.gcmSeal(copy(keyPtr, keyLen), copy(ivPtr, ivLen), copy(aadPtr, aadLen), copy(inPtr, inLen)), inLen + TAG)),
    gcm_open: guard((keyPtr, keyLen, ivPtr, ivLen, aadPtr, aadLen, inPtr, inLen, outPtr) => {
      if (inLen < TAG) return BAD_CALL;
      const pt = impl.gcmOpen(copy(keyPtr, keyLen), copy(ivPtr, ivLen), copy(aadPtr, aadLen), copy(inPtr, inLen));
      return pt === null ? AUTH_FAIL : put(outPtr, pt, inLen - TAG);
    }),
    cbc: guard((encrypt, keyPtr, keyLen, ivPtr, bufPtr, bufLen) =>
      put(bufPtr, impl.cbc(encrypt === 1, copy(keyPtr, keyLen), copy(ivPtr, 16), copy(bufPtr, bufLen)), bufLen)),
    ecb: guard((encrypt, keyPtr, keyLen, bufPtr, bufLen) =>
      put(bufPtr, impl.ecb(encrypt === 1, copy(keyPtr, keyLen), copy(bufPtr, bufLen)), bufLen)),
  };
}
