import { useEffect, useRef, useState, type Dispatch, type RefObject, type SetStateAction } from 'react';

/** Returns a ref whose element receives focus when the screen appears, so keyboard and screen reader users start there. */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}

/**
 * Field errors of a form, and the way every form shows them: set them all, move focus to the first refused
 * field (in the form's order), and say whether there was any.
 */
export function useFieldErrors<F extends string>(
  fields: readonly F[],
  refs: Record<F, RefObject<HTMLElement | null>>,
): [
  Partial<Record<F, string>>,
  Dispatch<SetStateAction<Partial<Record<F, string>>>>,
  (errors: Partial<Record<F, string>>) => boolean,
] {
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<F, string>>>({});
  function showFieldErrors(errors: Partial<Record<F, string>>): boolean {
    setFieldErrors(errors);
    const first = fields.find((field) => errors[field]);
    if (first) refs[first].current?.focus();
    return first !== undefined;
  }
  return [fieldErrors, setFieldErrors, showFieldErrors];
}
