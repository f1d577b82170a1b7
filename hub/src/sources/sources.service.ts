import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HUB_CONFIG, redactUrl, type HubConfig } from '../config/config.js';
import { ConflictError, InvalidInputError, NotFoundError, UnauthenticatedError } from '../errors.js';
import type { Principal } from '../auth/roles.js';
import { openSecret, sealSecret } from '../auth/secret-box.js';
import { Pipeline } from '../pipeline.js';
import { GitRepository, scrub, type GitCredentials } from './git.repository.js';
import type { SourceEntity } from './source.entity.js';
import { checkSelector } from '../clusters/label-selector.js';
import type { TargetRule } from '../targeting/index.js';
import { parseTrustedKeys, type CommitSignaturePolicy } from './commit-signature.js';
import type { CommitSignaturesDto, ConfirmWithdrawalDto, CreateSourceDto, SourceCredentialsDto, SourceView, TargetRuleDto, UpdateSourceDto, WebhookResult } from './sources.dto.js';
import { SourcesRepository } from './sources.repository.js';
import { decideWebhook, verifyWebhookSecret } from './webhook.js';

/** Per-source fetch state: one timer, at most one fetch in flight, plus a "fetch again" flag. */
interface Poller {
  timer?: NodeJS.Timeout;
  inFlight?: Promise<void>;
  again: boolean;
  stopped: boolean;
}

/**
 * Sources: CRUD, polling (one timer per source, re-armed after each fetch so fetches never
 * overlap), webhooks (fetch at once), and handing new revisions to the deployment pipeline.
 * A fetch error is stored in `last_error`; nothing published changes. Git credentials and
 * webhook secrets are sealed with GITFLEET_SECRETS_KEY, opened only to fetch / verify, and never
 * returned, logged or stored in `last_error`.
 */
