// Compiled by types.test.mjs with tsc --strict --noEmit: the declarations
// in wasm/js/*.d.ts must describe real usage, and reject wrong usage.
import { IndexedDBStore, KmsError, MemoryStore, PocketKMS, type GetSecretValueResponse, type ListSecretsResponse, type Secret, type Store } from 'pocketkms';
import { JsonFileStore } from 'pocketkms/node';

export async function usage(): Promise<string> {
  const kms = await PocketKMS.load({ store: new MemoryStore() });
  const { KeyMetadata } = await kms.createKey({ KeySpec: 'Aliyun_AES_256' });
  const keyId: string = KeyMetadata?.KeyId ?? '';
  const e = await kms.advanceEncrypt({ KeyId: keyId, Plaintext: 'text', Aad: new Uint8Array([1]) });
  const blob: Uint8Array | undefined = e.CiphertextBlob;
  const d = await kms.advanceDecrypt({ CiphertextBlob: blob ?? new Uint8Array() });
  const plain: Uint8Array | undefined = d.Plaintext;
  const r = await kms.createKeyVersion({ KeyId: keyId });
  const primary: string | undefined = r.KeyMetadata?.PrimaryKeyVersionId;
  await kms.importKey({ Versions: [{ KeyMaterial: new Uint8Array(32) }], Aliases: ['alias/a'] });
  await kms.generateRandom({ Length: 8 });
  const signer = (await kms.createKey({ KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' })).KeyMetadata?.KeyId ?? '';
  const sig = await kms.sign({ KeyId: signer, Message: 'text', MessageType: 'RAW' });
  const ok: boolean | undefined = (await kms.verify({ KeyId: signer, Message: 'text', Signature: sig.Signature ?? new Uint8Array(), Algorithm: sig.Algorithm })).Value;
  const pem: string | undefined = (await kms.getPublicKey({ KeyId: signer })).PublicKey;
  const pair = await kms.generateDataKeyPair({ KeyId: keyId, KeyPairSpec: 'RSA_2048', KeyFormat: 'DER', Aad: 'ctx' });
  const priv: Uint8Array | undefined = pair.PrivateKeyPlaintext;
  const adv = await kms.advanceGenerateDataKeyPairWithoutPlaintext({ KeyId: keyId, KeyPairSpec: 'EC_SM2' });
  const advVersion: string | undefined = adv.KeyVersionId;
  await kms.inspectBlob({ CiphertextBlob: new Uint8Array() });
  const json: string = await kms.callJSON('ListKeys', '{}');
  const proto: Uint8Array = await kms.callProto('GenerateRandom', new Uint8Array([8, 4]));
  const any = await kms.call('ListAliases', {});
  const typed: Uint8Array | undefined = (await kms.call('GenerateRandom', { Length: 4 })).Random;
  const untyped = await kms.call('SomethingNew', { Any: 1 });
  const ops: string[] = kms.info().operations;
  const records = kms.exportRecords().records;
  await kms.importRecords(kms.exportRecords(), { replace: false });

  const custom: Store = {
    get: (key) => (key ? { value: '{}', rev: 1 } : undefined),
    list: () => [],
    commit: (reads, writes) => reads.length >= 0 && writes.every((w) => w.value === null || typeof w.value === 'string'),
  };
  await PocketKMS.load({ store: custom, wasm: new URL('https://example.invalid/pocketkms.wasm') });
  await PocketKMS.load({ store: await JsonFileStore.open('/tmp/x.json', { rootKeyFile: '/tmp/x.key' }) });
  const idb: IndexedDBStore = await IndexedDBStore.open('db');
  await idb.flush();

  try {
    await kms.describeKey({ KeyId: 'alias/none' });
  } catch (err) {
    if (err instanceof KmsError) return `${err.status} ${err.code} ${err.requestId} ${err.message}`;
  }

  const secret: GetSecretValueResponse = await kms.getSecretValue({ SecretName: 'app/db', VersionStage: 'ACSPrevious' });
  await kms.putSecretValue({ SecretName: 'app/db', SecretData: secret.SecretData ?? '', VersionStages: ['ACSCurrent'] });
  const listed: ListSecretsResponse = await kms.listSecrets({ NamePrefixes: ['app/'] });
  listed.SecretList?.map((s: Secret) => s.PlannedDeleteTime);
  // @ts-expect-error SecretName is required
  await kms.getSecretValue({ VersionId: 'v1' });

  // @ts-expect-error KeyId is required
  await kms.advanceEncrypt({ Plaintext: 'x' });
  // @ts-expect-error CiphertextBlob takes bytes, not text
  await kms.advanceDecrypt({ CiphertextBlob: 'base64' });
  // @ts-expect-error Sign needs a KeyId
  kms.sign({});
  // @ts-expect-error no such method
  kms.signEverything({});
  return [plain, primary, json, proto, any, typed, untyped, ops, records, ok, pem, priv, advVersion].join();
}
