/**
 * Agent configuration: the CLI flags (with environment fallbacks) validated into one object by a
 * zod schema (one entry per flag), so a bad setting is reported with the flag it came from.
 * `parseConfig` is pure so the rules are unit-tested.
 * Memory: loading zod costs the agent ~4.3 MiB RSS under `--lite-mode --max-semi-space-size=1`
 * (median of 3; the command is in agent/README.md "Memory", against the < 80 MiB target there).
 */
import { isValidName } from '@gitfleet/proto';
import { z } from 'zod';
import { DEFAULT_IGNORE_MANAGERS } from './drift/ignore.js';

/** Validated agent configuration. Durations in milliseconds. */
export interface AgentConfig {
  /** this cluster's name (DNS-1123 label) */
  cluster: string;
  /** NATS server URL(s), comma-separated */
  natsUrl: string;
  /** kubeconfig path; undefined → in-cluster config in a pod, else the default kubeconfig */
  kubeconfig: string | undefined;
  /** the agent's own namespace (inventory ConfigMaps) */
  namespace: string;
  resyncIntervalMs: number;
  heartbeatIntervalMs: number;
  /** port of /healthz and /readyz; undefined → no health server */
  healthPort: number | undefined;
  logLevel: string;
  /** targets reconciled concurrently */
  concurrency: number;
  /** objects applied concurrently inside one wave */
  applyConcurrency: number;
  /** field managers whose fields are never drift (e.g. an HPA's spec.replicas) */
  ignoreManagers: string[];
  /**
   * files of the hub's ed25519 public keys (PEM SPKI, one or more keys per file) that desired
   * states must be signed with; empty → signatures are not checked
   */
  bundlePublicKeys: string[];
  /** the hub's base URL agents enroll at (`<url>/api/v1/enroll`); undefined → no enrollment */
  enrollmentUrl: string | undefined;
  /** the registration token (secret: from GITFLEET_ENROLLMENT_TOKEN or a file, never a flag value) */
  enrollmentToken: string | undefined;
  /** labels the agent asks for at enrollment */
  clusterLabels: Record<string, string>;
  /** NATS creds file: read from and (after enrollment) written to; undefined → the credentials Secret */
  natsCredsFile: string | undefined;
  /** name of the Secret in `namespace` holding the NATS creds (`nats.creds`) */
  credentialsSecret: string;
  /**
   * where each target's last verified desired state is kept for a cold start while NATS is down
   * (cache/): 'secret' (Secrets in `namespace`), a local directory, or 'none'
   */
  stateCache: { kind: 'secret' } | { kind: 'dir'; dir: string } | { kind: 'none' };
  /** let bundles change the agent's own Deployment, ServiceAccount, RBAC and credentials */
  allowSelfManagement: boolean;
  /** the agent chart's full name: its Deployment, RBAC and Secret names (reconcile/self-protection.ts) */
  selfName: string;
  /** the agent's ServiceAccount */
  serviceAccount: string;
  /**
   * spoke-side hold set by the agent setting (--hold): its reason; undefined → none. The agent
   * only reports it in heartbeats (kube/hold.ts); the hub holds new revisions back
   */
  hold: string | undefined;
  /** the hold ConfigMap in `namespace` (--hold-configmap, default `gitfleet-hold`); undefined → not read (`none`) */
  holdConfigMap: string | undefined;
  /** how often the hold ConfigMap is read, ms (--hold-poll-interval) */
  holdPollIntervalMs: number;
}

