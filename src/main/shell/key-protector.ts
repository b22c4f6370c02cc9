// The data key's wrapping by the OS keychain (Electron safeStorage: DPAPI, Keychain, libsecret/kwallet).
// Call after app 'ready': before it, safeStorage cannot tell which Linux backend it would use.
import { safeStorage } from 'electron';
import type { KeyProtector } from '../core/crypto/keys';
import type { Logger } from '../core/log';

/**
 * Undefined when the OS offers no real keychain (Linux 'basic_text' encrypts with a password compiled into
 * Chromium): the core then keeps its own 0600 key file, which at least says plainly what it is.
 */
export function createKeyProtector(log: Logger): KeyProtector | undefined {
  // The synchronous API, because KeyProtector is synchronous; Electron marks it deprecated in favour of
  // the async one, and data written by either can be read by the other.
  if (!safeStorage.isEncryptionAvailable()) {
    log.warn('The OS keychain is not available; the data key is kept in a key file readable only by this user.');
    return undefined;
  }
  if (process.platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend();
    if (backend === 'basic_text' || backend === 'unknown') {
      log.warn('No OS keychain on this Linux desktop; the data key is kept in a key file readable only by this user.', {
        backend,
      });
      return undefined;
    }
  }
  return {
    name: 'electron-safeStorage',
    // The string API takes text: the raw key travels as base64.
    protect: (plain) => safeStorage.encryptString(plain.toString('base64')),
    unprotect: (wrapped) => Buffer.from(safeStorage.decryptString(wrapped), 'base64'),
  };
}