@Injectable()
export class SourcesService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SourcesService.name);
  private readonly pollers = new Map<string, Poller>();
  /** Revision last handed to the pipeline by this process, per source. */
  private readonly deployed = new Map<string, string>();

  constructor(
    private readonly repo: SourcesRepository,
    private readonly git: GitRepository,
    private readonly deployments: Pipeline,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'secretsKey'>,
  ) {}

  /** Starts polling every stored source (first fetch at once). */
  async onApplicationBootstrap(): Promise<void> {
    for (const s of await this.repo.list()) this.startPolling(s.name, 0);
  }

  /** Stops every timer and waits for fetches in flight (before the DB closes). */
  async beforeApplicationShutdown(): Promise<void> {
    const inFlight = [...this.pollers.values()].map((p) => p.inFlight);
    for (const name of [...this.pollers.keys()]) this.stopPolling(name);
    await Promise.all(inFlight);
  }

  /**
   * Registers a source and starts fetching it at once; credentials and webhook secret are
   * sealed first.
   * A commit signature policy's keys are parsed and checked first (see `commitSignaturePolicy`).
   * @throws ConflictError when the name is taken; InvalidInputError for credentials without a
   * password or token, secrets while the hub has no GITFLEET_SECRETS_KEY, or a trusted key that
   * is not a usable OpenPGP public key (the message names `commitSignatures.trustedKeys[i]`).
   */
  async create(dto: CreateSourceDto): Promise<SourceView> {
    const { url, fromUrl } = splitUrlCredentials(dto.url);
    if (fromUrl && dto.credentials) throw new InvalidInputError('credentials are given both in the url and in credentials: give them once');
    const creds = dto.credentials ? toGitCredentials(dto.credentials) : fromUrl;
    const commitSignatures = dto.commitSignatures ? await commitSignaturePolicy(dto.commitSignatures) : null;
    const created = await this.repo.create({
      commitSignatures,
      credentialsEnc: creds ? this.seal(dto.name, JSON.stringify(creds)) : null,
      webhookSecretEnc: dto.webhookSecret ? this.seal(dto.name, dto.webhookSecret) : null,
      name: dto.name,
      url,
      branch: dto.branch ?? 'main',
      path: normalizePath(dto.path ?? ''),
      pollIntervalSeconds: dto.pollIntervalSeconds ?? 15,
      targets: dto.targets ? dto.targets.map(toTargetRule) : null,
      kustomizeRemoteBases: dto.kustomizeRemoteBases ?? false,
    });
    if (!created) throw new ConflictError(`source "${dto.name}" already exists`);
    await this.git.remove(dto.name); // a stale checkout of an earlier source of that name
    this.startPolling(dto.name, 0);
    return this.get(dto.name);
  }

  /**
   * Changes a source in place: today its commit signature policy (`commitSignatures`: new keys
   * replace the old ones, null removes the policy; absent = unchanged). The head commit report
   * is cleared and the pipeline runs for the source at once, so the head is checked under the
   * new policy (removing the policy deploys a held head).
   * @throws NotFoundError; InvalidInputError for an unusable trusted key (see `create`).
   */
  async update(name: string, dto: UpdateSourceDto): Promise<SourceView> {
    await this.require(name);
    if (dto.commitSignatures !== undefined) {
      const policy = dto.commitSignatures === null ? null : await commitSignaturePolicy(dto.commitSignatures);
      if (!(await this.repo.setCommitSignatures(name, policy))) throw new NotFoundError('source', name);
      this.logger.log({ source: name, trustedKeys: policy?.trustedKeys.map((k) => k.fingerprint) ?? null }, 'commit signature policy changed');
      this.deployments.trigger(name).catch(() => undefined); // logged by the pipeline
    }
    if (dto.kustomizeRemoteBases !== undefined) {
      if (!(await this.repo.setKustomizeRemoteBases(name, dto.kustomizeRemoteBases))) throw new NotFoundError('source', name);
      this.logger.log({ source: name, kustomizeRemoteBases: dto.kustomizeRemoteBases }, 'kustomize remote bases setting changed');
      this.deployments.trigger(name).catch(() => undefined); // logged by the pipeline
    }
    return this.get(name);
  }

  /** Every source. */
  async list(): Promise<SourceView[]> {
    return (await this.repo.list()).map(toView);
  }

  /** One source. @throws NotFoundError */
  async get(name: string): Promise<SourceView> {
    return toView(await this.require(name));
  }

  /**
   * Deletes a source: stops polling, removes its checkout and lets the pipeline delete every
   * target of its bundles (agents prune them). @throws NotFoundError
   */
  async delete(name: string): Promise<void> {
    if (!(await this.repo.delete(name))) throw new NotFoundError('source', name);
    this.stopPolling(name);
    this.deployed.delete(name);
    await this.git.remove(name);
    this.deployments.trigger(name).catch(() => undefined); // logged by the pipeline
  }

  /**
   * Confirms the withdrawals the mass-deletion guard holds for a source (role operator; the
   * request is audited like every change): records the held set as confirmed and runs the
   * pipeline for the source at once, which withdraws them unless the plan has grown beyond
   * what was confirmed (a newer commit, a relabel): then a new hold replaces it. Resolves after
   * that run with the source view.
   * @throws NotFoundError; ConflictError when nothing is held, or the hold is not at `revision`.
   */
  async confirmWithdrawal(name: string, dto: ConfirmWithdrawalDto): Promise<SourceView> {
    const source = await this.require(name);
    const hold = source.withdrawalHold;
    if (!hold) throw new ConflictError(`source "${name}" holds no withdrawal to confirm`);
    if (dto.revision !== undefined && dto.revision !== hold.revision) {
      throw new ConflictError(`source "${name}" holds a withdrawal at ${hold.revision}, not at ${dto.revision}: review the current hold and confirm again`);
    }
    const confirmation = { revision: hold.revision, targets: hold.targets.map((t) => `${t.cluster}/${t.bundleId}`), confirmedAt: new Date().toISOString() };
    if (!(await this.repo.confirmWithdrawal(name, confirmation))) {
      throw new ConflictError(`the withdrawal held for source "${name}" changed meanwhile: review the current hold and confirm again`);
    }
    this.logger.warn({ source: name, revision: hold.revision, withdrawals: hold.targets.length }, 'held withdrawal confirmed');
    await this.deployments.trigger(name);
    return this.get(name);
  }

  /**
   * Handles a webhook delivery: ignores pushes to other branches, otherwise queues a fetch
   * (the HTTP answer does not wait for it). Authenticated by `caller` (a token with role
   * operator+, checked by the guard) or, when the source has a webhook secret, by the
   * delivery's signature over `rawBody` / secret token; a source without a secret accepts any
   * delivery (a webhook only triggers a fetch).
   * @throws NotFoundError; UnauthenticatedError when the secret is not proven.
   */
  async webhook(
    name: string,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
    proof: { caller?: Principal; rawBody?: Buffer } = {},
  ): Promise<WebhookResult> {
    const source = await this.require(name);
    if (!proof.caller && source.webhookSecretEnc) {
      const secret = this.open(name, source.webhookSecretEnc);
      if (!verifyWebhookSecret(secret, headers, proof.rawBody)) {
        throw new UnauthenticatedError('webhook needs a valid X-Hub-Signature-256 or X-Gitlab-Token, or a bearer token with role operator');
      }
    }
    const decision = decideWebhook(source.branch, headers, body);
    if (!decision.fetch) return { accepted: false, ignored: decision.reason };
    void this.fetchNow(name);
    return { accepted: true };
  }

  /**
   * Fetches `name` now. When a fetch is already running, another one follows it (a push may
   * have landed after it started); the promise settles when that one is done. Never rejects.
   */
  fetchNow(name: string): Promise<void> {
    const p = this.pollers.get(name);
    if (!p || p.stopped) return Promise.resolve();
    if (p.inFlight) {
      p.again = true;
      return p.inFlight;
    }
    if (p.timer) clearTimeout(p.timer);
    p.inFlight = (async () => {
      do {
        p.again = false;
        await this.fetchOnce(name);
      } while (p.again && !p.stopped);
    })().finally(() => {
      p.inFlight = undefined;
      void this.rearm(name);
    });
    return p.inFlight;
  }

  /** One fetch: store the outcome; a new revision (for this process) goes to the pipeline. */
  private async fetchOnce(name: string): Promise<void> {
    const source = await this.repo.get(name).catch((err) => {
      this.logger.warn({ source: name, err: String(err) }, 'cannot read source');
      return null;
    });
    if (!source) return;
    if (this.pollers.get(name)?.stopped ?? true) return;
    let revision: string;
    let creds: GitCredentials | undefined;
    try {
      creds = source.credentialsEnc ? (JSON.parse(this.open(name, source.credentialsEnc)) as GitCredentials) : undefined;
      revision = await this.git.sync(name, source.url, source.branch, creds);
    } catch (err) {
      // GitFetchError is scrubbed already; scrub again so no other error can leak a secret
      const raw = err instanceof Error ? err.message : String(err);
      const message = scrub(raw, source.url, creds ? [creds.password, creds.username] : []);
      this.logger.warn({ source: name, err: message }, 'fetch failed; published targets unchanged');
      await this.repo.saveFetchResult(name, { lastFetchedAt: new Date(), lastError: message }).catch(() => undefined);
      return;
    }
    try {
      await this.repo.saveFetchResult(name, { lastRevision: revision, lastFetchedAt: new Date(), lastError: null });
      if (this.deployed.get(name) !== revision) {
        this.logger.log({ source: name, revision }, 'new revision');
        await this.deployments.trigger(name);
        this.deployed.set(name, revision);
      }
    } catch (err) {
      this.logger.error({ source: name, err: String(err) }, 'deploying revision failed; retried at next poll');
    }
  }

  private async rearm(name: string): Promise<void> {
    const p = this.pollers.get(name);
    if (!p || p.stopped) return;
    const source = await this.repo.get(name).catch(() => null);
    if (!source) return;
    p.timer = setTimeout(() => void this.fetchNow(name), source.pollIntervalSeconds * 1000);
    p.timer.unref();
  }

  private startPolling(name: string, delayMs: number): void {
    if (this.pollers.has(name)) return;
    const p: Poller = { again: false, stopped: false };
    this.pollers.set(name, p);
    p.timer = setTimeout(() => void this.fetchNow(name), delayMs);
    p.timer.unref();
  }

  private stopPolling(name: string): void {
    const p = this.pollers.get(name);
    if (!p) return;
    p.stopped = true;
    if (p.timer) clearTimeout(p.timer);
    this.pollers.delete(name);
  }

  /** Seals a secret of source `owner`. @throws InvalidInputError without GITFLEET_SECRETS_KEY */
  private seal(owner: string, plaintext: string): string {
    if (!this.config.secretsKey) {
      throw new InvalidInputError('source credentials and webhook secrets need GITFLEET_SECRETS_KEY on the hub (32 bytes, base64), which is not set');
    }
    return sealSecret(this.config.secretsKey, owner, plaintext);
  }

  /** Opens a sealed secret of source `owner`. @throws Error (no secret in it) without the key or when it does not decrypt */
  private open(owner: string, sealed: string): string {
    if (!this.config.secretsKey) throw new Error('source has encrypted secrets but GITFLEET_SECRETS_KEY is not set');
    return openSecret(this.config.secretsKey, owner, sealed);
  }

  private async require(name: string): Promise<SourceEntity> {
    const s = await this.repo.get(name);
    if (!s) throw new NotFoundError('source', name);
    return s;
  }
}

