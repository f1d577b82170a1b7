/**
 * Names shared by hub and agent: NATS subjects, KV bucket, object store, stream, and the
 * contract version. One place, so the two sides can never disagree.
 */

/**
 * Version of the fleet.v1 contract carried in every message (`contract_version`).
 * Semver: a reader accepts the same major version and refuses (and reports) any other.
 */
export const CONTRACT_VERSION = '1.0.0';

/** JetStream KV bucket holding one DesiredState per target, key `<cluster>.<bundleId>`. */
export const DESIRED_STATE_BUCKET = 'fleet_desired';

/** JetStream Object Store bucket holding BundleManifests, object name = their digest. */
export const BUNDLE_STORE = 'fleet_bundles';

/** JetStream stream that captures status reports and heartbeats from every agent. */
export const STATUS_STREAM = 'FLEET_STATUS';

/** Subject prefix of status reports: `fleet.status.<cluster>`. */
export const STATUS_SUBJECT_PREFIX = 'fleet.status';

/** Subject prefix of heartbeats: `fleet.heartbeat.<cluster>`. */
export const HEARTBEAT_SUBJECT_PREFIX = 'fleet.heartbeat';

/** Subject prefix of agent request/reply endpoints: `fleet.agent.<cluster>.<verb>`. */
export const AGENT_SUBJECT_PREFIX = 'fleet.agent';

/**
 * Annotation on a desired object that keeps it when it leaves the desired state (value "false"):
 * the agent reports it orphaned instead of pruning it. Argo CD's equivalent is
 * `argocd.argoproj.io/sync-options: Prune=false`.
 */
export const PRUNE_ANNOTATION = 'gitfleet.io/prune';

/** Durable consumer name the hub replicas share on STATUS_STREAM. */
export const STATUS_CONSUMER = 'fleet-hub-status';

/**
 * A cluster name or bundle id: a DNS-1123 label (lower-case alphanumerics and '-', at most 63
 * characters, starting and ending alphanumeric). Such a name is a single NATS subject token and
 * a valid KV key part. Rule source: Kubernetes DNS-1123 label (k8s.io/apimachinery validation).
 */
export const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** True when `name` is a DNS-1123 label usable as a cluster name or bundle id. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

function checkName(what: string, name: string): string {
  if (!isValidName(name)) {
    throw new Error(`invalid ${what} "${name}": must be a DNS-1123 label (a-z, 0-9, '-', at most 63 characters)`);
  }
  return name;
}

/**
 * KV key of a target's DesiredState: `<cluster>.<bundleId>`.
 * @throws Error when either part is not a DNS-1123 label.
 */
export function desiredStateKey(cluster: string, bundleId: string): string {
  return `${checkName('cluster name', cluster)}.${checkName('bundle id', bundleId)}`;
}

/**
 * Splits a KV key `<cluster>.<bundleId>` into its parts.
 * @throws Error when the key does not have exactly two valid parts.
 */
export function parseDesiredStateKey(key: string): { cluster: string; bundleId: string } {
  const parts = key.split('.');
  if (parts.length !== 2) throw new Error(`invalid desired-state key "${key}": want <cluster>.<bundleId>`);
  return { cluster: checkName('cluster name', parts[0]!), bundleId: checkName('bundle id', parts[1]!) };
}

/** KV key filter an agent watches: every target of one cluster, `<cluster>.>`. */
export function clusterKeyFilter(cluster: string): string {
  return `${checkName('cluster name', cluster)}.>`;
}

/** Subject an agent publishes its status reports on. */
export function statusSubject(cluster: string): string {
  return `${STATUS_SUBJECT_PREFIX}.${checkName('cluster name', cluster)}`;
}

/** Subject an agent publishes its heartbeats on. */
export function heartbeatSubject(cluster: string): string {
  return `${HEARTBEAT_SUBJECT_PREFIX}.${checkName('cluster name', cluster)}`;
}

/**
 * True when a message's `contract_version` is one this release can read (same major version).
 * An empty version is refused.
 */
export function isCompatibleContract(version: string): boolean {
  const major = (v: string) => v.split('.')[0];
  return version !== '' && major(version) === major(CONTRACT_VERSION);
}

/** Subject an agent answers DiffRequests on (request/reply). */
export function diffSubject(cluster: string): string {
  return `${AGENT_SUBJECT_PREFIX}.${checkName('cluster name', cluster)}.diff`;
}

/** Subject prefix of agents' credential requests to the hub: `fleet.credentials.<cluster>`. */
export const CREDENTIALS_SUBJECT_PREFIX = 'fleet.credentials';

/**
 * Subject an agent sends CredentialsRequests on (request/reply; the hub answers). Only that
 * cluster's agent may publish there in NATS operator mode.
 */
export function credentialsSubject(cluster: string): string {
  return `${CREDENTIALS_SUBJECT_PREFIX}.${checkName('cluster name', cluster)}`;
}

/** Subject the hub asks an agent to rotate its NATS credentials on (RotateCredentials). */
export function rotateSubject(cluster: string): string {
  return `${AGENT_SUBJECT_PREFIX}.${checkName('cluster name', cluster)}.rotate`;
}

/**
 * Inbox prefix of one cluster's agent: `_INBOX_<cluster>`. The agent connects with nats.js's
 * `inboxPrefix` option set to it (JetStream's `watcherPrefix` defaults to the same), so replies
 * to its requests and its ordered-consumer deliveries (KV watch, object reads) land on
 * `_INBOX_<cluster>.>`, the only inbox subjects its NATS user may subscribe to. Not
 * `_INBOX.<cluster>`: `_INBOX.>` is every other client's default inbox space.
 * @throws Error when `cluster` is not a DNS-1123 label.
 */
export function agentInboxPrefix(cluster: string): string {
  return `_INBOX_${checkName('cluster name', cluster)}`;
}
