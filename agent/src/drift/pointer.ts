/**
 * RFC 6901 JSON pointers over plain JSON values, on top of the `json-pointer` library: build a
 * pointer from tokens, read a value (undefined when absent) and test ancestry. Pure.
 */
import jsonPointer from 'json-pointer';

/** The pointer of `tokens`, e.g. ['spec', 'replicas'] → "/spec/replicas" ('' for no tokens). */
export function compilePointer(tokens: readonly string[]): string {
  return tokens.length === 0 ? '' : jsonPointer.compile([...tokens]);
}

/** The tokens of a pointer ("" → []). @throws Error for a pointer not starting with "/" */
export function parsePointer(pointer: string): string[] {
  return pointer === '' ? [] : jsonPointer.parse(pointer);
}

/** The value at `pointer` in `doc`, or undefined when any step is absent. */
export function valueAt(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      cur = cur[Number(token)];
    } else if (typeof cur === 'object' && cur !== null) {
      cur = Object.hasOwn(cur, token) ? (cur as Record<string, unknown>)[token] : undefined;
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** True when `pointer` is `ancestor` itself or lies below it ("/spec" covers "/spec/replicas"). */
export function isAtOrBelow(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || ancestor === '' || pointer.startsWith(`${ancestor}/`);
}

/**
 * Removes the object member at `pointer` from `doc` (in place) when it exists. List items are
 * never removed (that would shift the others); returns true when something was removed.
 */
export function removeMember(doc: unknown, pointer: string): boolean {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) return false;
  const parent = valueAt(doc, compilePointer(tokens));
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent) || !Object.hasOwn(parent, last)) return false;
  delete (parent as Record<string, unknown>)[last];
  return true;
}
