import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../errors.js';
import { checkWindowTiming, parseWindowDuration, windowOpen, type WindowState, type WindowTiming } from './maintenance-window.js';

const at = (iso: string) => new Date(iso);
const open = (closesAt: string): WindowState => ({ open: true, closesAt: at(closesAt) });
const closed = (nextOpen: string): WindowState => ({ open: false, nextOpen: at(nextOpen) });

describe('windowOpen', () => {
  // [case, timing, now, expected]
  const table: Array<[string, WindowTiming, string, WindowState]> = [
    ['UTC daily 02:00 for 2h: a second before the start', { schedule: '0 2 * * *', duration: '2h' }, '2026-03-10T01:59:59Z', closed('2026-03-10T02:00:00Z')],
    ['UTC: open at exactly the start', { schedule: '0 2 * * *', duration: '2h' }, '2026-03-10T02:00:00Z', open('2026-03-10T04:00:00Z')],
    ['UTC: open a millisecond before the end', { schedule: '0 2 * * *', duration: '2h' }, '2026-03-10T03:59:59.999Z', open('2026-03-10T04:00:00Z')],
    ['UTC: closed at exactly the end (end exclusive), next is tomorrow', { schedule: '0 2 * * *', duration: '2h' }, '2026-03-10T04:00:00Z', closed('2026-03-11T02:00:00Z')],
    ['a timezone of null is UTC', { schedule: '0 2 * * *', timezone: null, duration: '1h30m' }, '2026-03-10T03:29:00Z', open('2026-03-10T03:30:00Z')],
    ['spanning midnight: 22:00 for 4h, open at 01:30 the next day', { schedule: '0 22 * * *', duration: '4h' }, '2026-03-11T01:30:00Z', open('2026-03-11T02:00:00Z')],
    ['spanning midnight: closed at 02:00, next at 22:00', { schedule: '0 22 * * *', duration: '4h' }, '2026-03-11T02:00:00Z', closed('2026-03-11T22:00:00Z')],
    ['Europe/Berlin in winter (UTC+1): 02:00 local is 01:00Z', { schedule: '0 2 * * *', timezone: 'Europe/Berlin', duration: '1h' }, '2026-01-15T01:30:00Z', open('2026-01-15T02:00:00Z')],
    ['Europe/Berlin in winter: closed after, next 01:00Z', { schedule: '0 2 * * *', timezone: 'Europe/Berlin', duration: '1h' }, '2026-01-15T02:30:00Z', closed('2026-01-16T01:00:00Z')],
    ['Europe/Berlin in summer (UTC+2): 02:00 local is 00:00Z', { schedule: '0 2 * * *', timezone: 'Europe/Berlin', duration: '1h' }, '2026-07-15T00:30:00Z', open('2026-07-15T01:00:00Z')],
    // 2026-03-29: Berlin skips 02:00-03:00 CET; 02:30 does not exist that day, the start is 03:00 CEST (01:00Z)
    ['DST spring forward: a start in the gap is moved to its end', { schedule: '30 2 * * *', timezone: 'Europe/Berlin', duration: '1h' }, '2026-03-29T00:45:00Z', closed('2026-03-29T01:00:00Z')],
    ['DST spring forward: open after the moved start', { schedule: '30 2 * * *', timezone: 'Europe/Berlin', duration: '1h' }, '2026-03-29T01:30:00Z', open('2026-03-29T02:00:00Z')],
    // 2026-10-25: Berlin repeats 02:00-03:00; 02:30 happens twice (00:30Z CEST, 01:30Z CET), the window opens once
    ['DST fall back: open at the first 02:30 (CEST)', { schedule: '30 2 * * *', timezone: 'Europe/Berlin', duration: '30m' }, '2026-10-25T00:45:00Z', open('2026-10-25T01:00:00Z')],
    ['DST fall back: the repeated 02:30 (CET) opens nothing', { schedule: '30 2 * * *', timezone: 'Europe/Berlin', duration: '30m' }, '2026-10-25T01:40:00Z', closed('2026-10-26T01:30:00Z')],
    ['America/New_York weekdays 22:00 for 3h: Friday night open into Saturday UTC', { schedule: '0 22 * * 1-5', timezone: 'America/New_York', duration: '3h' }, '2026-01-17T04:00:00Z', open('2026-01-17T06:00:00Z')],
    ['America/New_York weekdays: Saturday night closed, next Monday 22:00 EST', { schedule: '0 22 * * 1-5', timezone: 'America/New_York', duration: '3h' }, '2026-01-18T04:00:00Z', closed('2026-01-20T03:00:00Z')],
    ['a duration longer than the period: always open', { schedule: '0 * * * *', duration: '2h' }, '2026-03-10T10:30:00Z', open('2026-03-10T12:00:00Z')],
    ['first of the month for 2 days: open on the 2nd', { schedule: '0 0 1 * *', duration: '48h' }, '2026-04-02T23:59:00Z', open('2026-04-03T00:00:00Z')],
    ['day-of-month OR day-of-week (Vixie cron): "0 0 15 * 1" fires on Monday the 16th too', { schedule: '0 0 15 * 1', duration: '1h' }, '2026-03-16T00:10:00Z', open('2026-03-16T01:00:00Z')],
  ];
  for (const [name, timing, now, want] of table) it(name, () => assert.deepEqual(windowOpen(timing, at(now)), want));
});

