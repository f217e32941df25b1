// Rotation with pocketkms in Node: encrypt, rotate, encrypt again, and
// decrypt the old ciphertext, which names its key version inside the blob.
//
//   node wasm/examples/rotate.mjs [store.json]
//
// With a file argument the keys persist in that JSON file (key material
// sealed under store.json.key); without one they live in memory.

import { JsonFileStore, MemoryStore, PocketKMS } from 'pocketkms';

const file = process.argv[2];
const store = file ? await JsonFileStore.open(file) : new MemoryStore();
const kms = await PocketKMS.load({ store });

const { KeyMetadata: key } = await kms.createKey({ KeySpec: 'Aliyun_AES_256', Description: 'rotate example' });
console.log(`created key       ${key.KeyId}`);

const first = await kms.advanceEncrypt({ KeyId: key.KeyId, Plaintext: 'attack at dawn', Aad: 'orders' });
console.log(`encrypted under   ${first.KeyVersionId}`);

const { KeyMetadata: rotated } = await kms.createKeyVersion({ KeyId: key.KeyId });
console.log(`rotated, primary  ${rotated.PrimaryKeyVersionId}`);

const second = await kms.advanceEncrypt({ KeyId: key.KeyId, Plaintext: 'attack at dusk', Aad: 'orders' });
console.log(`encrypted under   ${second.KeyVersionId}`);

// The old blob still opens: AdvanceDecrypt needs only the blob and the Aad.
const old = await kms.advanceDecrypt({ CiphertextBlob: first.CiphertextBlob, Aad: 'orders' });
console.log(`old blob decrypts with ${old.KeyVersionId}: ${new TextDecoder().decode(old.Plaintext)}`);

if (first.KeyVersionId === second.KeyVersionId || old.KeyVersionId !== first.KeyVersionId) {
  throw new Error('rotation did not change the key version');
}
