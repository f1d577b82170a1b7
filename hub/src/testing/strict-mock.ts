/**
 * Test helpers for unit specs: strict mocks of repositories. A strict mock implements only the
 * methods a test names (each wrapped in node:test's `mock.fn`, so calls can be inspected); any
 * other method throws, so a service cannot do I/O the test did not expect.
 */
import { mock, type Mock } from 'node:test';

/** A strict mock of `T`: the given methods as `mock.fn`s, all others throw when called. */
export type StrictMock<T> = T & { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? Mock<(...args: A) => R> & T[K] : T[K] };

/**
 * Creates a strict mock named `name` from `impl` (method name → implementation).
 * Accessing any method that `impl` lacks returns a function that throws
 * `Error('<name>.<method> was not expected')`.
 */
export function strictMock<T extends object>(name: string, impl: { [K in keyof T]?: T[K] }): StrictMock<T> {
  const fns = new Map<PropertyKey, unknown>();
  for (const [k, v] of Object.entries(impl)) fns.set(k, typeof v === 'function' ? mock.fn(v as (...a: unknown[]) => unknown) : v);
  return new Proxy({} as StrictMock<T>, {
    get(_t, prop) {
      if (fns.has(prop)) return fns.get(prop);
      if (prop === 'then' || typeof prop === 'symbol') return undefined; // not a thenable
      return () => {
        throw new Error(`${name}.${String(prop)} was not expected`);
      };
    },
  });
}
