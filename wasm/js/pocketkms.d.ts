// Type declarations for pocketkms (wasm/js/pocketkms.js). Field names are
// the product's (PascalCase). Responses follow proto3 JSON: a field whose
// value is zero, empty or false is absent, hence every response field is
// optional.

/** Binary input: any view or buffer. Output bytes are always Uint8Array. */
export type Bytes = Uint8Array | ArrayBufferView | ArrayBuffer;
/** Plaintext and Aad also accept a string, encoded as UTF-8. */
export type BytesOrText = Bytes | string;

// ---- Stores ---------------------------------------------------------------

export interface StoreRecord {
  value: string;
  /** Positive; changes on every write of the record. */
  rev: number;
}

export interface StoreWrite {
  key: string;
  /** null deletes the record. */
  value: string | null;
}

/**
 * What the module needs from a store. get/list/commit are synchronous (the
 * module calls them synchronously); keep the data in memory and persist in
 * flush(). Record keys the engine uses: "keys/<KeyId>" (key record WITH
 * material: seal it at rest), "aliases/<alias/name>" and "deletions/...";
 * layout.js lists every prefix and which are sealed.
 */
export interface Store {
  /** The record, or undefined if absent. */
  get(key: string): StoreRecord | undefined;
  /** Keys starting with prefix, sorted by code point (UTF-8 byte order). */
  list(prefix: string): string[];
  /**
   * Atomically: if every read [key, rev] still holds (rev 0 = absent), apply
   * all writes and return true; else apply nothing and return false (the
   * engine retries the whole operation). Throwing is a store failure (500).
   */
  commit(reads: Array<[key: string, rev: number]>, writes: StoreWrite[]): boolean;
  /** Optional: persist. Awaited after every call that committed. */
  flush?(): Promise<void>;
}

/** A plaintext export of a whole store. CONTAINS KEY MATERIAL. */
export interface RecordsExport {
  format: 'pocketkms-records';
  version: 1;
  records: Record<string, string>;
}

export interface ImportOptions {
  /** true (default): the store ends up with exactly these records; false: merge. */
  replace?: boolean;
}

/** The default store: in memory only. Also the base of the persistent stores. */
export class MemoryStore implements Store {
  constructor();
  get(key: string): StoreRecord | undefined;
  list(prefix: string): string[];
  commit(reads: Array<[string, number]>, writes: StoreWrite[]): boolean;
  readonly size: number;
  /** Every record in plaintext, KEY MATERIAL INCLUDED. Guard it like the keys. */
  exportRecords(): RecordsExport;
  /** Loads an export, all or nothing; returns the number of writes. */
  importRecords(data: RecordsExport, options?: ImportOptions): number;
}

/**
 * The sealed store document: a JsonFileStore file, exportSealed()'s result,
 * and what `pocketkms store import|export` read and write. Sealed values are
 * store.Sealed envelopes (standard base64), readable only with the root key.
 */
export interface SealedStoreDocument {
  format: 'pocketkms-store';
  version: 1;
  records: Record<string, { rev: number; value?: string; sealed?: string }>;
}

/**
 * Browser store in IndexedDB: loaded into memory by open(), written behind
 * on flush(). "keys/" and "accesskeys/" records are sealed as the server
 * seals them (store.Sealed) under a root key kept in the same database as a
 * non-extractable WebCrypto key, or under options.rootKey (32 bytes) when
 * given, which lets exportSealed()'s document open in `pocketkms serve`.
 * Databases of the previous JS format are migrated on open. One tab at a time.
 */
export class IndexedDBStore extends MemoryStore {
  static open(name?: string, options?: { indexedDB?: IDBFactory; rootKey?: Uint8Array }): Promise<IndexedDBStore>;
  static deleteDatabase(name?: string, options?: { indexedDB?: IDBFactory }): Promise<void>;
  flush(): Promise<void>;
  close(): void;
  /** The store as a sealed document. */
  exportSealed(): Promise<SealedStoreDocument>;
}

// ---- Errors ---------------------------------------------------------------

