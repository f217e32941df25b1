// Code snippets: the current operation as a Go SDK call against
// `pocketkms serve`, and as a call through the JS package (Node).

import { $, copyButton, h } from './dom.js';
import { asText, toBase64, toHex } from './codec.js';

// Where `pocketkms serve` keeps things, as the server's docs describe them.
export const SERVE = {
  endpoint: '127.0.0.1:9443',
  ca: 'pocketkms-data/tls/ca.pem',
  clientKeyFile: 'clientKey.json', // pocketkms clientkey create --out clientKey.json --password-file password.txt
  passwordFile: 'password.txt',
};

const BYTES = new Set(['Plaintext', 'CiphertextBlob', 'Iv', 'Aad', 'KeyMaterial', 'Message', 'Signature', 'Digest']);
const INT32 = new Set(['NumberOfBytes', 'Length', 'PendingWindowInDays']);
const DATA_APIS = new Set(['Encrypt', 'Decrypt', 'AdvanceEncrypt', 'AdvanceDecrypt', 'GenerateDataKey', 'AdvanceGenerateDataKey', 'GenerateRandom',
  'Sign', 'Verify', 'GetPublicKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'AdvanceGenerateDataKeyPair',
  'AdvanceGenerateDataKeyPairWithoutPlaintext']);

const goString = (s) => JSON.stringify(s); // JSON string escapes are valid Go escapes

/** How to write bytes in Go: text stays text, anything else hex. */
function goBytes(b, enc, helpers) {
  const t = asText(b);
  if (enc === 'text' && t !== undefined) return `[]byte(${goString(t)})`;
  if (enc === 'base64') {
    helpers.add('b64');
    return `fromBase64(${goString(toBase64(b))})`;
  }
  helpers.add('hex');
  return `fromHex(${goString(toHex(b))})`;
}

function jsBytes(b, enc, helpers) {
  const t = asText(b);
  if (enc === 'text' && t !== undefined) return `new TextEncoder().encode(${JSON.stringify(t)})`;
  if (enc === 'base64') return `Buffer.from(${JSON.stringify(toBase64(b))}, 'base64')`;
  helpers.add('hex');
  return `Buffer.from(${JSON.stringify(toHex(b))}, 'hex')`;
}

export function goSnippet(api, req, encs = {}) {
  const helpers = new Set();
  const fields = Object.entries(req).map(([k, v]) => {
    let val;
    if (BYTES.has(k)) val = goBytes(v, encs[k], helpers);
    else if (INT32.has(k)) val = `tea.Int32(${v})`;
    else val = `tea.String(${goString(v)})`;
    return [k, val];
  });
  const w = Math.max(0, ...fields.map(([k]) => k.length + 1));
  const body = fields.map(([k, v]) => `\t\t${`${k}:`.padEnd(w)} ${v},`).join('\n');
  const imports = ['"fmt"', '"os"', '"strings"'];
  if (helpers.has('hex')) imports.unshift('"encoding/hex"');
  if (helpers.has('b64')) imports.unshift('"encoding/base64"');
  imports.sort();
  let extra = '';
  if (helpers.has('hex')) extra += '\nfunc fromHex(s string) []byte {\n\tb, err := hex.DecodeString(s)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\treturn b\n}\n';
  if (helpers.has('b64')) extra += '\nfunc fromBase64(s string) []byte {\n\tb, err := base64.StdEncoding.DecodeString(s)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\treturn b\n}\n';
  return `// go get github.com/aliyun/alibabacloud-dkms-gcs-go-sdk@v0.5.1
// Run \`pocketkms serve\` first (it listens on ${SERVE.endpoint} and writes its CA to ${SERVE.ca}),
// then make a ClientKey: pocketkms clientkey create --out ${SERVE.clientKeyFile} --password-file ${SERVE.passwordFile}
package main

import (
${imports.map((i) => `\t${i}`).join('\n')}

\t"github.com/alibabacloud-go/tea/tea"
\tdedicatedkmsopenapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
\tdedicatedkmssdk "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"
)

func main() {
\tca, err := os.ReadFile(${goString(SERVE.ca)})
\tif err != nil {
\t\tpanic(err)
\t}
\tpassword, err := os.ReadFile(${goString(SERVE.passwordFile)})
\tif err != nil {
\t\tpanic(err)
\t}
\tclient, err := dedicatedkmssdk.NewClient(&dedicatedkmsopenapi.Config{
\t\tProtocol:      tea.String("https"),
\t\tEndpoint:      tea.String(${goString(SERVE.endpoint)}),
\t\tClientKeyFile: tea.String(${goString(SERVE.clientKeyFile)}),
\t\tPassword:      tea.String(strings.TrimSpace(string(password))),
\t\tCa:            tea.String(string(ca)),
\t})
\tif err != nil {
\t\tpanic(err)
\t}
\tresp, err := client.${api}(&dedicatedkmssdk.${api}Request{
${body}
\t})
\tif err != nil {
\t\tpanic(err) // *tea.SDKError: Code is the ErrorCode, e.g. Forbidden.KeyNotFound
\t}
\tfmt.Printf("%+v\\n", resp)
}
${extra}`;
}

export function nodeSnippet(api, req, encs = {}) {
  const helpers = new Set();
  const method = api[0].toLowerCase() + api.slice(1);
  const js = (v, enc) => {
    if (v instanceof Uint8Array) return jsBytes(v, enc, helpers);
    if (Array.isArray(v)) return `[${v.map((x) => js(x, 'hex')).join(', ')}]`;
    if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${js(x, 'hex')}`).join(', ')} }`;
    return JSON.stringify(v);
  };
  const lines = Object.entries(req).map(([k, v]) => `    ${k}: ${js(v, encs[k])},`);
  return `// npm install pocketkms  (the engine as WebAssembly; runs in Node 20+)
import { PocketKMS, MemoryStore } from 'pocketkms';

const kms = await PocketKMS.load({ store: new MemoryStore() });
try {
  const resp = await kms.${method}({
${lines.join('\n')}
  });
  console.log(resp);
} catch (err) {
  // KmsError: err.status (HTTP), err.code (ErrorCode), err.message, err.requestId
  console.error(err.status, err.code, err.message);
}
`;
}

let lastManagement = null;
/** Remembers the last key-management call, shown as a Node snippet. */
export function setLastCall(api, request) {
  if (!DATA_APIS.has(api)) lastManagement = { api, request };
}

function block(title, code, label) {
  return h('div', { class: 'snip' },
    h('h4', {}, title),
    copyButton(() => code, label),
    h('pre', { tabindex: '0', 'aria-label': label }, h('code', {}, code)));
}

/** Renders the snippets for the operation form's current request. */
export function renderSnippets(api, request, encs) {
  const box = $('#snippets');
  if (!request) {
    box.replaceChildren(h('p', { class: 'muted' }, 'Fill in the form to see the code.'));
    return;
  }
  const parts = [
    block(`Go SDK against pocketkms serve (${api})`, goSnippet(api, request, encs), `Go snippet for ${api}`),
    block(`Node, with the pocketkms package (${api})`, nodeSnippet(api, request, encs), `Node snippet for ${api}`),
  ];
  if (lastManagement) {
    parts.push(block(`Your last key-management call (${lastManagement.api}), Node`,
      nodeSnippet(lastManagement.api, lastManagement.request, {}), `Node snippet for ${lastManagement.api}`));
  }
  box.replaceChildren(...parts);
}
