// The browser preview server (development and tests only, never packaged): serves the renderer on
// 127.0.0.1 and carries window.api over a WebSocket into the same core the app uses.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { errorResult } from '../../shared/errors';
import type { Core } from '../core';
import type { Caller } from '../core/caller';
import { contentSecurityPolicy } from '../shell/csp';
import { PREVIEW_OUT } from './build';

/** How long a closed connection's session waits for the page to come back (a reload) before it ends. */
const RESUME_GRACE_MS = 30_000;
const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

export interface PreviewServer {
  url: string;
  /** A fresh one-time URL for another window (another workstation's browser, in tests). */
  newWindowUrl(): string;
  close(): Promise<void>;
}

export async function startPreviewServer(core: Core, port: number): Promise<PreviewServer> {
  const rendererDir = path.join(PREVIEW_OUT, 'renderer');
  const clientFile = path.join(PREVIEW_OUT, 'client', 'client.js');
  let origin = '';
  let csp = '';
  // Tokens that open a new window; each works once.
  const openingTokens = new Set<string>([randomBytes(24).toString('base64url')]);
  const firstToken = [...openingTokens][0]!;
  const resumeTokens = new Map<string, string>(); // resume token → caller id
  const graceTimers = new Map<string, NodeJS.Timeout>();
  const sockets = new Map<string, WebSocket>(); // caller id → its open connection

  // The core locked or ended a page's session by itself (the "system ..." lines): that page is told at once, over
  // its own connection only, with nothing but that. A page between connections asks when it is back.
  const stopNotices = core.onSessionChange((callerId) => {
    const ws = sockets.get(callerId);
    if (ws && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'session-changed' }));
  });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, {
        'Content-Type': type,
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'Method not allowed');
    if (url.pathname === '/__preview/client.js') return send(200, fs.readFileSync(clientFile), CONTENT_TYPES['.js']);
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const html = fs
        .readFileSync(path.join(rendererDir, 'index.html'), 'utf8')
        .replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/i, '')
        // Runs before the renderer's module script, so window.api exists when the app starts.
        .replace('<head>', '<head>\n    <script type="module" src="/__preview/client.js"></script>');
      return send(200, html, CONTENT_TYPES['.html']);
    }
    const file = path.resolve(rendererDir, `.${decodeURIComponent(url.pathname)}`);
    if (!file.startsWith(rendererDir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      return send(404, 'Not found');
    }
    return send(200, fs.readFileSync(file), CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const reject = () => {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
    };
    // Only the page this server served may connect: same origin, and a token that is spent on use.
    if (url.pathname !== '/api' || req.headers.origin !== origin) return reject();
    const token = url.searchParams.get('token');
    const resume = url.searchParams.get('resume');
    let callerId: string | undefined;
    if (token && openingTokens.has(token)) {
      openingTokens.delete(token);
      callerId = `preview:${randomUUID()}`;
    } else if (resume && resumeTokens.has(resume)) {
      callerId = resumeTokens.get(resume);
      resumeTokens.delete(resume);
    }
    if (!callerId) return reject();
    const caller = { id: callerId, ipAddress: req.socket.remoteAddress };
    clearTimeout(graceTimers.get(caller.id));
    graceTimers.delete(caller.id);
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, caller));
  });

  function attach(ws: WebSocket, caller: Caller) {
    const resume = randomBytes(24).toString('base64url');
    resumeTokens.set(resume, caller.id);
    sockets.set(caller.id, ws);
    ws.send(JSON.stringify({ type: 'hello', resume }));
    ws.on('message', async (data) => {
      let message: { id?: unknown; channel?: unknown; payload?: unknown };
      try {
        message = JSON.parse(data.toString()) as typeof message;
      } catch {
        return;
      }
      if (typeof message !== 'object' || message === null || typeof message.id !== 'number') return;
      const result = await core.dispatch(message.channel, message.payload, caller).catch(() => errorResult('INTERNAL'));
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: message.id, result }));
    });
    ws.on('close', () => {
      if (sockets.get(caller.id) === ws) sockets.delete(caller.id);
      const timer = setTimeout(() => {
        graceTimers.delete(caller.id);
        for (const [token, id] of resumeTokens) if (id === caller.id) resumeTokens.delete(token);
        core.forgetCaller(caller.id).catch(() => undefined); // the core may be closing; its session then expires
      }, RESUME_GRACE_MS);
      timer.unref();
      graceTimers.set(caller.id, timer);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${address.port}`;
  csp = contentSecurityPolicy({ previewSocket: `ws://127.0.0.1:${address.port}` });

  return {
    url: `${origin}/?token=${firstToken}`,
    newWindowUrl: () => {
      const token = randomBytes(24).toString('base64url');
      openingTokens.add(token);
      return `${origin}/?token=${token}`;
    },
    close: async () => {
      stopNotices();
      for (const timer of graceTimers.values()) clearTimeout(timer);
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...graceTimers.keys()].map((id) => core.forgetCaller(id)));
    },
  };
}