/** A plain TargetRule from its DTO (class instances do not belong in jsonb); selectors checked. */
function toTargetRule(dto: TargetRuleDto): TargetRule {
  const rule: TargetRule = {};
  if (dto.name !== undefined) rule.name = dto.name;
  if (dto.clusterName !== undefined) rule.clusterName = dto.clusterName;
  if (dto.clusterGroup !== undefined) rule.clusterGroup = dto.clusterGroup;
  if (dto.clusterSelector) rule.clusterSelector = checkSelector(dto.clusterSelector);
  if (dto.clusterGroupSelector) rule.clusterGroupSelector = checkSelector(dto.clusterGroupSelector);
  return rule;
}

/** Credentials for onAuth: a token is sent as the password (username default `x-access-token`). @throws InvalidInputError */
/**
 * Moves a user and password written into a source URL (`https://user:pass@host/repo.git`) out of
 * it: the URL is stored and shown without them, and they become the source's credentials, sealed
 * like any other (so a password never sits in plain text in `sources.url` or the checkout's
 * `.git/config`). URL-encoded parts are decoded.
 */
export function splitUrlCredentials(raw: string): { url: string; fromUrl: GitCredentials | undefined } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { url: raw, fromUrl: undefined };
  }
  if (!u.username && !u.password) return { url: raw, fromUrl: undefined };
  const fromUrl = u.password
    ? { username: decodeURIComponent(u.username) || 'x-access-token', password: decodeURIComponent(u.password) }
    : { username: 'x-access-token', password: decodeURIComponent(u.username) };
  u.username = '';
  u.password = '';
  return { url: u.toString(), fromUrl };
}

