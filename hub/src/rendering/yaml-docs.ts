// Internal: YAML text → plain JS documents, with parse errors as BundleError(file, 'line L col C: …').
import { LineCounter, parseAllDocuments, YAMLError } from 'yaml';
import { BundleError } from './bundle-error.js';

/**
 * Alias expansion limit given to the `yaml` library (`toJS({ maxAliasCount })`): a document
 * whose aliases would expand past it (a "billion laughs" YAML bomb) is refused. The library's
 * own default is 100; 1000 leaves room for hand-written anchors in large manifests.
 */
export const MAX_ALIAS_COUNT = 1000;

/** One parsed YAML document and the 1-based line where its content starts. */
export interface YamlDocument {
  value: unknown;
  line: number;
}

/**
 * Parses every YAML document of `text` (JSON is YAML too) into plain JS values. Empty documents
 * (`---` alone, comments only) come back as `null`; a text with no document gives `[]`.
 * YAML 1.2 core schema plus `<<` merge keys (go-yaml, which Kubernetes uses, supports them).
 * Refused, each as a BundleError naming `file`: syntax errors, duplicate keys in a mapping
 * (`uniqueKeys`; Kubernetes' sigs.k8s.io/yaml strict decoding refuses them too), aliases that
 * expand past MAX_ALIAS_COUNT, and anything else the parser throws (e.g. nesting too deep).
 * @throws BundleError(file, 'line L col C: <yaml message>') on the first problem.
 */
export function parseYamlDocuments(text: string, file: string): unknown[] {
  return parseYamlDocumentsAt(text, file).map((d) => d.value);
}

/** As parseYamlDocuments, with the line each document's content starts on (for messages). */
export function parseYamlDocumentsAt(text: string, file: string): YamlDocument[] {
  const lineCounter = new LineCounter();
  const out: YamlDocument[] = [];
  try {
    const docs = parseAllDocuments(text, { merge: true, prettyErrors: true, uniqueKeys: true, lineCounter });
    for (const doc of docs) {
      const err = doc.errors[0];
      if (err) throw yamlError(err, file);
      const start = doc.contents?.range[0] ?? doc.range[0];
      const line = lineCounter.linePos(start).line;
      try {
        out.push({ value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), line });
      } catch (cause) {
        throw new BundleError(file, `invalid YAML (document starting at line ${line}): ${(cause as Error).message}`, { cause });
      }
    }
  } catch (cause) {
    if (cause instanceof BundleError) throw cause;
    throw new BundleError(file, `invalid YAML: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
  return out;
}

function yamlError(err: YAMLError, file: string): BundleError {
  const pos = err.linePos?.[0];
  const msg = err.message.split(' at line ')[0]!.split('\n')[0]!.trim();
  const where = pos ? `line ${pos.line} col ${pos.col}: ` : '';
  return new BundleError(file, `${where}${msg}`, { cause: err });
}
