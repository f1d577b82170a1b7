/**
 * Git push webhooks: GitHub (`X-GitHub-Event: push`) and GitLab (`X-Gitlab-Event: Push Hook`)
 * both carry `ref: refs/heads/<branch>`. Pure: no I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Decision for one webhook delivery. */
export type WebhookDecision = { fetch: true } | { fetch: false; reason: string };

/**
 * Decides whether a webhook delivery should trigger a fetch of a source following `branch`:
 * a GitHub/GitLab push to another branch (or a tag) is ignored; every other body (ping, other
 * events, unknown senders, empty) triggers a fetch, since fetching is cheap and idempotent.
 */
export function decideWebhook(branch: string, headers: Record<string, string | string[] | undefined>, body: unknown): WebhookDecision {
  const event = String(headers['x-github-event'] ?? headers['x-gitlab-event'] ?? '').toLowerCase();
  const isPush = event === 'push' || event === 'push hook' || event === 'tag push hook';
  const ref = body !== null && typeof body === 'object' ? (body as { ref?: unknown }).ref : undefined;
  if (isPush && typeof ref === 'string' && ref !== `refs/heads/${branch}`) {
    return { fetch: false, reason: `push to ${ref}, source follows refs/heads/${branch}` };
  }
  return { fetch: true };
}

/**
 * True when a webhook delivery proves it knows `secret`: GitHub's `X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256 of the raw body>` or GitLab's `X-Gitlab-Token: <secret>`, both
 * compared in constant time (GitHub docs "Validating webhook deliveries"; GitLab "Webhooks,
 * secret token").
 */
export function verifyWebhookSecret(secret: string, headers: Record<string, string | string[] | undefined>, rawBody: Buffer | undefined): boolean {
  const sig = headers['x-hub-signature-256'];
  if (typeof sig === 'string' && sig.startsWith('sha256=')) {
    const want = createHmac('sha256', secret).update(rawBody ?? Buffer.alloc(0)).digest();
    const got = Buffer.from(sig.slice('sha256='.length), 'hex');
    return got.length === want.length && timingSafeEqual(got, want);
  }
  const token = headers['x-gitlab-token'];
  if (typeof token === 'string') {
    const a = createHash('sha256').update(token).digest();
    const b = createHash('sha256').update(secret).digest();
    return timingSafeEqual(a, b);
  }
  return false;
}
