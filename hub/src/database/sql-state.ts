/**
 * The SQLSTATE of a PostgreSQL error (pg's DatabaseError `code`, also when wrapped by TypeORM's
 * QueryFailedError as `driverError`), or undefined for any other error (e.g. ECONNREFUSED).
 * Source: PostgreSQL documentation, Appendix A "PostgreSQL Error Codes" (five characters).
 */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