/** A KMS error: HTTP status, the product's ErrorCode, message, RequestId. */
export class KmsError extends Error {
  constructor(status: number, code: string, message: string, requestId?: string, options?: ErrorOptions);
  readonly name: 'KmsError';
  /** HTTP status, e.g. 404. */
  status: number;
  /** The product's ErrorCode, e.g. "Forbidden.KeyNotFound". */
  code: string;
  /** The engine's request id; "" when the request never reached the engine. */
  requestId: string;
  toJSON(): { StatusCode: number; ErrorCode: string; ErrorMessage: string; RequestId: string };
}

// ---- Messages -------------------------------------------------------------

export type KeySpec = 'Aliyun_AES_256' | 'Aliyun_AES_192' | 'Aliyun_AES_128' | 'Aliyun_SM4'
  | 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'EC_P256' | 'EC_P256K' | 'EC_SM2' | (string & {});
export type Algorithm = 'AES_GCM' | 'AES_CBC' | 'AES_ECB' | 'SM4_GCM' | 'SM4_CBC' | 'SM4_ECB'
  | AsymmetricEncryptionAlgorithm | (string & {});
/** Encrypt/Decrypt with an asymmetric key: the first of each spec is its default. */
export type AsymmetricEncryptionAlgorithm = 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1' | 'SM2PKE';
/** RSA: RSA_PSS_SHA_256 (default) or RSA_PKCS1_SHA_256; EC_P256 and EC_P256K: ECDSA_SHA_256; EC_SM2: SM2DSA. */
export type SignatureAlgorithm = 'RSA_PSS_SHA_256' | 'RSA_PKCS1_SHA_256' | 'ECDSA_SHA_256' | 'SM2DSA' | (string & {});
/** RAW (default): the message, hashed by the algorithm (SM2DSA: SM3(Z_A‖M)); DIGEST: its 32-byte digest. */
export type MessageType = 'RAW' | 'DIGEST' | (string & {});
export type KeyPairSpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'EC_P256' | 'EC_P256K' | 'EC_SM2' | (string & {});
/** PKCS#8 private keys and SPKI public keys as PEM text (default) or DER bytes. */
export type KeyFormat = 'PEM' | 'DER' | (string & {});
export type PaddingMode = 'PKCS7_PADDING' | 'NO_PADDING' | (string & {});

interface WithRequestId { RequestId?: string }

export interface EncryptRequest {
  /** Key id or "alias/<name>". */
  KeyId: string;
  Plaintext: BytesOrText;
  Algorithm?: Algorithm;
  /** GCM only, at most 8192 bytes. */
  Aad?: BytesOrText;
  /** GCM: 12 bytes, CBC: 16; random when unset (recommended). */
  Iv?: Bytes;
  PaddingMode?: PaddingMode;
}
export interface EncryptResponse extends WithRequestId {
  KeyId?: string;
  CiphertextBlob?: Uint8Array;
  Iv?: Uint8Array;
  Algorithm?: string;
  PaddingMode?: string;
}
export interface AdvanceEncryptResponse extends EncryptResponse { KeyVersionId?: string }

export interface DecryptRequest {
  CiphertextBlob: Bytes;
  /** Required for Decrypt and for non-Advance blobs given to AdvanceDecrypt. */
  KeyId?: string;
  Algorithm?: Algorithm;
  Aad?: BytesOrText;
  Iv?: Bytes;
  PaddingMode?: PaddingMode;
}
export interface DecryptResponse extends WithRequestId {
  KeyId?: string;
  Plaintext?: Uint8Array;
  Algorithm?: string;
  PaddingMode?: string;
}
export interface AdvanceDecryptResponse extends DecryptResponse { KeyVersionId?: string }

export interface GenerateDataKeyRequest {
  KeyId: string;
  Algorithm?: Algorithm;
  /** 1 to 1024, default 32. */
  NumberOfBytes?: number;
  Aad?: BytesOrText;
}
export interface AdvanceGenerateDataKeyRequest {
  KeyId: string;
  NumberOfBytes?: number;
  Aad?: BytesOrText;
}
export interface GenerateDataKeyResponse extends WithRequestId {
  KeyId?: string;
  Iv?: Uint8Array;
  Plaintext?: Uint8Array;
  CiphertextBlob?: Uint8Array;
  Algorithm?: string;
}
export interface AdvanceGenerateDataKeyResponse extends GenerateDataKeyResponse { KeyVersionId?: string }