/** Raw option values as commander hands them over (strings or undefined). */
export interface RawOptions {
  cluster?: string;
  natsUrl?: string;
  kubeconfig?: string;
  namespace?: string;
  resyncInterval?: string;
  heartbeatInterval?: string;
  healthPort?: string;
  logLevel?: string;
  concurrency?: string;
  applyConcurrency?: string;
  ignoreManagers?: string;
  /** --bundle-public-keys (or GITFLEET_BUNDLE_PUBLIC_KEYS): comma-separated key files */
  bundlePublicKeys?: string;
  /** GITFLEET_BUNDLE_PUBLIC_KEY_FILE (the agent chart mounts the hub's key there): one more key file */
  bundlePublicKeyFile?: string;
  enrollmentUrl?: string;
  /** GITFLEET_ENROLLMENT_TOKEN, or the content of --enrollment-token-file (the caller reads it) */
  enrollmentToken?: string;
  clusterLabels?: string;
  natsCredsFile?: string;
  credentialsSecret?: string;
  /** --state-cache: secret | none | <directory> */
  stateCache?: string;
  /** --allow-self-management (a flag: true; GITFLEET_ALLOW_SELF_MANAGEMENT: "true"/"false") */
  allowSelfManagement?: string | boolean;
  selfName?: string;
  serviceAccount?: string;
  /** --hold <reason> (GITFLEET_HOLD) */
  hold?: string;
  /** --hold-configmap <name|none> (GITFLEET_HOLD_CONFIGMAP) */
  holdConfigMap?: string;
  /** --hold-poll-interval <seconds> (GITFLEET_HOLD_POLL_INTERVAL) */
  holdPollInterval?: string;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The flag each RawOptions field comes from, as problems name it. */
const FLAGS: Readonly<Record<keyof RawOptions, string>> = {
  cluster: '--cluster',
  natsUrl: '--nats-url',
  kubeconfig: '--kubeconfig',
  namespace: '--namespace',
  resyncInterval: '--resync-interval',
  heartbeatInterval: '--heartbeat-interval',
  healthPort: '--health-port',
  logLevel: '--log-level',
  concurrency: '--concurrency',
  applyConcurrency: '--apply-concurrency',
  ignoreManagers: '--ignore-managers',
  bundlePublicKeys: '--bundle-public-keys',
  bundlePublicKeyFile: 'GITFLEET_BUNDLE_PUBLIC_KEY_FILE',
  enrollmentUrl: '--enrollment-url',
  enrollmentToken: 'GITFLEET_ENROLLMENT_TOKEN',
  clusterLabels: '--cluster-labels',
  natsCredsFile: '--nats-creds-file',
  credentialsSecret: '--credentials-secret',
  stateCache: '--state-cache',
  allowSelfManagement: '--allow-self-management',
  selfName: '--self-name',
  serviceAccount: '--service-account',
  hold: '--hold',
  holdConfigMap: '--hold-configmap',
  holdPollInterval: '--hold-poll-interval',
};

/** Unset and '' both mean unset. */
const optional = z
  .string()
  .optional()
  .transform((v) => v || undefined);

/** Unset and '' both mean `def`. */
const withDefault = (def: string) =>
  z
    .string()
    .optional()
    .transform((v) => v || def);

/** A number flag (unset → `def`; '' is a value here, as before) from `min` to `max`, fractions allowed. */
const numberIn = (min: number, max: number) => {
  const range = z.number().min(min).max(max);
  return z.string().transform((raw, ctx) => {
    const n = range.safeParse(Number(raw));
    if (n.success) return n.data;
    ctx.addIssue({ code: 'custom', message: `must be a number from ${min} to ${max}, got "${raw}"`, input: raw });
    return z.NEVER;
  });
};

/** A DNS-1123 subdomain (Secret, ServiceAccount and other object names). */
const subdomain = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, { error: (iss) => `"${String(iss.input)}" must be a DNS-1123 subdomain` });

/** The comma-separated list of a flag: trimmed, empty items dropped. */
const list = (raw: string | undefined) => (raw ?? '').split(',').map((m) => m.trim()).filter(Boolean);

const labelKey = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** `k=v,k2=v2` → labels (Kubernetes label syntax: k8s.io/apimachinery validation); each bad entry is an issue. */
const labelsSchema = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const labels: Record<string, string> = {};
    for (const entry of list(raw)) {
      const eq = entry.indexOf('=');
      const key = entry.slice(0, eq).trim();
      const value = entry.slice(eq + 1).trim();
      if (eq <= 0) ctx.addIssue({ code: 'custom', message: `entry "${entry}" must be key=value` });
      else if (!labelKey.test(key)) ctx.addIssue({ code: 'custom', message: `key "${key}" is not a valid label key` });
      else if (!labelValue.test(value)) ctx.addIssue({ code: 'custom', message: `value "${value}" of "${key}" is not a valid label value` });
      else labels[key] = value;
    }
    return labels;
  });

/** --state-cache: secret (default) | none | a directory. */
const stateCacheSchema = z
  .string()
  .optional()
  .transform((raw): AgentConfig['stateCache'] => {
    const v = (raw ?? 'secret').trim();
    if (v === '' || v === 'secret') return { kind: 'secret' };
    if (v === 'none') return { kind: 'none' };
    return { kind: 'dir', dir: v };
  });

