/**
 * Answers the hub's DiffRequests (request/reply on `fleet.agent.<cluster>.diff`) over the
 * agent's NATS connection. nats.js re-subscribes after every reconnect, so the endpoint survives
 * NATS outages. A request that does not decode, or names another cluster, gets an answer with
 * the reason in `errors`; the work itself is the handler's (reconcile/plan.ts diffDesired, or
 * previewDesired for a request that carries a preview desired state). An answer larger than the
 * connection's max_payload is cut to fit (`fitDiffResponse`): the first objects are kept and the
 * answer says how many were left out.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  ContractError,
  CONTRACT_VERSION,
  create,
  decodeMessage,
  type DiffRequest,
  DiffRequestSchema,
  type DiffResponse,
  DiffResponseSchema,
  diffSubject,
  toBinary,
} from '@gitfleet/proto';
import type { Logger } from 'pino';

/**
 * The answer for one bundle, as DiffResponse fields (contract fleet.v1): `objects` are
 * ObjectDrift messages, `prune` object references, `errors` reasons. The reconciler builds it
 * (reconcile/plan.ts diffAnswer); this folder only carries it, so nats/ never imports reconcile/.
 */
export interface DiffAnswer {
  revision: string;
  objects: Array<{
    object: ObjectRefFields;
    missing: boolean;
    /** desired and live values as JSON text */
    diffs: Array<{ path: string; desired: string; live: string; manager: string }>;
    healed: boolean;
    conflictManager: string;
    conflictMessage: string;
  }>;
  prune: ObjectRefFields[];
  errors: string[];
  /** objects that would be kept although they leave the desired state */
  orphaned?: ObjectRefFields[];
  /** true: the answer is about the request's preview desired state */
  preview?: boolean;
}

/** ObjectRef message fields. */
export interface ObjectRefFields {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/**
 * Computes the answer for one bundle of this cluster: `req.desiredState` set → a preview of that
 * desired state, else the published one.
 */
export type DiffHandler = (req: Pick<DiffRequest, 'bundleId' | 'desiredState'>) => Promise<DiffAnswer>;

/** Bytes kept free below max_payload for the NATS message framing and headers. */
const REPLY_HEADROOM_BYTES = 1024;

/**
 * `res` encoded, cut to at most `maxBytes` (the connection's max_payload; NATS refuses a larger
 * message): drops objects from the end (then prune, then orphaned entries) until it fits, sets
 * `truncated` to the number of objects dropped and adds an error naming the limit. Pure.
 */
export function fitDiffResponse(res: DiffResponse, maxBytes: number): Uint8Array {
  const whole = toBinary(DiffResponseSchema, res);
  if (whole.length <= maxBytes) return whole;
  const out = create(DiffResponseSchema, { ...res, objects: [...res.objects], prune: [...res.prune], orphaned: [...res.orphaned], errors: [...res.errors] });
  const total = out.objects.length + out.prune.length + out.orphaned.length;
  const note = (left: number) => `answer cut to fit the NATS max_payload of ${maxBytes} bytes: ${left} of ${total} objects left out`;
  out.errors.push(note(total));
  // a binary search over how many entries are kept (objects first, then prune, then orphaned)
  // costs O(log n) encodes
  const { objects, prune, orphaned } = res;
  const encode = (n: number): Uint8Array => {
    out.objects = objects.slice(0, n);
    out.prune = prune.slice(0, Math.max(0, n - objects.length));
    out.orphaned = orphaned.slice(0, Math.max(0, n - objects.length - prune.length));
    out.truncated = total - n;
    out.errors[out.errors.length - 1] = note(total - n);
    return toBinary(DiffResponseSchema, out);
  };
  let lo = 0;
  let hi = total - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (encode(mid).length <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  return encode(lo);
}

/** The DiffRequest endpoint (see module comment). */
export class DiffResponder {
  private sub: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly cluster: string,
    private readonly handler: DiffHandler,
    private readonly log: Logger,
  ) {}

  /** Subscribes; returns at once. */
  start(): void {
    this.sub = this.nc.subscribe(diffSubject(this.cluster), {
      callback: (err, msg) => {
        if (err) {
          this.log.warn({ err: { message: err.message } }, 'diff subscription error');
          return;
        }
        void this.answer(msg.data).then((bytes) => {
          if (!msg.respond(bytes)) this.log.warn('diff request without a reply subject');
        });
      },
    });
    this.log.info({ subject: diffSubject(this.cluster) }, 'answering diff requests');
  }

  /** The largest reply this connection may send: the server's max_payload less some headroom (1 MiB default). */
  private maxReplyBytes(): number {
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    return Math.max(REPLY_HEADROOM_BYTES, max - REPLY_HEADROOM_BYTES);
  }

  /** Unsubscribes. */
  stop(): void {
    this.sub?.unsubscribe();
  }

  /** The encoded DiffResponse for encoded DiffRequest bytes. Never throws. */
  async answer(data: Uint8Array): Promise<Uint8Array> {
    let req: DiffRequest | undefined;
    const errors: string[] = [];
    try {
      req = decodeMessage(DiffRequestSchema, data, { subject: 'diff request' });
      if (req.cluster !== this.cluster) errors.push(`cluster "${req.cluster}" is not this agent's cluster "${this.cluster}"`);
    } catch (err) {
      // "cannot decode DiffRequest" or "incompatible contract_version …"
      errors.push(err instanceof ContractError ? err.detail : 'cannot decode DiffRequest');
    }
    const base = { contractVersion: CONTRACT_VERSION, cluster: this.cluster, bundleId: req?.bundleId ?? '' };
    if (errors.length > 0 || !req) return toBinary(DiffResponseSchema, create(DiffResponseSchema, { ...base, errors }));
    const t0 = performance.now();
    let r: DiffAnswer;
    try {
      r = await this.handler({ bundleId: req.bundleId, desiredState: req.desiredState });
    } catch (err) {
      r = { revision: '', objects: [], prune: [], errors: [(err as Error).message] };
    }
    this.log.info({ bundleId: req.bundleId, preview: req.desiredState !== undefined, objects: r.objects.length, prune: r.prune.length, errors: r.errors, ms: Math.round(performance.now() - t0) }, 'answered diff request');
    const ref = (p: ObjectRefFields) => ({ apiVersion: p.apiVersion, kind: p.kind, namespace: p.namespace, name: p.name });
    return fitDiffResponse(create(DiffResponseSchema, {
      ...base,
      revision: r.revision,
      objects: r.objects,
      prune: r.prune.map(ref),
      orphaned: (r.orphaned ?? []).map(ref),
      errors: r.errors,
      preview: r.preview ?? false,
    }), this.maxReplyBytes());
  }
}
