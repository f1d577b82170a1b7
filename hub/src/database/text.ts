/**
 * `s` as PostgreSQL text and jsonb accept it: NUL characters (U+0000, refused by both:
 * "invalid byte sequence for encoding UTF8: 0x00", "unsupported Unicode escape sequence") removed
 * and lone UTF-16 surrogates replaced by U+FFFD.
 */
export function pgText(s: string): string {
  return s.includes('\u0000') || !s.isWellFormed() ? s.replaceAll('\u0000', '').toWellFormed() : s;
}
