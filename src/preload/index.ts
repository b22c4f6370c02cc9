// The preload: window.api built from the contract, carried by IPC. Only this object is exposed;
// the renderer never sees ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import { type Api, createApi } from '../shared/api';
import { CHANNEL_PREFIX, SESSION_CHANGED_CHANNEL, type SessionChangeEvents } from '../shared/contract';

const api: Api & SessionChangeEvents = {
  ...createApi((channel, input) => ipcRenderer.invoke(CHANNEL_PREFIX + channel, input)),
  // The one message main pushes (this window's session was locked or ended by the system). The page's listener
  // is called with nothing: Electron's event object, which reaches ipcRenderer, never crosses.
  onSessionChange(listener) {
    if (typeof listener !== 'function') return () => undefined;
    const relay = () => void listener();
    ipcRenderer.on(SESSION_CHANGED_CHANNEL, relay);
    return () => void ipcRenderer.removeListener(SESSION_CHANGED_CHANNEL, relay);
  },
};

contextBridge.exposeInMainWorld('api', api);
