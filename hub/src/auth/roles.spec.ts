import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAccess, hasRole, requiredRole, type Principal, type RouteAccess } from './roles.js';

const admin: Principal = { name: 'a', role: 'admin' };
const operator: Principal = { name: 'o', role: 'operator' };
const viewer: Principal = { name: 'v', role: 'viewer' };

describe('role table', () => {
  it('orders roles admin ⊇ operator ⊇ viewer', () => {
    assert.ok(hasRole('admin', 'operator') && hasRole('admin', 'viewer') && hasRole('operator', 'viewer'));
    assert.ok(!hasRole('viewer', 'operator') && !hasRole('operator', 'admin'));
  });

  it('defaults to viewer for reads and admin for writes', () => {
    assert.equal(requiredRole('GET'), 'viewer');
    assert.equal(requiredRole('HEAD'), 'viewer');
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) assert.equal(requiredRole(m), 'admin');
    assert.equal(requiredRole('PATCH', 'operator'), 'operator');
    assert.equal(requiredRole('GET', 'admin'), 'admin');
  });

  // route, credentials → decision
  const table: Array<[string, RouteAccess, 'none' | 'invalid' | Principal, string]> = [
    ['public route, no token', { method: 'GET', public: true }, 'none', 'allow'],
    ['public route, bad token', { method: 'GET', public: true }, 'invalid', 'allow'],
    ['GET, no token', { method: 'GET' }, 'none', 'unauthenticated'],
    ['GET, bad token', { method: 'GET' }, 'invalid', 'invalid-token'],
    ['GET, viewer', { method: 'GET' }, viewer, 'allow'],
    ['POST source, viewer', { method: 'POST' }, viewer, 'forbidden'],
    ['POST source, operator', { method: 'POST' }, operator, 'forbidden'],
    ['POST source, admin', { method: 'POST' }, admin, 'allow'],
    ['PATCH cluster, viewer', { method: 'PATCH', role: 'operator' }, viewer, 'forbidden'],
    ['PATCH cluster, operator', { method: 'PATCH', role: 'operator' }, operator, 'allow'],
    ['sync, admin', { method: 'POST', role: 'operator' }, admin, 'allow'],
    ['GET audit, operator', { method: 'GET', role: 'admin' }, operator, 'forbidden'],
    ['webhook, no token', { method: 'POST', role: 'operator', anonymousAllowed: true }, 'none', 'allow'],
    ['webhook, viewer', { method: 'POST', role: 'operator', anonymousAllowed: true }, viewer, 'forbidden'],
    ['webhook, bad token', { method: 'POST', role: 'operator', anonymousAllowed: true }, 'invalid', 'invalid-token'],
  ];
  for (const [what, route, creds, want] of table) {
    it(`${what} → ${want}`, () => assert.equal(decideAccess(route, creds), want));
  }
});
