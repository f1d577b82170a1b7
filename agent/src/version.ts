/** The agent's version (agent/package.json), sent in status reports and heartbeats. */
import { readFileSync } from 'node:fs';

/** `version` of agent/package.json; '0.0.0-unknown' when it cannot be read. */
export const AGENT_VERSION: string = (() => {
  try {
    // dist/src/version.js → ../../package.json
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0-unknown';
  } catch {
    return '0.0.0-unknown';
  }
})();
