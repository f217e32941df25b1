// The "pocketkms_aes" imports (docs/wasm-abi.md#host-ciphers): AES run by
// the host over the module's memory instead of Go's software AES inside it.
// Every host links them so that instantiation never depends on them;
// available() tells the module whether to use them. impl is null (the
// browser and workerd: WebCrypto is asynchronous, the module calls
// synchronously), or synchronous functions over views of the module's
// memory, which they must not keep past the call (the module reuses it):
// gcmSeal(key, iv, aad, plaintext, out) writes ciphertext‖tag into out;
// gcmOpen(key, iv, aad, ciphertextAndTag, out) writes the plaintext into out
// and returns false when it does not authenticate (out then holds nothing);
// cbc(encrypt, key, iv, buf) and ecb(encrypt, key, buf) work in place.
// Passing views rather than copies saves four copies of every request's
// data on the way in and one on the way out.

const OK = 0;
const AUTH_FAIL = 1;
const BAD_CALL = -1;
const TAG = 16;

export function aesImports(getMemory, impl) {
  const view = (ptr, len) => new Uint8Array(getMemory().buffer, ptr, len);
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
    gcm_seal: guard((keyPtr, keyLen, ivPtr, ivLen, aadPtr, aadLen, inPtr, inLen, outPtr) => {
      impl.gcmSeal(view(keyPtr, keyLen), view(ivPtr, ivLen), view(aadPtr, aadLen), view(inPtr, inLen), view(outPtr, inLen + TAG));
      return OK;
    }),
    gcm_open: guard((keyPtr, keyLen, ivPtr, ivLen, aadPtr, aadLen, inPtr, inLen, outPtr) => {
      if (inLen < TAG) return BAD_CALL;
      const ok = impl.gcmOpen(view(keyPtr, keyLen), view(ivPtr, ivLen), view(aadPtr, aadLen), view(inPtr, inLen), view(outPtr, inLen - TAG));
      return ok ? OK : AUTH_FAIL;
    }),
    cbc: guard((encrypt, keyPtr, keyLen, ivPtr, bufPtr, bufLen) => {
      impl.cbc(encrypt === 1, view(keyPtr, keyLen), view(ivPtr, 16), view(bufPtr, bufLen));
      return OK;
    }),
    ecb: guard((encrypt, keyPtr, keyLen, bufPtr, bufLen) => {
      impl.ecb(encrypt === 1, view(keyPtr, keyLen), view(bufPtr, bufLen));
      return OK;
    }),
  };
}
