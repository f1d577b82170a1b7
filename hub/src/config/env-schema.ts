/**
 * Building blocks of the hub's environment schemas (zod): one schema per environment variable,
 * fed the raw string (or undefined), and the rule that turns zod issues into problems that name
 * the variable. Every problem reads `<VARIABLE> <reason>` (e.g. `GITFLEET_HTTP_PORT must be an
 * integer 1-65535, got "99999"`); a reason starting with `:` is joined without the space
 * (`GITFLEET_SIGNING_KEY_FILE: …`); an issue of no single variable (all-or-none rules) is its
 * message alone. Secrets (tokens, keys, URLs with passwords) are never quoted in a reason.
 */
import { z } from 'zod';

/** Thrown by `loadConfig` (and `loadNatsAuthConfig`) when the environment holds a missing or malformed setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A raw environment value: unset and '' both count as unset. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => v || undefined);

/** A required environment value; unset or '' → `required` (the reason, e.g. `is required (nats://host:port)`). */
export function requiredString(required: string) {
  return z.string({ error: required }).min(1, { error: required, abort: true });
}

/** An environment value where unset and '' both mean `def`. */
export function withDefault(def: string) {
  return z
    .string()
    .optional()
    .transform((v) => v || def);
}

/**
 * A number setting (unset or '' → `def`): `Number(raw)` must pass `rule` (zod number checks, e.g.
 * `(n) => n.int().min(1).max(1000)`; NaN and ±Infinity never pass), and the raw text must match
 * `pattern` when given; otherwise the reason is `${reason}, got "<raw>"`.
 * @returns a schema of raw string → number
 */
export function numberSetting(def: string, reason: string, rule: (n: z.ZodNumber) => z.ZodType<number>, pattern?: RegExp) {
  const number = rule(z.number());
  return withDefault(def).transform((raw, ctx) => {
    const parsed = number.safeParse(Number(raw));
    if (!parsed.success || (pattern && !pattern.test(raw))) {
      ctx.addIssue({ code: 'custom', message: `${reason}, got "${raw}"`, input: raw });
      return z.NEVER;
    }
    return parsed.data;
  });
}

/**
 * The problems of a failed parse, one per variable and reason (duplicates dropped), each naming
 * the variable (see the file comment).
 */
export function describeIssues(error: z.ZodError): string[] {
  const problems = error.issues.map((issue) => {
    const name = issue.path[0];
    if (typeof name !== 'string') return issue.message;
    return issue.message.startsWith(':') ? `${name}${issue.message}` : `${name} ${issue.message}`;
  });
  return [...new Set(problems)];
}
