/**
 * Git push webhooks: GitHub (`X-GitHub-Event: push`) and GitLab (`X-Gitlab-Event: Push Hook`)
 * both carry `ref: refs/heads/<branch>`. Pure: no I/O.
 */

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
