// @alicloud/kms20160120 1.2.0 (HMAC-SHA1, maps flattened as
// EncryptionContext.k=v) against `pocketkms serve --plain-http`, configured
// with nothing but endpoint, protocol and AccessKey. node_test.go runs this
// file with the server's address in POCKETKMS_CLASSIC_ENDPOINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Kms = require('@alicloud/kms20160120');
const Client = Kms.default;

const client = new Client({
  endpoint: process.env.POCKETKMS_CLASSIC_ENDPOINT,
  protocol: 'http',
  accessKeyId: process.env.POCKETKMS_CLASSIC_AK,
  accessKeySecret: process.env.POCKETKMS_CLASSIC_SECRET,
  regionId: 'cn-hangzhou',
});

async function rejects(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code + 'Error', err.message);
    return true;
  });
}

test('core flow with a flattened EncryptionContext', async () => {
  const created = await client.createKey(new Kms.CreateKeyRequest({ description: 'from node' }));
  const id = created.keyMetadata.keyId;
  assert.equal(created.keyMetadata.keyState, 'Enabled');
  const described = await client.describeKey(new Kms.DescribeKeyRequest({ keyId: id }));
  assert.equal(described.keyMetadata.description, 'from node');

  await client.createAlias(new Kms.CreateAliasRequest({ aliasName: 'alias/node-suite', keyId: id }));
  const ctx = { purpose: 'demo', 'a b': 'x*y~z' };
  const enc = await client.encrypt(new Kms.EncryptRequest({ keyId: 'alias/node-suite', plaintext: 'aGVsbG8gbm9kZQ==', encryptionContext: ctx }));
  assert.equal(enc.keyId, id);
  // The same context in another key order opens it; another context does not.
  const dec = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { 'a b': 'x*y~z', purpose: 'demo' } }));
  assert.equal(dec.plaintext, 'aGVsbG8gbm9kZQ==');
  assert.equal(dec.keyVersionId, enc.keyVersionId);
  await rejects(client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { purpose: 'other' } })), 'InvalidParameter');

  const dk = await client.generateDataKey(new Kms.GenerateDataKeyRequest({ keyId: id, numberOfBytes: 24, encryptionContext: ctx }));
  assert.equal(Buffer.from(dk.plaintext, 'base64').length, 24);
  const dkOpen = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: dk.ciphertextBlob, encryptionContext: ctx }));
  assert.equal(dkOpen.plaintext, dk.plaintext);

  const version = await client.createKeyVersion(new Kms.CreateKeyVersionRequest({ keyId: id }));
  const versions = await client.listKeyVersions(new Kms.ListKeyVersionsRequest({ keyId: id }));
  assert.equal(versions.totalCount, 2);
  assert.equal(versions.keyVersions.keyVersion[1].keyVersionId, version.keyVersion.keyVersionId);

  await client.tagResource(new Kms.TagResourceRequest({ keyId: id, tags: '[{"TagKey":"lang","TagValue":"js"}]' }));
  const tags = await client.listResourceTags(new Kms.ListResourceTagsRequest({ keyId: id }));
  assert.deepEqual(tags.tags.tag.map((t) => `${t.tagKey}=${t.tagValue}`), ['lang=js']);

  const keys = await client.listKeys(new Kms.ListKeysRequest({ pageSize: 1, pageNumber: 1 }));
  assert.equal(keys.keys.key.length, 1);
  assert.ok(keys.totalCount >= 1);

  await client.disableKey(new Kms.DisableKeyRequest({ keyId: id }));
  await rejects(client.encrypt(new Kms.EncryptRequest({ keyId: id, plaintext: 'eA==' })), 'Rejected.Disabled');
  await client.enableKey(new Kms.EnableKeyRequest({ keyId: id }));
  await client.scheduleKeyDeletion(new Kms.ScheduleKeyDeletionRequest({ keyId: id, pendingWindowInDays: 7 }));
  await rejects(client.describeKey(new Kms.DescribeKeyRequest({ keyId: 'key-doesnotexist000000000' })), 'Forbidden.KeyNotFound');
  await client.deleteAlias(new Kms.DeleteAliasRequest({ aliasName: 'alias/node-suite' }));
});

test('a wrong secret is SignatureDoesNotMatch', async () => {
  const bad = new Client({
    endpoint: process.env.POCKETKMS_CLASSIC_ENDPOINT, protocol: 'http', regionId: 'cn-hangzhou',
    accessKeyId: process.env.POCKETKMS_CLASSIC_AK, accessKeySecret: 'not-the-secret-0000',
  });
  await rejects(bad.describeRegions(new Kms.DescribeRegionsRequest({})), 'SignatureDoesNotMatch');
});

test('secrets: create, put, read by stage, list with Filters', async () => {
  await client.createSecret(new Kms.CreateSecretRequest({ secretName: 'node/db', secretData: 'one', versionId: 'v1' }));
  await client.putSecretValue(new Kms.PutSecretValueRequest({ secretName: 'node/db', secretData: 'two', versionId: 'v2' }));
  const cur = await client.getSecretValue(new Kms.GetSecretValueRequest({ secretName: 'node/db' }));
  assert.equal(cur.secretData, 'two');
  assert.deepEqual(cur.versionStages.versionStage, ['ACSCurrent']);
  const prev = await client.getSecretValue(new Kms.GetSecretValueRequest({ secretName: 'node/db', versionStage: 'ACSPrevious' }));
  assert.equal(prev.secretData, 'one');
  const list = await client.listSecrets(new Kms.ListSecretsRequest({ filters: '[{"Key":"SecretName","Values":["node/"]}]' }));
  assert.equal(list.totalCount, 1);
  assert.equal(list.secretList.secret[0].secretName, 'node/db');
  await rejects(client.getSecretValue(new Kms.GetSecretValueRequest({ secretName: 'node/none' })), 'Forbidden.ResourceNotFound');
});
