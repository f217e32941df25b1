// AES for the module's "pocketkms_aes" imports (aes.js) from node:crypto,
// which runs OpenSSL's AES with the CPU's AES instructions. Every argument
// is a view of the module's memory: node:crypto copies the key and IV and
// consumes the input before returning, so nothing is kept past the call.

import { createCipheriv, createDecipheriv } from 'node:crypto';

const name = (key, mode) => `aes-${key.length * 8}-${mode}`;

// Writes a cipher's whole output into out from its start; throws if it is
// not exactly out's length.
function drain(c, input, out) {
  const a = c.update(input);
  const b = c.final();
  if (a.length + b.length !== out.length) throw new Error('pocketkms: AES output of an unexpected length');
  out.set(a);
  if (b.length > 0) out.set(b, a.length);
}

function blocks(mode, encrypt, key, iv, buf) {
  const c = (encrypt ? createCipheriv : createDecipheriv)(name(key, mode), key, iv);
  c.setAutoPadding(false); // the module pads and unpads itself
  drain(c, buf, buf); // update reads all of buf before drain writes into it
}

export const nodeAES = {
  gcmSeal(key, iv, aad, plaintext, out) {
    const c = createCipheriv(name(key, 'gcm'), key, iv, { authTagLength: 16 });
    if (aad.length > 0) c.setAAD(aad);
    drain(c, plaintext, out.subarray(0, plaintext.length));
    out.set(c.getAuthTag(), plaintext.length);
  },
  gcmOpen(key, iv, aad, sealed, out) {
    const d = createDecipheriv(name(key, 'gcm'), key, iv, { authTagLength: 16 });
    if (aad.length > 0) d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    const pt = d.update(sealed.subarray(0, sealed.length - 16));
    try {
      d.final();
    } catch {
      pt.fill(0);
      return false; // does not authenticate: nothing reaches out
    }
    out.set(pt);
    pt.fill(0);
    return true;
  },
  cbc: (encrypt, key, iv, buf) => blocks('cbc', encrypt, key, iv, buf),
  ecb: (encrypt, key, buf) => blocks('ecb', encrypt, key, null, buf),
};