export interface GenerateRandomRequest {
  /** 1 to 64. */
  Length: number;
}
export interface GenerateRandomResponse extends WithRequestId { Random?: Uint8Array }

export interface SignRequest {
  KeyId: string;
  /** Default: the key's default algorithm. */
  Algorithm?: SignatureAlgorithm;
  Message?: BytesOrText;
  MessageType?: MessageType;
  /** The C# SDK's field: a DIGEST message, when Message is empty. */
  Digest?: Bytes;
}
export interface SignResponse extends WithRequestId {
  KeyId?: string;
  /** Raw bytes: RSA signatures are the modulus length; ECDSA and SM2 are DER SEQUENCE{r, s}. */
  Signature?: Uint8Array;
  Algorithm?: SignatureAlgorithm;
  MessageType?: MessageType;
}
export interface VerifyRequest extends SignRequest { Signature: Bytes }
export interface VerifyResponse extends WithRequestId {
  KeyId?: string;
  /** false (absent on the wire) for a wrong or malformed signature: not an error. */
  Value?: boolean;
  Algorithm?: SignatureAlgorithm;
  MessageType?: MessageType;
}
export interface GetPublicKeyRequest { KeyId: string }
export interface GetPublicKeyResponse extends WithRequestId {
  KeyId?: string;
  /** PEM "PUBLIC KEY" (SubjectPublicKeyInfo), 64-character lines, trailing newline. */
  PublicKey?: string;
}
export interface GenerateDataKeyPairRequest {
  /** A symmetric key: it seals the private key. */
  KeyId: string;
  KeyPairSpec: KeyPairSpec;
  KeyFormat?: KeyFormat;
  /** AES_GCM (SM4_GCM for SM4 keys), the default. Not in the Advance forms. */
  Algorithm?: Algorithm;
  Aad?: BytesOrText;
}
export type AdvanceGenerateDataKeyPairRequest = Omit<GenerateDataKeyPairRequest, 'Algorithm'>;
export interface GenerateDataKeyPairWithoutPlaintextResponse extends WithRequestId {
  KeyId?: string;
  /** The IV of the seal (for the Advance forms, the one inside the blob). */
  Iv?: Uint8Array;
  KeyPairSpec?: KeyPairSpec;
  /** Decrypt (non-Advance: with KeyId, Iv and Aad) or AdvanceDecrypt opens it to the private key. */
  PrivateKeyCiphertextBlob?: Uint8Array;
  /** SPKI, PEM text as bytes or DER. */
  PublicKey?: Uint8Array;
  Algorithm?: Algorithm;
}
export interface GenerateDataKeyPairResponse extends GenerateDataKeyPairWithoutPlaintextResponse {
  /** PKCS#8, PEM text as bytes or DER. */
  PrivateKeyPlaintext?: Uint8Array;
}
export interface AdvanceGenerateDataKeyPairWithoutPlaintextResponse extends GenerateDataKeyPairWithoutPlaintextResponse { KeyVersionId?: string }
export interface AdvanceGenerateDataKeyPairResponse extends GenerateDataKeyPairResponse { KeyVersionId?: string }

export interface KeyMetadata {
  KeyId?: string;
  KeySpec?: string;
  KeyUsage?: string;
  /** Enabled | Disabled | PendingDeletion */
  KeyState?: string;
  Description?: string;
  /** RFC 3339, UTC. */
  CreationDate?: string;
  DeleteDate?: string;
  InitialKeyVersionId?: string;
  PrimaryKeyVersionId?: string;
  /** Enabled | Disabled | Suspended */
  AutomaticRotation?: string;
  RotationInterval?: string;
  LastRotationDate?: string;
  NextRotationDate?: string;
  /** Aliyun_KMS | EXTERNAL */
  Origin?: string;
  Aliases?: string[];
  VersionCount?: number;
  /** Enabled | Disabled */
  DeletionProtection?: string;
  DeletionProtectionDescription?: string;
  /** Sorted by TagKey. */
  Tags?: Tag[];
}
export interface Tag {
  TagKey: string;
  TagValue?: string;
}
export interface UpdateKeyDescriptionRequest {
  KeyId: string;
  Description: string;
}
export interface SetDeletionProtectionRequest {
  KeyId: string;
  EnableDeletionProtection?: boolean;
  DeletionProtectionDescription?: string;
}
/** Names a key by KeyId, or a secret by SecretName (the answer then has no KeyMetadata). */
export type TagTarget = { KeyId: string; SecretName?: undefined } | { SecretName: string; KeyId?: undefined };
export type TagResourceRequest = TagTarget & {
  /** At most 20 per key or secret; keys starting acs: or aliyun are reserved. */
  Tags: Tag[];
};
export type UntagResourceRequest = TagTarget & { TagKeys: string[] };
export interface KeyVersion {
  KeyId?: string;
  KeyVersionId?: string;
  CreationDate?: string;
  Primary?: boolean;
  Initial?: boolean;
}
export interface Alias {
  AliasName?: string;
  KeyId?: string;
  CreationDate?: string;
}