function toGitCredentials(dto: SourceCredentialsDto): GitCredentials {
  if (dto.password !== undefined && dto.token !== undefined) throw new InvalidInputError('credentials take a password or a token, not both');
  const secret = dto.password ?? dto.token;
  if (secret === undefined) throw new InvalidInputError('credentials need a password or a token');
  if (dto.password !== undefined && dto.username === undefined) throw new InvalidInputError('credentials with a password need a username');
  return { username: dto.username ?? 'x-access-token', password: secret };
}

/**
 * The stored policy of a `commitSignatures` DTO: every armored entry parsed (openpgp).
 * @throws InvalidInputError naming `commitSignatures.trustedKeys[i]` (commit-signature.ts parseTrustedKeys).
 */
async function commitSignaturePolicy(dto: CommitSignaturesDto): Promise<CommitSignaturePolicy> {
  return { trustedKeys: await parseTrustedKeys(dto.trustedKeys, 'commitSignatures.trustedKeys') };
}

function normalizePath(p: string): string {
  return p.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

function toView(s: SourceEntity): SourceView {
  return {
    name: s.name,
    url: redactUrl(s.url),
    branch: s.branch,
    path: s.path,
    pollIntervalSeconds: s.pollIntervalSeconds,
    targets: s.targets,
    lastRevision: s.lastRevision,
    lastFetchedAt: s.lastFetchedAt?.toISOString() ?? null,
    lastError: s.lastError,
    hasCredentials: s.credentialsEnc !== null,
    hasWebhookSecret: s.webhookSecretEnc !== null,
    commitSignatures: s.commitSignatures
      ? { trustedKeys: s.commitSignatures.trustedKeys.map((k) => ({ fingerprint: k.fingerprint, keyId: k.keyId, userIds: k.userIds, expiresAt: k.expiresAt })) }
      : null,
    commitSignature: s.commitSignatures ? s.commitSignature : null,
    kustomizeRemoteBases: s.kustomizeRemoteBases,
    warnings: s.scanWarnings,
    withdrawalHold: s.withdrawalHold
      ? {
          ...s.withdrawalHold,
          confirmedAt: s.withdrawalConfirmation?.revision === s.withdrawalHold.revision ? s.withdrawalConfirmation.confirmedAt : null,
        }
      : null,
    createdAt: s.createdAt.toISOString(),
  };
}
