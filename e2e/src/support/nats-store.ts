import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { BUNDLE_STORE, DESIRED_STATE_BUCKET, type DesiredState, DesiredStateSchema, desiredStateKey, fromBinary, toBinary } from '@gitfleet/proto';

/**
 * Looks into gitfleet's JetStream state, as an operator would with the `nats` CLI: the objects in
 * the bundle store and a target's desired state. The write methods (`putBundleObject`,
 * `putDesiredState`) are raw writes an attacker with NATS access could make; the trust-boundary
 * suites use them to tamper, so that the agent's checks are tested against real NATS writes.
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

  /** Every key of the desired-state KV with its latest KV revision (sequence), by key. */
  async desiredKeys(): Promise<Record<string, number>> {
    const kv = await new Kvm(this.nc).open(DESIRED_STATE_BUCKET);
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    const out: Record<string, number> = {};
    for (const k of keys.sort()) {
      const e = await kv.get(k);
      if (e) out[k] = e.revision;
    }
    return out;
  }

  /** The raw bytes stored under an object name in the bundle store, or undefined when there is none. */
  async bundleObject(name: string): Promise<Uint8Array | undefined> {
    const os = await new Objm(this.nc).open(BUNDLE_STORE);
    return (await os.getBlob(name)) ?? undefined;
  }

  /** Writes `bytes` under object name `name` in the bundle store, replacing what is there (no digest check). */
  async putBundleObject(name: string, bytes: Uint8Array): Promise<void> {
    const os = await new Objm(this.nc).open(BUNDLE_STORE);
    await os.putBlob({ name }, bytes);
  }

  /** The decoded DesiredState of a target and its KV revision, or undefined when there is no key. */
  async desiredState(cluster: string, bundleId: string): Promise<{ desired: DesiredState; revision: number } | undefined> {
    const kv = await new Kvm(this.nc).open(DESIRED_STATE_BUCKET);
    const entry = await kv.get(desiredStateKey(cluster, bundleId));
    return entry && entry.operation === 'PUT' ? { desired: fromBinary(DesiredStateSchema, entry.value), revision: entry.revision } : undefined;
  }

  /** Writes a DesiredState under a target's key as it is (signed or not: no signing here); returns the KV revision. */
  async putDesiredState(cluster: string, bundleId: string, desired: DesiredState): Promise<number> {
    const kv = await new Kvm(this.nc).open(DESIRED_STATE_BUCKET);
    return kv.put(desiredStateKey(cluster, bundleId), toBinary(DesiredStateSchema, desired));
  }

  /** A bare KV delete of a target's key (never a withdrawal: agents refuse it and prune nothing). */
  async deleteDesiredKey(cluster: string, bundleId: string): Promise<void> {
    const kv = await new Kvm(this.nc).open(DESIRED_STATE_BUCKET);
    await kv.delete(desiredStateKey(cluster, bundleId));
  }

  /** A KV purge of a target's key (its history is dropped too; never a withdrawal either). */
  async purgeDesiredKey(cluster: string, bundleId: string): Promise<void> {
    const kv = await new Kvm(this.nc).open(DESIRED_STATE_BUCKET);
    await kv.purge(desiredStateKey(cluster, bundleId));
  }

  /** The raw values of every PUT of a target's key still in the KV history, oldest first, with their revisions. */
  async desiredHistory(cluster: string, bundleId: string): Promise<Array<{ revision: number; value: Uint8Array; desired: DesiredState }>> {
    const kv = await new Kvm(this.nc).open(DESIRED_STATE_BUCKET);
    const out: Array<{ revision: number; value: Uint8Array; desired: DesiredState }> = [];
    for await (const e of await kv.history({ key: desiredStateKey(cluster, bundleId) })) {
      if (e.operation === 'PUT') out.push({ revision: e.revision, value: e.value, desired: fromBinary(DesiredStateSchema, e.value) });
    }
    return out;
  }

  /** Writes raw bytes as a target's desired state (e.g. an earlier KV entry, replayed); returns the KV revision. */
  async putDesiredBytes(cluster: string, bundleId: string, value: Uint8Array): Promise<number> {
    const kv = await new Kvm(this.nc).open(DESIRED_STATE_BUCKET);
    return kv.put(desiredStateKey(cluster, bundleId), value);
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.nc.close();
  }
}