export interface CreateKeyRequest {
  /** Default Aliyun_AES_256. */
  KeySpec?: KeySpec;
  /** Default ENCRYPT/DECRYPT. */
  KeyUsage?: 'ENCRYPT/DECRYPT' | 'SIGN/VERIFY' | (string & {});
  Description?: string;
  EnableAutomaticRotation?: boolean;
  /** "<int><d|h|m|s>", 7 to 730 days; required with EnableAutomaticRotation. */
  RotationInterval?: string;
  Tags?: Tag[];
}
export interface KeyResponse extends WithRequestId { KeyMetadata?: KeyMetadata }
export interface KeyIdRequest {
  /** Key id or alias. */
  KeyId: string;
}
export interface ListKeysResponse extends WithRequestId { Keys?: KeyMetadata[] }
export interface ListKeyVersionsResponse extends WithRequestId { KeyVersions?: KeyVersion[] }
export interface DescribeKeyVersionRequest { KeyId: string; KeyVersionId: string }
export interface KeyVersionResponse extends WithRequestId { KeyVersion?: KeyVersion }
export interface UpdateRotationPolicyRequest {
  KeyId: string;
  EnableAutomaticRotation?: boolean;
  RotationInterval?: string;
}
export interface ScheduleKeyDeletionRequest {
  KeyId: string;
  /** 7 to 30. */
  PendingWindowInDays: number;
}
export interface AliasRequest {
  /** "alias/<name>". */
  AliasName: string;
  /** CreateAlias and UpdateAlias. */
  KeyId?: string;
}
export interface AliasResponse extends WithRequestId { Alias?: Alias }
export interface ListAliasesRequest {
  /** ListAliasesByKeyId only. */
  KeyId?: string;
}
export interface ListAliasesResponse extends WithRequestId { Aliases?: Alias[] }
export interface EmptyResponse extends WithRequestId {}

export interface ImportedVersion {
  /** Generated when empty. */
  KeyVersionId?: string;
  /** Generated when empty. */
  KeyMaterial?: Bytes;
  /** RFC 3339; now when empty. */
  CreationDate?: string;
}
export interface ImportKeyRequest {
  /** Generated when empty. */
  KeyId?: string;
  KeySpec?: KeySpec;
  KeyUsage?: string;
  Description?: string;
  Aliases?: string[];
  /** Enables automatic rotation when set. */
  RotationInterval?: string;
  /** Enabled (default) | Disabled */
  KeyState?: string;
  /** Oldest first; the last is primary. */
  Versions?: ImportedVersion[];
}

export interface InspectBlobRequest { CiphertextBlob: Bytes }
export interface BlobField {
  Name?: string;
  /** Absent for 0. */
  Offset?: number;
  Length?: number;
  Value?: string;
}
export interface InspectBlobResponse extends WithRequestId {
  /** Absent (false) when the blob does not parse; Problem then says why. */
  Valid?: boolean;
  Problem?: string;
  CipherVersion?: number;
  Algorithm?: string;
  PaddingMode?: string;
  KeyVersionId?: string;
  KeyId?: string;
  Iv?: Uint8Array;
  Ciphertext?: Uint8Array;
  Tag?: Uint8Array;
  Fields?: BlobField[];
}

