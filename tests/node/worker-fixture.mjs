// A Worker that uses the package unchanged: workerd imports the .wasm file
// as a compiled WebAssembly.Module, which PocketKMS.load accepts as is.
// Run by workerd.test.mjs through Miniflare.
import wasm from '../../build/pocketkms.wasm';
import { KmsError, PocketKMS } from '../../wasm/js/pocketkms.js';

let kms; // one instance per isolate; the MemoryStore lives as long as it does

export default {
  async fetch(request) {
    kms ??= await PocketKMS.load({ wasm });
    const url = new URL(request.url);
    try {
      if (url.pathname === '/roundtrip') {
        const { KeyMetadata: k } = await kms.createKey();
        const e = await kms.advanceEncrypt({ KeyId: k.KeyId, Plaintext: 'from workerd', Aad: 'w' });
        const d = await kms.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob, Aad: 'w' });
        return Response.json({
          keyId: k.KeyId, creationDate: k.CreationDate, iv: Array.from(e.Iv), text: new TextDecoder().decode(d.Plaintext),
          info: kms.info(), isModule: wasm instanceof WebAssembly.Module,
        });
      }
      await kms.describeKey({ KeyId: 'alias/none' });
      return new Response('unexpected success', { status: 500 });
    } catch (err) {
      if (err instanceof KmsError) return Response.json(err.toJSON(), { status: err.status });
      return new Response(String(err?.stack ?? err), { status: 500 });
    }
  },
};
