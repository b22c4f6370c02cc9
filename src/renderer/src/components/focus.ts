import { useEffect, useRef } from 'react';

/** Returns a ref whose element receives focus when the screen appears, so keyboard and screen reader users start there. */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
