/**
 * Answers the hub's DiffRequests (request/reply on `fleet.agent.<cluster>.diff`) over the
 * agent's NATS connection. nats.js re-subscribes after every reconnect, so the endpoint survives
 * NATS outages. A request that does not decode, or names another cluster, gets an answer with
 * the reason in `errors`; the work itself is the handler's (reconcile/plan.ts diffDesired).
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  ContractError,
  CONTRACT_VERSION,
  create,
  decodeMessage,
  type DiffRequest,
  DiffRequestSchema,
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
}

/** ObjectRef message fields. */
export interface ObjectRefFields {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Computes the answer for one bundle of this cluster. */
export type DiffHandler = (bundleId: string) => Promise<DiffAnswer>;

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
      r = await this.handler(req.bundleId);
    } catch (err) {
      r = { revision: '', objects: [], prune: [], errors: [(err as Error).message] };
    }
    this.log.info({ bundleId: req.bundleId, objects: r.objects.length, prune: r.prune.length, errors: r.errors, ms: Math.round(performance.now() - t0) }, 'answered diff request');
    return toBinary(DiffResponseSchema, create(DiffResponseSchema, {
      ...base,
      revision: r.revision,
      objects: r.objects,
      prune: r.prune.map((p) => ({ apiVersion: p.apiVersion, kind: p.kind, namespace: p.namespace, name: p.name })),
      errors: r.errors,
    }));
  }
}
