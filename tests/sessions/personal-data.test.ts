import { describe, expect, it } from 'vitest';
import { ApprovalQueue } from '../../lib/background/approvals';
import { handleUiCall, uiHandlers, type UiDeps } from '../../lib/background/ui';
import { REDACTED_GRANT } from '../../lib/sessions/personal-data';
import { UI_CHANNEL } from '../../lib/messaging/channels';
import { applySettingsPatch, readSettings, type Settings } from '../../lib/settings';
import { secretOf, sessionRecord } from '../support/db';
import { testService } from '../support/service';

/** The options page's two data commands, through the same handlers the background runs. */
function setup() {
  const t = testService();
  let stored: Settings = applySettingsPatch(readSettings(undefined), { rpc: { 'eip155:31337': 'http://127.0.0.1:8545' }, preemptive: false });
  const approvals = new ApprovalQueue({ open: async () => 1, close: async () => undefined, changed: () => undefined });
  const deps: UiDeps = {
    service: t.service,
    approvals,
    db: t.db,
    settings: async () => stored,
    updateSettings: async (p) => (stored = applySettingsPatch(stored, p)),
    resetSettings: async () => (stored = readSettings(undefined)),
  };
  const handlers = uiHandlers(deps);
  const call = async (method: string, params: Record<string, unknown> = {}) => (await handleUiCall(handlers, { channel: UI_CHANNEL, method, params })) as { result?: unknown; error?: { reason: string } };
  return { ...t, call, settings: () => stored };
}

async function seed(db: ReturnType<typeof setup>['db']) {
  const live = sessionRecord({ spent: '200000' });
  const done = sessionRecord({ status: 'exhausted', spent: '1000000' });
  await db.sessions.bulkAdd([live, done]);
  const now = Date.now();
  await db.payments.bulkAdd([
    { id: 'p1', sessionId: live.id, origin: live.origin, url: 'http://api.test/chat', method: 'POST', amount: '100000', status: 'settled', txHash: '0x' + '11'.repeat(32), createdAt: now - 2, updatedAt: now },
    { id: 'p2', sessionId: live.id, origin: live.origin, url: 'http://api.test/chat', method: 'POST', amount: '100000', status: 'settled', txHash: '0x' + '22'.repeat(32), createdAt: now - 1, updatedAt: now },
  ]);
  await db.events.add({ at: now, origin: live.origin, kind: 'payment_declined', reason: 'cap_exceeded', url: 'http://api.test/chat' });
  return { live, done };
}

describe('data.export', () => {
  it('returns every session, payment, event and the settings, with no bearer secret anywhere', async () => {
    const t = setup();
    const { live, done } = await seed(t.db);
    const reply = await t.call('data.export');
    expect(reply.error).toBeUndefined();
    const out = reply.result as any;
    expect(out).toMatchObject({ format: 'x402-session-wallet-export', formatVersion: 1, schemaVersion: t.db.verno });
    expect(out.sessions.map((s: any) => s.id).sort()).toEqual([live.id, done.id].sort());
    expect(out.sessions.every((s: any) => JSON.stringify(s.grant) === JSON.stringify(REDACTED_GRANT))).toBe(true);
    expect(out.payments.map((p: any) => p.txHash)).toEqual(['0x' + '11'.repeat(32), '0x' + '22'.repeat(32)]);
    expect(out.events).toHaveLength(1);
    expect(out.settings).toMatchObject({ preemptive: false, rpc: { 'eip155:31337': 'http://127.0.0.1:8545' } });
    const text = JSON.stringify(out);
    expect(text).not.toContain(secretOf(live));
    expect(text).not.toContain(secretOf(done));
  });
});

describe('data.clear', () => {
  it('refuses without the confirmation literal and deletes nothing', async () => {
    const t = setup();
    await seed(t.db);
    for (const params of [{}, { confirm: 'yes' }, { confirm: true }]) {
      expect((await t.call('data.clear', params)).error).toMatchObject({ reason: 'invalid_params' });
    }
    expect(await t.db.sessions.count()).toBe(2);
  });

  it('ends live sessions first (their pages hear it), then deletes every row and resets the settings', async () => {
    const t = setup();
    const { live, done } = await seed(t.db);
    const reply = await t.call('data.clear', { confirm: 'delete-everything' });
    expect(reply.result).toEqual({ sessions: 2, payments: 2, events: 1 });
    // Only the live one is ended; the exhausted one is simply deleted.
    expect(t.notified).toEqual([live.id]);
    expect(t.notified).not.toContain(done.id);
    expect(await t.db.sessions.count()).toBe(0);
    expect(await t.db.payments.count()).toBe(0);
    expect(await t.db.events.count()).toBe(0);
    expect(t.settings()).toEqual(readSettings(undefined));
    const after = (await t.call('data.export')).result as any;
    expect([after.sessions.length, after.payments.length, after.events.length]).toEqual([0, 0, 0]);
  });
});
