// AES for the module's "pocketkms_aes" imports (aes.js) from node:crypto,
// which runs OpenSSL's AES with the CPU's AES instructions.

import { createCipheriv, createDecipheriv } from 'node:crypto';

const name = (key, mode) => `aes-${key.length * 8}-${mode}`;
const concat = (...parts) => (parts.length === 1 ? parts[0] : Buffer.concat(parts));

function blocks(mode, encrypt, key, iv, buf) {
  const c = (encrypt ? createCipheriv : createDecipheriv)(name(key, mode), key, iv);
  c.setAutoPadding(false); // the module pads and unpads itself
  return concat(c.update(buf), c.final());
}

export const nodeAES = {
  gcmSeal(key, iv, aad, plaintext) {
    const c = createCipheriv(name(key, 'gcm'), key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  },
  gcmOpen(key, iv, aad, sealed) {
    const d = createDecipheriv(name(key, 'gcm'), key, iv, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    const pt = d.update(sealed.subarray(0, sealed.length - 16));
    try {
      return Buffer.concat([pt, d.final()]);
    } catch {
      pt.fill(0);
      return null; // does not authenticate
    }
  },
  cbc: (encrypt, key, iv, buf) => blocks('cbc', encrypt, key, iv, buf),
  ecb: (encrypt, key, buf) => blocks('ecb', encrypt, key, null, buf),
};
