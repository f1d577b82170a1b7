/**
 * NATS permissions of one cluster's agent user: exactly the subjects the agent's nats.js 3.4
 * calls use (desired-state KV watch, bundle object reads, status/heartbeat JetStream publishes,
 * credential requests, the hub's requests to it, and its own inbox), nothing of another cluster.
 *
 * Rule sources: the JetStream API subjects are the ones @nats-io/jetstream, @nats-io/kv and
 * @nats-io/obj 3.4.0 publish (jsmconsumer_api.js `add`, jsmstream_api.js `info`/`getMessage`,
 * kv.js `watch`, objectstore.js `open`/`get`), recorded from a nats-server 2.15.2 trace and
 * checked by hub/test/nats-isolation.test.ts. The server enforces that a consumer-create request
 * whose subject names a filter has the same filter in its body (JSConsumerCreateFilterSubjectMismatch),
 * so allowing `$JS.API.CONSUMER.CREATE.<stream>.*.<filter>` allows only consumers on `<filter>`.
 */
import type { Permissions } from '@nats-io/jwt';
import {
  agentInboxPrefix,
  BUNDLE_STORE,
  clusterKeyFilter,
  credentialsSubject,
  DESIRED_STATE_BUCKET,
  heartbeatSubject,
  statusSubject,
  AGENT_SUBJECT_PREFIX,
} from '@gitfleet/proto';

/** JetStream API prefix (default domain). */
const JS_API = '$JS.API';
/** Stream behind the desired-state KV bucket (nats.js: `KV_<bucket>`). */
const DESIRED_STREAM = `KV_${DESIRED_STATE_BUCKET}`;
/** Stream behind the bundle object store (nats.js: `OBJ_<bucket>`). */
const BUNDLE_STREAM = `OBJ_${BUNDLE_STORE}`;

/**
 * How long the agent may answer a request it received (a DiffRequest from the hub), ns:
 * 2 minutes, nats-server's default for allow_responses. One answer per request.
 */
export const AGENT_RESPONSE_TTL_NS = 2 * 60 * 1_000_000_000;

/**
 * The user permissions of cluster `cluster`'s agent (the `pub`, `sub` and `resp` claims of its
 * user JWT). Publish allow list, each with the call that needs it:
 *
 * - `$JS.API.CONSUMER.CREATE.KV_fleet_desired.*.$KV.fleet_desired.<cluster>.>` — `kv.watch({key:
 *   '<cluster>.>'})`: an ordered push consumer filtered on the cluster's keys (`*` = the random
 *   consumer name, new on every re-create). No other filter, no filterless or durable create.
 * - `$JS.API.STREAM.INFO.OBJ_fleet_bundles` — `Objm.open('fleet_bundles')` checks the store exists.
 * - `$JS.API.STREAM.MSG.GET.OBJ_fleet_bundles` — `obj.get`/`obj.info`: last object metadata by subject.
 * - `$JS.API.CONSUMER.CREATE.OBJ_fleet_bundles.*.$O.fleet_bundles.C.>` — `obj.get`: an ordered
 *   consumer over one object's chunks.
 * - `fleet.status.<cluster>`, `fleet.heartbeat.<cluster>` — `js.publish` (the PubAck comes back on
 *   the inbox).
 * - `fleet.credentials.<cluster>` — the agent's credential requests to the hub.
 *
 * Subscribe allow list: `_INBOX_<cluster>.>` (request replies and ordered-consumer deliveries;
 * the agent connects with `inboxPrefix: agentInboxPrefix(cluster)`, which JetStream's
 * `watcherPrefix` defaults to) and `fleet.agent.<cluster>.>` (the hub's DiffRequests and
 * rotation requests).
 *
 * `resp`: one reply per received message within AGENT_RESPONSE_TTL_NS — answers to the hub's
 * requests and the flow-control replies of its ordered consumers (`$JS.FC.…` reply subjects).
 *
 * Not allowed, on purpose: `$JS.API.INFO` (account statistics; `Objm.open` on a JetStream client
 * without `checkAPI: false` asks for it) and `$JS.API.STREAM.INFO.KV_fleet_desired` (`kv.status()`;
 * STREAM.INFO with `subjects_filter` lists every cluster's keys),
 * `STREAM.MSG.GET`/`DIRECT.GET` on fleet_desired, consumer delete/info, any put or delete.
 * @throws Error when `cluster` is not a DNS-1123 label.
 */
export function agentPermissions(cluster: string): Required<Permissions> {
  const keyFilter = `$KV.${DESIRED_STATE_BUCKET}.${clusterKeyFilter(cluster)}`; // validates `cluster`
  return {
    pub: {
      allow: [
        `${JS_API}.CONSUMER.CREATE.${DESIRED_STREAM}.*.${keyFilter}`,
        `${JS_API}.STREAM.INFO.${BUNDLE_STREAM}`,
        `${JS_API}.STREAM.MSG.GET.${BUNDLE_STREAM}`,
        `${JS_API}.CONSUMER.CREATE.${BUNDLE_STREAM}.*.$O.${BUNDLE_STORE}.C.>`,
        statusSubject(cluster),
        heartbeatSubject(cluster),
        credentialsSubject(cluster),
      ],
      deny: [],
    },
    sub: {
      allow: [`${agentInboxPrefix(cluster)}.>`, `${AGENT_SUBJECT_PREFIX}.${cluster}.>`],
      deny: [],
    },
    resp: { max: 1, ttl: AGENT_RESPONSE_TTL_NS },
  };
}
