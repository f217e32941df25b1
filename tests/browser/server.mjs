// A tiny static file server for the playground tests: serves the site as
// pocketkms serve and the Worker do (web/index.html at /, and web/, wasm/js/
// and build/pocketkms.wasm at their paths, nothing else of the repository),
// .wasm as application/wasm, on a free loopback port. Given another root it
// serves that directory as it is. Run alone: node tests/browser/server.mjs [port]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
};

/** The repository file behind a URL path of the site (host/server's staticRoots). */
function sitePath(path) {
  if (path === '/' || path === '/index.html') return '/web/index.html';
  if (SITE_ROOTS.some((r) => (r.endsWith('/') ? path.startsWith(r) : path === r))) return path;
  throw Object.assign(new Error('not part of the site'), { code: 'ENOENT' });
}

const SITE_ROOTS = ['/web/', '/wasm/js/', '/build/pocketkms.wasm'];

/**
 * Starts the server; resolves to { url, close }. With hold = { path, bytes,
 * until }, a GET of path sends its headers and first `bytes` bytes, then waits
 * for the `until` promise before the rest: a download caught in the middle,
 * however fast or loaded the machine is.
 */
export function serve({ root = ROOT, port = 0, hold } = {}) {
  const site = root === ROOT;
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = normalize(join(root, site ? sitePath(path) : path));
      if (file !== root && !file.startsWith(root + sep)) throw Object.assign(new Error('outside root'), { code: 'ENOENT' });
      let st = await stat(file);
      if (st.isDirectory()) {
        file = join(file, 'index.html');
        st = await stat(file);
      }
      // Revalidation like any static server: lets the browser reuse its
      // HTTP cache and, for the module, its compiled-code cache on reloads.
      const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
      const headers = { etag, 'cache-control': 'no-cache', 'last-modified': st.mtime.toUTCString() };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
      if (req.method === 'HEAD') return void res.end();
      if (hold && path === hold.path) {
        res.write(body.subarray(0, hold.bytes));
        await hold.until;
        return void res.end(body.subarray(hold.bytes));
      }
      res.end(body);
    } catch (err) {
      res.writeHead(err.code === 'ENOENT' || err.code === 'EISDIR' ? 404 : 500, { 'content-type': 'text/plain' });
      res.end(err.code === 'ENOENT' ? 'not found\n' : 'error\n');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      ok({ url: `http://127.0.0.1:${p}/`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve({ port: Number(process.argv[2] ?? 0) });
  console.log(`serving ${ROOT} at ${url}`);
}
