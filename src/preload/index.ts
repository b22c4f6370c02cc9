// The preload: window.api built from the contract, carried by IPC. Only this object is exposed;
// the renderer never sees ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import { createApi } from '../shared/api';
import { CHANNEL_PREFIX } from '../shared/contract';

contextBridge.exposeInMainWorld(
  'api',
  createApi((channel, input) => ipcRenderer.invoke(CHANNEL_PREFIX + channel, input)),
);