// Secrets (docs/secrets.md): fields as the classic OpenAPI names them.
export type SecretType = 'Generic' | 'Rds' | 'Redis' | 'PolarDB' | 'RAMCredentials' | 'ECS';
export type SecretDataType = 'text' | 'binary';
export interface CreateSecretRequest {
  SecretName: string;
  /** The value as text; a binary secret's value is your base64 text, returned as given. */
  SecretData: string;
  /** The first version's id; generated when absent. It gets ACSCurrent. */
  VersionId?: string;
  SecretDataType?: SecretDataType;
  SecretType?: SecretType;
  /** A symmetric key (id or alias) that encrypts the values; disabling it makes them unreadable. */
  EncryptionKeyId?: string;
  Description?: string;
  /** JSON object text; GetSecretValue returns it for managed types when asked. */
  ExtendedConfig?: string;
  EnableAutomaticRotation?: boolean;
  /** `<n><d|h|m|s>`, 6h to 8760h. */
  RotationInterval?: string;
  Tags?: Tag[];
}
/** A secret's metadata, and the answer of the secret operations but GetSecretValue and the lists. */
export interface Secret extends WithRequestId {
  SecretName?: string;
  SecretType?: SecretType;
  Description?: string;
  EncryptionKeyId?: string;
  CreateTime?: string;
  UpdateTime?: string;
  /** Set while the secret is in its recovery window. */
  PlannedDeleteTime?: string;
  AutomaticRotation?: 'Enabled' | 'Disabled';
  /** `<seconds>s`, e.g. `604800s`. */
  RotationInterval?: string;
  LastRotationDate?: string;
  NextRotationDate?: string;
  ExtendedConfig?: string;
  Tags?: Tag[];
  /** The version written (CreateSecret, PutSecretValue, RotateSecret). */
  VersionId?: string;
  VersionStages?: string[];
}
export interface GetSecretValueRequest {
  SecretName: string;
  /** Default ACSCurrent (when no VersionId is given). */
  VersionStage?: string;
  VersionId?: string;
  FetchExtendedConfig?: boolean;
}
export interface GetSecretValueResponse extends WithRequestId {
  SecretName?: string;
  SecretType?: SecretType;
  SecretData?: string;
  SecretDataType?: SecretDataType;
  VersionStages?: string[];
  VersionId?: string;
  /** The version's creation time, e.g. 2020-02-21T15:39:26Z. */
  CreateTime?: string;
  LastRotationDate?: string;
  NextRotationDate?: string;
  ExtendedConfig?: string;
  AutomaticRotation?: string;
  RotationInterval?: string;
}
export interface PutSecretValueRequest {
  SecretName: string;
  SecretData: string;
  /** Generated when absent. Versions are write-once: the same id with the same value is a no-op. */
  VersionId?: string;
  SecretDataType?: SecretDataType;
  /** Default ["ACSCurrent"]; the old ACSCurrent becomes ACSPrevious. */
  VersionStages?: string[];
}
export interface UpdateSecretVersionStageRequest {
  SecretName: string;
  VersionStage: string;
  MoveToVersion?: string;
  RemoveFromVersion?: string;
}
export interface RotateSecretRequest { SecretName: string; VersionId?: string }
export interface SecretNameRequest { SecretName: string; FetchTags?: boolean }
export interface ListSecretsRequest {
  FetchTags?: boolean;
  PageNumber?: number;
  /** 1 to 100, default 10. */
  PageSize?: number;
  /** Secrets whose name starts with any of these; all when absent. */
  NamePrefixes?: string[];
}
export interface ListSecretsResponse extends WithRequestId {
  SecretList?: Secret[];
  PageNumber?: number;
  PageSize?: number;
  TotalCount?: number;
}
export interface ListSecretVersionIdsRequest {
  SecretName: string;
  /** Also the versions without stages. */
  IncludeDeprecated?: boolean;
  PageNumber?: number;
  PageSize?: number;
}
export interface SecretVersion {
  VersionId?: string;
  CreateTime?: string;
  VersionStages?: string[];
  SecretDataType?: SecretDataType;
}
export interface ListSecretVersionIdsResponse extends WithRequestId {
  SecretName?: string;
  VersionIds?: SecretVersion[];
  PageNumber?: number;
  PageSize?: number;
  TotalCount?: number;
}
export interface DeleteSecretRequest {
  SecretName: string;
  ForceDeleteWithoutRecovery?: boolean;
  /** 7 to 30, default 30. */
  RecoveryWindowInDays?: number;
}
export interface ImportedSecretVersion {
  VersionId: string;
  SecretData: string;
  SecretDataType?: SecretDataType;
  VersionStages?: string[];
}
/** A secret with its version history (a seed file's Secrets entry); adds only what is missing. */
export interface ImportSecretRequest {
  SecretName: string;
  SecretType?: SecretType;
  EncryptionKeyId?: string;
  Description?: string;
  RotationInterval?: string;
  ExtendedConfig?: string;
  Tags?: Tag[];
  /** Oldest first. */
  Versions: ImportedSecretVersion[];
}

