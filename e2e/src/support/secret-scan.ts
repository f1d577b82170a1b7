import { readFileSync } from 'node:fs';

/** A secret value a suite used, with a label that names it in findings (the value is never printed). */
export interface SecretValue {
  label: string;
  value: string;
}

/** One place where a secret was found. */
export interface SecretHit {
  /** label of the secret, and which form of it matched (e.g. `admin token (base64)`) */
  secret: string;
  /** file path, or another name of the scanned text */
  where: string;
  /** 1-based line number */
  line: number;
}

/** Shortest form the scanner accepts: anything shorter would match by chance. */
export const MIN_SECRET_LENGTH = 12;

/**
 * The base64 characters that encode `bytes` wherever they sit in a longer encoded text (e.g. the
 * password in a Basic header's `user:password`): for each of the three byte offsets modulo 3,
 * the encoding of only the 3-byte groups made entirely of `bytes`. Pure.
 */
function embeddedBase64(bytes: Buffer, encoding: 'base64' | 'base64url'): string[] {
  const out: string[] = [];
  for (const shift of [0, 1, 2]) {
    const text = Buffer.concat([Buffer.alloc(shift), bytes]).toString(encoding);
    const first = shift === 0 ? 0 : 1;
    const last = Math.floor((shift + bytes.length) / 3);
    if (last > first) out.push(text.slice(first * 4, last * 4));
  }
  return out;
}

/**
 * The forms in which a secret can end up in a log line or an API answer: as it is, JSON-escaped
 * (a PEM's newlines as `\n`), URL-encoded, and base64 / base64url-encoded at any byte offset (a
 * Basic header, a dumped buffer). Forms shorter than MIN_SECRET_LENGTH are dropped. Pure.
 * @throws Error when the value itself is shorter than MIN_SECRET_LENGTH (it could not be told from noise)
 */
export function secretForms(secret: SecretValue): Array<{ form: string; text: string }> {
  const { value } = secret;
  if (value.length < MIN_SECRET_LENGTH) throw new Error(`secret "${secret.label}" is shorter than ${MIN_SECRET_LENGTH} characters: too short to scan for`);
  const bytes = Buffer.from(value, 'utf8');
  const forms = [
    { form: 'as is', text: value },
    { form: 'JSON-escaped', text: JSON.stringify(value).slice(1, -1) },
    { form: 'URL-encoded', text: encodeURIComponent(value) },
    ...embeddedBase64(bytes, 'base64').map((text) => ({ form: 'base64', text })),
    ...embeddedBase64(bytes, 'base64url').map((text) => ({ form: 'base64url', text })),
  ];
  const seen = new Set<string>();
  return forms.filter((f) => f.text.length >= MIN_SECRET_LENGTH && !seen.has(f.text) && seen.add(f.text));
}

/** Every form of every secret in `text`, line by line. Pure. */
export function scanText(where: string, text: string, secrets: readonly SecretValue[]): SecretHit[] {
  const forms = secrets.flatMap((s) => secretForms(s).map((f) => ({ secret: f.form === 'as is' ? s.label : `${s.label} (${f.form})`, text: f.text })));
  const hits: SecretHit[] = [];
  text.split('\n').forEach((line, i) => {
    for (const f of forms) if (line.includes(f.text)) hits.push({ secret: f.secret, where, line: i + 1 });
  });
  return hits;
}

/** Scans whole files (see `scanText`); a file that does not exist is an error, not a pass. */
export function scanFiles(files: readonly string[], secrets: readonly SecretValue[]): SecretHit[] {
  return files.flatMap((file) => scanText(file, readFileSync(file, 'utf8'), secrets));
}

/** Human-readable list of hits for an assertion message (labels and places only, never values). */
export function describeHits(hits: readonly SecretHit[]): string {
  return hits.map((h) => `${h.secret} in ${h.where}:${h.line}`).join('\n');
}
