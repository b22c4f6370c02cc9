// window.api for the browser preview (development and tests only): the same contract as the Electron
// preload, carried over a loopback WebSocket that the preview server opens only with a one-time token.
import { createApi } from '../shared/api';
import { errorResult, type Result } from '../shared/errors';

const RESUME_KEY = 'healthsphere.preview.resume';

function connect(): Promise<WebSocket> {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  const resume = sessionStorage.getItem(RESUME_KEY);
  // The token leaves the address bar at once: it is spent on this connection.
  if (token) history.replaceState(null, '', location.pathname);
  const query = token ? `token=${encodeURIComponent(token)}` : `resume=${encodeURIComponent(resume ?? '')}`;
  const socket = new WebSocket(`ws://${location.host}/api?${query}`);
  return new Promise((resolve, reject) => {
    socket.addEventListener('message', function hello(event) {
      const message = JSON.parse(String(event.data)) as { type?: string; resume?: string };
      if (message.type !== 'hello' || !message.resume) return;
      sessionStorage.setItem(RESUME_KEY, message.resume);
      socket.removeEventListener('message', hello);
      resolve(socket);
    });
    socket.addEventListener('close', () => reject(new Error('The preview refused the connection.')));
  });
}

const socketReady = connect();
const pending = new Map<number, (result: Result<unknown>) => void>();
let nextId = 1;
/** The page's listeners for the one message the core pushes (see SESSION_CHANGED_CHANNEL). */
const sessionListeners = new Set<() => void>();

void socketReady.then(
  (socket) => {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: Result<unknown>; type?: string };
      if (message.type === 'session-changed') {
        for (const listener of [...sessionListeners]) listener();
        return;
      }
      if (typeof message.id !== 'number' || !message.result) return;
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    });
    socket.addEventListener('close', () => {
      for (const resolve of pending.values()) resolve(errorResult('UNAVAILABLE'));
      pending.clear();
    });
  },
  () => undefined,
);

const api = createApi(async (channel, input) => {
  let socket: WebSocket;
  try {
    socket = await socketReady;
  } catch {
    return errorResult('UNAVAILABLE');
  }
  if (socket.readyState !== WebSocket.OPEN) return errorResult('UNAVAILABLE');
  const id = nextId++;
  return new Promise<Result<unknown>>((resolve) => {
    pending.set(id, resolve);
    socket.send(JSON.stringify({ id, channel, payload: input }));
  });
});

window.api = {
  ...api,
  onSessionChange(listener) {
    if (typeof listener !== 'function') return () => undefined;
    const relay = () => listener();
    sessionListeners.add(relay);
    return () => void sessionListeners.delete(relay);
  },
};