export interface ModuleInfo {
  name: string;
  version: string;
  abi: number;
  operations: string[];
  /** The operations the module also exports under their own name (docs/wasm-abi.md). */
  exports: string[];
  algorithms: string[];
}

// ---- The engine -----------------------------------------------------------

/** A WebAssembly.Module, a URL, a Response, bytes, or a Promise of one. */
export type WasmSource = WebAssembly.Module | URL | string | Response | ArrayBuffer | ArrayBufferView
  | Promise<WebAssembly.Module | URL | string | Response | ArrayBuffer | ArrayBufferView>;

export interface LoadOptions {
  /** Default: a new MemoryStore. */
  store?: Store;
  /** Default: the package's build/pocketkms.wasm (fetched beside the loader; read from disk in Node). */
  wasm?: WasmSource;
  /** Receives what the module prints (panics only, in practice). Default: console.error. */
  onOutput?: (fd: number, line: string) => void;
  /**
   * Default true: where the host offers AES (Node, through node:crypto) the
   * module runs AES on it instead of its own software AES. The answers are
   * the same bytes either way; false keeps AES inside the module.
   */
  hostCiphers?: boolean;
}

/** Request and response types by operation name (for PocketKMS.call). */
export interface Operations {
  Encrypt: [EncryptRequest, EncryptResponse];
  Decrypt: [DecryptRequest, DecryptResponse];
  AdvanceEncrypt: [EncryptRequest, AdvanceEncryptResponse];
  AdvanceDecrypt: [DecryptRequest, AdvanceDecryptResponse];
  GenerateDataKey: [GenerateDataKeyRequest, GenerateDataKeyResponse];
  AdvanceGenerateDataKey: [AdvanceGenerateDataKeyRequest, AdvanceGenerateDataKeyResponse];
  GenerateRandom: [GenerateRandomRequest, GenerateRandomResponse];
  Sign: [SignRequest, SignResponse];
  Verify: [VerifyRequest, VerifyResponse];
  GetPublicKey: [GetPublicKeyRequest, GetPublicKeyResponse];
  GenerateDataKeyPair: [GenerateDataKeyPairRequest, GenerateDataKeyPairResponse];
  GenerateDataKeyPairWithoutPlaintext: [GenerateDataKeyPairRequest, GenerateDataKeyPairWithoutPlaintextResponse];
  AdvanceGenerateDataKeyPair: [AdvanceGenerateDataKeyPairRequest, AdvanceGenerateDataKeyPairResponse];
  AdvanceGenerateDataKeyPairWithoutPlaintext: [AdvanceGenerateDataKeyPairRequest, AdvanceGenerateDataKeyPairWithoutPlaintextResponse];
  CreateKey: [CreateKeyRequest, KeyResponse];
  ImportKey: [ImportKeyRequest, KeyResponse];
  DescribeKey: [KeyIdRequest, KeyResponse];
  ListKeys: [{}, ListKeysResponse];
  CreateKeyVersion: [KeyIdRequest, KeyResponse];
  ListKeyVersions: [KeyIdRequest, ListKeyVersionsResponse];
  DescribeKeyVersion: [DescribeKeyVersionRequest, KeyVersionResponse];
  UpdateRotationPolicy: [UpdateRotationPolicyRequest, KeyResponse];
  EnableKey: [KeyIdRequest, KeyResponse];
  DisableKey: [KeyIdRequest, KeyResponse];
  ScheduleKeyDeletion: [ScheduleKeyDeletionRequest, KeyResponse];
  CancelKeyDeletion: [KeyIdRequest, KeyResponse];
  CreateAlias: [AliasRequest, AliasResponse];
  UpdateAlias: [AliasRequest, AliasResponse];
  DeleteAlias: [AliasRequest, EmptyResponse];
  ListAliases: [ListAliasesRequest, ListAliasesResponse];
  ListAliasesByKeyId: [ListAliasesRequest & { KeyId: string }, ListAliasesResponse];
  InspectBlob: [InspectBlobRequest, InspectBlobResponse];
  UpdateKeyDescription: [UpdateKeyDescriptionRequest, KeyResponse];
  SetDeletionProtection: [SetDeletionProtectionRequest, KeyResponse];
  TagResource: [TagResourceRequest, KeyResponse];
  UntagResource: [UntagResourceRequest, KeyResponse];
  CreateSecret: [CreateSecretRequest, Secret];
  ImportSecret: [ImportSecretRequest, Secret];
  GetSecretValue: [GetSecretValueRequest, GetSecretValueResponse];
  PutSecretValue: [PutSecretValueRequest, Secret];
  UpdateSecretVersionStage: [UpdateSecretVersionStageRequest, Secret];
  RotateSecret: [RotateSecretRequest, Secret];
  DescribeSecret: [SecretNameRequest, Secret];
  ListSecrets: [ListSecretsRequest, ListSecretsResponse];
  ListSecretVersionIds: [ListSecretVersionIdsRequest, ListSecretVersionIdsResponse];
  DeleteSecret: [DeleteSecretRequest, Secret];
  RestoreSecret: [SecretNameRequest, Secret];
}