/** The options schema: RawOptions → the parts of AgentConfig (defaults as documented on the flags). */
const optionsSchema = z.object({
  cluster: z
    .string({ error: '(or GITFLEET_CLUSTER) is required' })
    .min(1, { error: '(or GITFLEET_CLUSTER) is required', abort: true })
    .refine(isValidName, { error: (iss) => `"${String(iss.input)}" must be a DNS-1123 label (a-z, 0-9, '-', at most 63 characters)` }),
  natsUrl: withDefault('nats://127.0.0.1:4222'),
  kubeconfig: optional,
  namespace: withDefault('gitfleet-system').pipe(z.string().refine(isValidName, { error: (iss) => `"${String(iss.input)}" must be a DNS-1123 label` })),
  resyncInterval: z.string().default('300').pipe(numberIn(0.1, 86_400)),
  heartbeatInterval: z.string().default('10').pipe(numberIn(0.1, 3600)),
  healthPort: optional.pipe(numberIn(0, 65_535).optional()),
  logLevel: withDefault('info').pipe(z.enum(LEVELS, { error: (iss) => `must be one of ${LEVELS.join(', ')}, got "${String(iss.input)}"` })),
  concurrency: z.string().default('4').pipe(numberIn(1, 64)),
  applyConcurrency: z.string().default('8').pipe(numberIn(1, 64)),
  ignoreManagers: z
    .string()
    .optional()
    .transform((raw) => (raw === undefined ? [...DEFAULT_IGNORE_MANAGERS] : list(raw))),
  bundlePublicKeys: z.string().optional(),
  bundlePublicKeyFile: z.string().optional(),
  enrollmentUrl: optional.pipe(
    z
      .string()
      .refine(URL.canParse, { error: (iss) => `"${String(iss.input)}" is not a URL`, abort: true })
      .refine((u) => ['https:', 'http:'].includes(new URL(u).protocol), { error: (iss) => `"${String(iss.input)}" must be an http(s) URL` })
      .optional(),
  ),
  enrollmentToken: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined),
  clusterLabels: labelsSchema,
  natsCredsFile: optional,
  credentialsSecret: withDefault('gitfleet-agent-nats').pipe(subdomain),
  stateCache: stateCacheSchema,
  allowSelfManagement: z
    .union([z.boolean(), z.string()])
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === false || raw === '' || raw === 'false') return false;
      if (raw === true || raw === 'true') return true;
      ctx.addIssue({ code: 'custom', message: `must be true or false, got "${raw}"` });
      return z.NEVER;
    }),
  selfName: withDefault('gitfleet-agent').pipe(subdomain),
  /** defaulted to --self-name by `parseConfig` */
  serviceAccount: subdomain,
  hold: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined)
    .pipe(z.string().max(1024, { error: 'must be at most 1024 characters' }).optional()),
  holdConfigMap: withDefault('gitfleet-hold').pipe(
    z
      .string()
      .transform((v) => v.trim())
      .refine((v) => v === 'none' || subdomain.safeParse(v).success, { error: (iss) => `"${String(iss.input)}" must be a ConfigMap name (DNS-1123 subdomain) or none` })
      .transform((v) => (v === 'none' ? undefined : v)),
  ),
  holdPollInterval: z.string().default('10').pipe(numberIn(0.1, 3600)),
});

/**
 * Validates options (flags already merged with env by the caller: GITFLEET_CLUSTER,
 * GITFLEET_NATS_URL, KUBECONFIG, ...). The trusted key files are the union of
 * `--bundle-public-keys` (GITFLEET_BUNDLE_PUBLIC_KEYS) and GITFLEET_BUNDLE_PUBLIC_KEY_FILE.
 * --service-account defaults to --self-name.
 * @throws Error listing every bad setting, one a line, each naming the flag and the rule it
 *   breaks (e.g. `--concurrency must be a number from 1 to 64, got "0"`)
 */
export function parseConfig(raw: RawOptions): AgentConfig {
  const parsed = optionsSchema.safeParse({ ...raw, serviceAccount: raw.serviceAccount || raw.selfName || 'gitfleet-agent' });
  if (!parsed.success) throw new Error(describeIssues(parsed.error).join('\n'));
  const o = parsed.data;
  return {
    cluster: o.cluster,
    natsUrl: o.natsUrl,
    kubeconfig: o.kubeconfig,
    namespace: o.namespace,
    resyncIntervalMs: o.resyncInterval * 1000,
    heartbeatIntervalMs: o.heartbeatInterval * 1000,
    healthPort: o.healthPort,
    logLevel: o.logLevel,
    concurrency: o.concurrency,
    applyConcurrency: o.applyConcurrency,
    ignoreManagers: o.ignoreManagers,
    enrollmentUrl: o.enrollmentUrl,
    enrollmentToken: o.enrollmentToken,
    clusterLabels: o.clusterLabels,
    natsCredsFile: o.natsCredsFile,
    credentialsSecret: o.credentialsSecret,
    bundlePublicKeys: [...new Set([...list(o.bundlePublicKeys), (o.bundlePublicKeyFile ?? '').trim()].filter(Boolean))],
    stateCache: o.stateCache,
    allowSelfManagement: o.allowSelfManagement,
    selfName: o.selfName,
    serviceAccount: o.serviceAccount,
    hold: o.hold,
    holdConfigMap: o.holdConfigMap,
    holdPollIntervalMs: o.holdPollInterval * 1000,
  };
}

/** Problems of a failed parse, `<flag> <reason>`, duplicates dropped. */
function describeIssues(error: z.ZodError): string[] {
  const problems = error.issues.map((issue) => {
    const field = issue.path[0] as keyof RawOptions | undefined;
    return field && FLAGS[field] ? `${FLAGS[field]} ${issue.message}` : issue.message;
  });
  return [...new Set(problems)];
}

/**
 * Parses `k=v,k2=v2` into labels; keys and values follow Kubernetes label syntax (qualified
 * name, value of at most 63 characters; rule source: k8s.io/apimachinery validation).
 * @throws Error naming the bad entry (`--cluster-labels entry "env" must be key=value`)
 */
export function parseLabels(raw: string): Record<string, string> {
  const parsed = z.object({ clusterLabels: labelsSchema }).safeParse({ clusterLabels: raw });
  if (!parsed.success) throw new Error(describeIssues(parsed.error).join('\n'));
  return parsed.data.clusterLabels;
}
