import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSelector } from '@gitfleet/proto';
import { holdReason, memoizedWindowStates, type HoldSubject, type HoldWindow } from './cluster-holds.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const GROUPS = new Map<string, LabelSelector>([['prod', { matchLabels: { env: 'prod' } }]]);
const prod: HoldSubject = { labels: { env: 'prod', region: 'eu' }, holdReason: null, holdSince: null };
const dev: HoldSubject = { labels: { env: 'dev' }, holdReason: null, holdSince: null };
const heldProd: HoldSubject = { ...prod, holdReason: 'change "freeze"', holdSince: new Date('2026-03-09T08:00:00Z') };

// 12:00Z: "0 2 * * *" for 2h is closed (next 2026-03-11T02:00Z); "0 11 * * *" for 2h is open
const nightly: HoldWindow = { name: 'nightly', schedule: '0 2 * * *', duration: '2h', clusterSelector: { matchLabels: { env: 'prod' } } };
const midday: HoldWindow = { name: 'midday', schedule: '0 11 * * *', duration: '2h', clusterGroup: 'prod' };
const evening: HoldWindow = { name: 'evening', schedule: '0 18 * * *', duration: '1h', clusterSelector: {} };
const euOnly: HoldWindow = { name: 'eu-prod', schedule: '0 2 * * *', duration: '1h', clusterSelector: { matchLabels: { region: 'eu' } }, clusterGroup: 'prod' };
const ghostGroup: HoldWindow = { name: 'ghost', schedule: '0 2 * * *', duration: '1h', clusterGroup: 'no-such-group' };
const badZone: HoldWindow = { name: 'broken', schedule: '0 2 * * *', timezone: 'Mars/Olympus', duration: '1h', clusterSelector: {} };

describe('holdReason', () => {
  const table: Array<[string, HoldSubject, HoldWindow[], string | undefined]> = [
    ['no hold, no window: free', prod, [], undefined],
    ['spoke-side hold: its reason (quoted) and since', heldProd, [], 'spoke-side hold: "change \\"freeze\\"" (since 2026-03-09T08:00:00.000Z)'],
    ['covered by a closed window only: held until it opens', prod, [nightly], 'outside maintenance window "nightly" (next opens 2026-03-11T02:00:00.000Z)'],
    ['a window that does not cover the cluster holds nothing', dev, [nightly], undefined],
    ['inside any of its windows: free (one open, one closed)', prod, [nightly, midday], undefined],
    ['several closed windows: the one opening first is named', prod, [nightly, evening], 'outside maintenance window "evening" (next opens 2026-03-10T18:00:00.000Z)'],
    ['an empty selector covers every cluster', dev, [evening], 'outside maintenance window "evening" (next opens 2026-03-10T18:00:00.000Z)'],
    ['clusterGroup is resolved through the group\'s selector', dev, [midday], undefined],
    ['clusterSelector and clusterGroup: both must match', { ...dev, labels: { env: 'dev', region: 'eu' } }, [euOnly], undefined],
    ['clusterSelector and clusterGroup both matching: covered', prod, [euOnly], 'outside maintenance window "eu-prod" (next opens 2026-03-11T02:00:00.000Z)'],
    ['a group that does not exist covers nothing', prod, [ghostGroup], undefined],
    ['both a spoke-side hold and a closed window: both reasons', heldProd, [nightly], 'spoke-side hold: "change \\"freeze\\"" (since 2026-03-09T08:00:00.000Z); outside maintenance window "nightly" (next opens 2026-03-11T02:00:00.000Z)'],
    ['a spoke-side hold holds even inside an open window', heldProd, [midday], 'spoke-side hold: "change \\"freeze\\"" (since 2026-03-09T08:00:00.000Z)'],
    ['a covering window that cannot be evaluated holds, and says why', prod, [badZone], 'maintenance window "broken" cannot be evaluated: timezone: "Mars/Olympus" is not an IANA time zone (e.g. "UTC", "Europe/Berlin", "America/New_York")'],
    ['... unless another of its windows is open', prod, [badZone, midday], undefined],
  ];
  for (const [name, subject, windows, want] of table) it(name, () => assert.equal(holdReason(subject, windows, GROUPS, NOW), want));
});

describe('memoizedWindowStates', () => {
  it('gives the same answers as windowOpen, errors included, evaluating each window once', () => {
    const stateOf = memoizedWindowStates(NOW);
    for (const subject of [prod, dev, heldProd]) {
      for (const windows of [[nightly], [nightly, midday], [badZone], [badZone, midday], [evening, euOnly]]) {
        assert.equal(holdReason(subject, windows, GROUPS, NOW, stateOf), holdReason(subject, windows, GROUPS, NOW));
      }
    }
    const first = stateOf(nightly);
    assert.equal(stateOf(nightly), first, 'remembered');
  });
});