/** The operations the engine answers. */
export const OPERATIONS: readonly string[];

/** The module ABI this package speaks; PocketKMS.load refuses a module of another. */
export const ABI_VERSION: number;

/** The default module location: build/pocketkms.wasm beside the package. */
export function defaultWasmURL(): URL;

export class PocketKMS {
  /** Compiles the module once, for any number of instances (pass the result as `wasm`). */
  static compile(wasm?: WasmSource): Promise<WebAssembly.Module>;
  /** Compiles (unless given a Module), instantiates and initialises the module over a store. */
  static load(options?: LoadOptions): Promise<PocketKMS>;
  protected constructor(module: WebAssembly.Module, store: Store, onOutput?: LoadOptions['onOutput']);

  readonly store: Store;
  readonly module: WebAssembly.Module;
  /** How long load() took, in milliseconds. */
  timings: { compileMs: number; instantiateMs: number };

  /** Module name, version, ABI version, operations and algorithms. */
  info(): ModuleInfo;

  /** Any operation by name, with a request object; bytes as Uint8Array both ways. */
  call<A extends keyof Operations>(api: A, request: Operations[A][0]): Promise<Operations[A][1]>;
  call(api: string, request?: object): Promise<any>;
  /** Any operation in the JSON form: request and response as JSON text, bytes as base64. */
  callJSON(api: string, json?: string): Promise<string>;
  /** Any operation in the protobuf form of the instance API (dkms-gcs-0.2 messages). */
  callProto(api: string, body?: Uint8Array): Promise<Uint8Array>;

  /** Every store record in plaintext, KEY MATERIAL INCLUDED. */
  exportRecords(): RecordsExport;
  /** Replaces (or merges) the store's records from an export, then flushes. */
  importRecords(data: RecordsExport, options?: ImportOptions): Promise<number>;

