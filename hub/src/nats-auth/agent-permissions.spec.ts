import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentInboxPrefix } from '@gitfleet/proto';
import { AGENT_RESPONSE_TTL_NS, agentPermissions } from './agent-permissions.js';

describe('agentPermissions', () => {
  const fixtures: Array<{ cluster: string; pub: string[]; sub: string[] }> = [
    {
      cluster: 'alpha',
      pub: [
        '$JS.API.CONSUMER.CREATE.KV_fleet_desired.*.$KV.fleet_desired.alpha.>',
        '$JS.API.STREAM.INFO.OBJ_fleet_bundles',
        '$JS.API.STREAM.MSG.GET.OBJ_fleet_bundles',
        '$JS.API.CONSUMER.CREATE.OBJ_fleet_bundles.*.$O.fleet_bundles.C.>',
        'fleet.status.alpha',
        'fleet.heartbeat.alpha',
        'fleet.credentials.alpha',
      ],
      sub: ['_INBOX_alpha.>', 'fleet.agent.alpha.>'],
    },
    {
      cluster: 'spoke-1',
      pub: [
        '$JS.API.CONSUMER.CREATE.KV_fleet_desired.*.$KV.fleet_desired.spoke-1.>',
        '$JS.API.STREAM.INFO.OBJ_fleet_bundles',
        '$JS.API.STREAM.MSG.GET.OBJ_fleet_bundles',
        '$JS.API.CONSUMER.CREATE.OBJ_fleet_bundles.*.$O.fleet_bundles.C.>',
        'fleet.status.spoke-1',
        'fleet.heartbeat.spoke-1',
        'fleet.credentials.spoke-1',
      ],
      sub: ['_INBOX_spoke-1.>', 'fleet.agent.spoke-1.>'],
    },
  ];
  for (const f of fixtures) {
    it(`allows exactly what cluster ${f.cluster}'s agent uses`, () => {
      const p = agentPermissions(f.cluster);
      assert.deepEqual(p.pub, { allow: f.pub, deny: [] });
      assert.deepEqual(p.sub, { allow: f.sub, deny: [] });
      assert.deepEqual(p.resp, { max: 1, ttl: AGENT_RESPONSE_TTL_NS });
    });
  }

  it('names no subject of the desired-state bucket other than the own cluster, and no write API', () => {
    const all = [...agentPermissions('alpha').pub.allow!, ...agentPermissions('alpha').sub.allow!];
    for (const s of all) {
      assert.doesNotMatch(s, /\$KV\.fleet_desired\.(?!alpha\.>)/, s);
      assert.doesNotMatch(s, /STREAM\.(CREATE|UPDATE|DELETE|PURGE|MSG\.DELETE)|CONSUMER\.(DELETE|DURABLE)|DIRECT\.GET|^\$JS\.API\.INFO$|^\$KV\.|^\$O\.|^_INBOX\./, s);
      assert.notEqual(s, '>');
    }
    assert.ok(!agentPermissions('alpha').pub.allow!.includes('$JS.API.STREAM.INFO.KV_fleet_desired'));
  });

  it('uses the inbox prefix names.ts gives the agent', () => {
    assert.equal(agentInboxPrefix('alpha'), '_INBOX_alpha');
    assert.ok(agentPermissions('alpha').sub.allow!.includes(`${agentInboxPrefix('alpha')}.>`));
  });

  for (const bad of ['', 'Alpha', 'a.b', 'a>', '*', 'a b', '-a']) {
    it(`refuses cluster name "${bad}"`, () => {
      assert.throws(() => agentPermissions(bad), /invalid cluster name/);
      assert.throws(() => agentInboxPrefix(bad), /invalid cluster name/);
    });
  }
});
