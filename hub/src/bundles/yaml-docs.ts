// Internal: YAML text → plain JS documents, with parse errors as BundleError(file, 'line L col C: …').
import { parseAllDocuments, YAMLError } from 'yaml';
import { BundleError } from './bundle-error.js';

/**
 * Parses every YAML document of `text` (JSON is YAML too) into plain JS values. Empty documents
 * (`---` alone, comments only) come back as `null`; a text with no document gives `[]`.
 * YAML 1.2 core schema plus `<<` merge keys (go-yaml, which Kubernetes uses, supports them).
 * @throws BundleError(file, 'line L col C: <yaml message>') on the first syntax error.
 */
export function parseYamlDocuments(text: string, file: string): unknown[] {
  const docs = parseAllDocuments(text, { merge: true, prettyErrors: true });
  const out: unknown[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) throw yamlError(err, file);
    try {
      out.push(doc.toJS({ maxAliasCount: 1000 }));
    } catch (cause) {
      throw new BundleError(file, `invalid YAML: ${(cause as Error).message}`, { cause });
    }
  }
  return out;
}

function yamlError(err: YAMLError, file: string): BundleError {
  const pos = err.linePos?.[0];
  const msg = err.message.split(' at line ')[0]!.split('\n')[0]!.trim();
  const where = pos ? `line ${pos.line} col ${pos.col}: ` : '';
  return new BundleError(file, `${where}${msg}`, { cause: err });
}
