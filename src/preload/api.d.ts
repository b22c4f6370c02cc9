// window.api as the preload (and the browser preview's client) provide it.
declare global {
  interface Window {
    api: import('../shared/api').Api & import('../shared/contract').SessionChangeEvents;
  }
}

export {};