  // Data operations (dkms-gcs-0.2).
  encrypt(request: EncryptRequest): Promise<EncryptResponse>;
  decrypt(request: DecryptRequest): Promise<DecryptResponse>;
  advanceEncrypt(request: EncryptRequest): Promise<AdvanceEncryptResponse>;
  advanceDecrypt(request: DecryptRequest): Promise<AdvanceDecryptResponse>;
  generateDataKey(request: GenerateDataKeyRequest): Promise<GenerateDataKeyResponse>;
  advanceGenerateDataKey(request: AdvanceGenerateDataKeyRequest): Promise<AdvanceGenerateDataKeyResponse>;
  generateRandom(request: GenerateRandomRequest): Promise<GenerateRandomResponse>;
  sign(request: SignRequest): Promise<SignResponse>;
  verify(request: VerifyRequest): Promise<VerifyResponse>;
  getPublicKey(request: GetPublicKeyRequest): Promise<GetPublicKeyResponse>;
  generateDataKeyPair(request: GenerateDataKeyPairRequest): Promise<GenerateDataKeyPairResponse>;
  generateDataKeyPairWithoutPlaintext(request: GenerateDataKeyPairRequest): Promise<GenerateDataKeyPairWithoutPlaintextResponse>;
  advanceGenerateDataKeyPair(request: AdvanceGenerateDataKeyPairRequest): Promise<AdvanceGenerateDataKeyPairResponse>;
  advanceGenerateDataKeyPairWithoutPlaintext(request: AdvanceGenerateDataKeyPairRequest): Promise<AdvanceGenerateDataKeyPairWithoutPlaintextResponse>;

  // Key management.
  createKey(request?: CreateKeyRequest): Promise<KeyResponse>;
  importKey(request: ImportKeyRequest): Promise<KeyResponse>;
  describeKey(request: KeyIdRequest): Promise<KeyResponse>;
  listKeys(request?: {}): Promise<ListKeysResponse>;
  /** Rotates: the new version is KeyMetadata.PrimaryKeyVersionId. */
  createKeyVersion(request: KeyIdRequest): Promise<KeyResponse>;
  listKeyVersions(request: KeyIdRequest): Promise<ListKeyVersionsResponse>;
  describeKeyVersion(request: DescribeKeyVersionRequest): Promise<KeyVersionResponse>;
  updateRotationPolicy(request: UpdateRotationPolicyRequest): Promise<KeyResponse>;
  enableKey(request: KeyIdRequest): Promise<KeyResponse>;
  disableKey(request: KeyIdRequest): Promise<KeyResponse>;
  scheduleKeyDeletion(request: ScheduleKeyDeletionRequest): Promise<KeyResponse>;
  cancelKeyDeletion(request: KeyIdRequest): Promise<KeyResponse>;
  createAlias(request: AliasRequest): Promise<AliasResponse>;
  updateAlias(request: AliasRequest): Promise<AliasResponse>;
  deleteAlias(request: AliasRequest): Promise<EmptyResponse>;
  listAliases(request?: ListAliasesRequest): Promise<ListAliasesResponse>;
  listAliasesByKeyId(request: ListAliasesRequest & { KeyId: string }): Promise<ListAliasesResponse>;
  inspectBlob(request: InspectBlobRequest): Promise<InspectBlobResponse>;
  updateKeyDescription(request: UpdateKeyDescriptionRequest): Promise<KeyResponse>;
  /** A protected key refuses ScheduleKeyDeletion (403 Forbidden.DeletionProtection). */
  setDeletionProtection(request: SetDeletionProtectionRequest): Promise<KeyResponse>;
  tagResource(request: TagResourceRequest): Promise<KeyResponse>;
  untagResource(request: UntagResourceRequest): Promise<KeyResponse>;

  // Secrets.
  createSecret(request: CreateSecretRequest): Promise<Secret>;
  importSecret(request: ImportSecretRequest): Promise<Secret>;
  getSecretValue(request: GetSecretValueRequest): Promise<GetSecretValueResponse>;
  /** A new version, by default ACSCurrent (the old one becomes ACSPrevious). */
  putSecretValue(request: PutSecretValueRequest): Promise<Secret>;
  updateSecretVersionStage(request: UpdateSecretVersionStageRequest): Promise<Secret>;
  /** Managed types only: a new ACSCurrent with fresh credentials in the same JSON shape. */
  rotateSecret(request: RotateSecretRequest): Promise<Secret>;
  describeSecret(request: SecretNameRequest): Promise<Secret>;
  listSecrets(request?: ListSecretsRequest): Promise<ListSecretsResponse>;
  listSecretVersionIds(request: ListSecretVersionIdsRequest): Promise<ListSecretVersionIdsResponse>;
  deleteSecret(request: DeleteSecretRequest): Promise<Secret>;
  restoreSecret(request: SecretNameRequest): Promise<Secret>;
}
