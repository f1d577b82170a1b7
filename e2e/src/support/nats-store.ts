import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { BUNDLE_STORE, DESIRED_STATE_BUCKET, desiredStateKey } from '@gitfleet/proto';

/**
 * Read-only looks into gitfleet's JetStream state, as an operator would with the `nats` CLI:
 * the objects in the bundle store and the KV revision of a target's desired state.
 */
export class NatsStore {
  private constructor(private readonly nc: Awaited<ReturnType<typeof connect>>) {}

  /** Connects to a NATS server. */
  static async open(natsUrl: string): Promise<NatsStore> {
    return new NatsStore(await connect({ servers: natsUrl }));
  }

  /** Names of the objects in the bundle store (their digests). */
  async bundleObjects(): Promise<string[]> {
    const os = await new Objm(this.nc).open(BUNDLE_STORE);
    return (await os.list()).filter((o) => !o.deleted).map((o) => o.name).sort();
  }

  /** KV revision (sequence) of a target's desired state, or undefined when there is no key. */
  async desiredRevision(cluster: string, bundleId: string): Promise<number | undefined> {
    const kv = await new Kvm(this.nc).open(DESIRED_STATE_BUCKET);
    const entry = await kv.get(desiredStateKey(cluster, bundleId));
    return entry && entry.operation === 'PUT' ? entry.revision : undefined;
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.nc.close();
  }
}