describe('parseWindowDuration', () => {
  const good: Array<[string, number]> = [['2h', 7_200_000], ['30m', 1_800_000], ['1h30m', 5_400_000], ['90m', 5_400_000], [' 1m ', 60_000], ['744h', 744 * 3_600_000]];
  for (const [raw, ms] of good) it(`"${raw}" is ${ms} ms`, () => assert.equal(parseWindowDuration(raw), ms));
});

describe('checkWindowTiming refuses bad input, naming the field', () => {
  const bad: Array<[string, WindowTiming, string]> = [
    ['4 cron fields', { schedule: '0 2 * *', duration: '1h' }, 'schedule: "0 2 * *" must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ['6 cron fields (seconds)', { schedule: '0 0 2 * * *', duration: '1h' }, 'schedule: "0 0 2 * * *" must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), got 6'],
    ['a nickname', { schedule: '@daily', duration: '1h' }, 'schedule: "@daily" must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), got 1'],
    ['minute 61', { schedule: '61 2 * * *', duration: '1h' }, 'schedule: "61 2 * * *" is not a valid cron expression: Invalid value for minute: 61'],
    ['a word', { schedule: 'at two every day', duration: '1h' }, 'schedule: "at two every day" must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ['a date that never comes (February 31st)', { schedule: '0 0 31 2 *', duration: '1h' }, 'schedule: "0 0 31 2 *" never matches a date'],
    ['an unknown time zone', { schedule: '0 2 * * *', timezone: 'Mars/Olympus', duration: '1h' }, 'timezone: "Mars/Olympus" is not an IANA time zone (e.g. "UTC", "Europe/Berlin", "America/New_York")'],
    ['a duration unit that is not h or m', { schedule: '0 2 * * *', duration: '2d' }, 'duration: "2d" must be a duration of hours and/or minutes, e.g. "2h", "30m" or "1h30m"'],
    ['a fractional duration', { schedule: '0 2 * * *', duration: '1.5h' }, 'duration: "1.5h" must be a duration of hours and/or minutes, e.g. "2h", "30m" or "1h30m"'],
    ['an empty duration', { schedule: '0 2 * * *', duration: '' }, 'duration: "" must be a duration of hours and/or minutes, e.g. "2h", "30m" or "1h30m"'],
    ['a zero duration', { schedule: '0 2 * * *', duration: '0m' }, 'duration: "0m" must be from 1m to 744h (31 days)'],
    ['a duration over 31 days', { schedule: '0 2 * * *', duration: '745h' }, 'duration: "745h" must be from 1m to 744h (31 days)'],
  ];
  for (const [name, timing, message] of bad) {
    it(name, () => assert.throws(() => checkWindowTiming(timing, at('2026-03-10T00:00:00Z')), (err: Error) => err instanceof InvalidInputError && err.message === message));
  }
  it('windowOpen refuses the same input', () => {
    assert.throws(() => windowOpen({ schedule: '0 2 * *', duration: '1h' }, at('2026-03-10T00:00:00Z')), InvalidInputError);
  });
  it('accepts and trims a good timing', () => {
    assert.deepEqual(checkWindowTiming({ schedule: ' 0 22 * * 1-5 ', timezone: 'America/New_York', duration: ' 3h ' }), { schedule: '0 22 * * 1-5', duration: '3h' });
  });
});
