import { describe, expect, it } from 'vitest';
import { secretOf, sessionRecord } from '../support/db';
import { stubFacilitator } from '../support/facilitator';
import { testService } from '../support/service';

describe('upkeep: the facilitator is the truth', () => {
  it('an active session is checked every few minutes, adopting the facilitator\'s spent (a leaked id spent elsewhere)', async () => {
    let now = Date.now();
    const remote: Record<string, string> = {};
    const stub = stubFacilitator({ session: (id) => (remote[id] ? { status: 200, json: { id, cap: '1000000', spent: remote[id] } } : { status: 404, json: { error: 'session not found' } }) });
    const { service, db } = testService({ facilitator: stub.facilitator, now: () => now });
    const s = sessionRecord({ createdAt: now, spent: '100000' });
    await db.sessions.add(s);
    remote[secretOf(s)] = '1000000';
    expect(await service.upkeep.reconcileActive()).toBe(0); // just created: not due yet
    now += 5 * 60_000 + 1;
    expect(await service.upkeep.reconcileActive()).toBe(1);
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '1000000', status: 'exhausted', statusReason: 'spent_at_facilitator', remoteSpent: '1000000' });
  });

  it('with a call in flight the figure is kept and shown, not adopted; a forgotten session fails with its reason', async () => {
    const now = Date.now();
    const stub = stubFacilitator({ session: (id) => (id.startsWith('secret') ? { status: 200, json: { id, cap: '1000000', spent: '300000' } } : { status: 404, json: {} }) });
    const { service, db } = testService({ facilitator: stub.facilitator, now: () => now });
    const s = sessionRecord({ reserved: '100000', spent: '100000' });
    await db.sessions.add(s);
    await db.payments.add({ id: 'p1', sessionId: s.id, origin: s.origin, url: 'http://api.test/x', method: 'GET', amount: '100000', status: 'reserved', attemptId: 'a'.repeat(16), createdAt: now, updatedAt: now });
    await service.upkeep.reconcileSession(s.id);
    expect(await db.sessions.get(s.id)).toMatchObject({ spent: '100000', reserved: '100000', remoteSpent: '300000' });
    const lost = sessionRecord({ grant: { sessionId: 'gone-1234' } });
    await db.sessions.add(lost);
    await service.upkeep.reconcileSession(lost.id);
    expect(await db.sessions.get(lost.id)).toMatchObject({ status: 'failed', statusReason: 'session_not_found' });
  });
});

describe('allowances: one spender, many sessions', () => {
  it('sessions on the same token and spender share the allowance; a paused one resumes once the chain covers it', async () => {
    const { service, db } = testService();
    const a = sessionRecord({ origin: 'https://a.example', cap: '500000', spent: '200000' });
    const b = sessionRecord({ origin: 'https://b.example', cap: '500000' });
    const other = sessionRecord({ origin: 'https://c.example', spender: '0x1111111111111111111111111111111111111111' });
    await db.sessions.bulkAdd([a, b, other]);
    const shared = await service.ledger.onAllowance('evm', a.network, a.asset.toLowerCase(), a.spender.toUpperCase().replace('0X', '0x'));
    expect(shared.map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
    expect(await service.allowances.othersNeed(a)).toBe(500000n);
    // Paused for a failed 100000 payment; the chain then covers it again.
    await db.sessions.update(a.id, { status: 'paused', pausedFor: '100000' });
    await service.ledger.noteChain(a.id, { allowance: 50_000n });
    expect((await db.sessions.get(a.id))!.status).toBe('paused');
    expect(await service.ledger.resume(a.id, 'chain_covers_again')).toMatchObject({ status: 'active', statusReason: 'chain_covers_again' });
    expect((await db.sessions.get(a.id))!.pausedFor).toBeUndefined();
    expect(await service.ledger.resume(a.id, 'again')).toBeNull();
  });
});
