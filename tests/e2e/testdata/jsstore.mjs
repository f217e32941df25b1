// The Node half of TestJSStoreMovesToServerAndBack: the JS package over a
// JsonFileStore sealed with a server data directory's root key.
//   node jsstore.mjs write STORE ROOTKEY          creates alias/fromnode, prints a blob sealed with it
//   node jsstore.mjs read STORE ROOTKEY BLOB      prints the plaintext of a blob the server made
import { JsonFileStore, PocketKMS } from 'pocketkms';

const [mode, path, rootKeyFile, blob] = process.argv.slice(2);
const kms = await PocketKMS.load({ store: await JsonFileStore.open(path, { rootKeyFile }) });
const out = {};
if (mode === 'write') {
  const { KeyMetadata: k } = await kms.createKey({ KeySpec: 'Aliyun_SM4' });
  await kms.createAlias({ AliasName: 'alias/fromnode', KeyId: k.KeyId });
  const e = await kms.advanceEncrypt({ KeyId: 'alias/fromnode', Plaintext: 'sealed in node', Aad: 'x' });
  out.blob = Buffer.from(e.CiphertextBlob).toString('base64');
} else {
  const d = await kms.advanceDecrypt({ CiphertextBlob: Buffer.from(blob, 'base64'), Aad: 'x' });
  out.plaintext = new TextDecoder().decode(d.Plaintext);
  // The key the server made is usable here, and so is Node's own.
  const e = await kms.advanceEncrypt({ KeyId: 'alias/fromserver', Plaintext: 'again' });
  out.again = new TextDecoder().decode((await kms.advanceDecrypt({ CiphertextBlob: e.CiphertextBlob })).Plaintext);
  out.keys = (await kms.listKeys()).Keys.length;
}
process.stdout.write(JSON.stringify(out));
