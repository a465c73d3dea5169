import { describe, expect, it } from 'vitest';
import type { PageCaller } from '../../lib/background/sender';
import { stubFacilitator } from '../support/facilitator';
import { testService } from '../support/service';
import { header, paymentRequiredObject, sessionAccept } from '../support/x402';

const A: PageCaller = { kind: 'page', origin: 'http://dapp.test', tabId: 1, frameId: 0 };
let n = 0;
const viaFacilitator = { spender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', facilitatorUrl: 'https://facilitator.example' };
const pay = () => ({ url: 'http://api.test/x', method: 'GET', paymentRequired: header(paymentRequiredObject([sessionAccept({ extra: viaFacilitator })])), body: null, hadPayment: false, attemptId: (++n).toString(16).padStart(16, 'a') });
const params = { network: 'eip155:31337', asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3', cap: '1.00', expiresIn: 3600, recipient: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', facilitatorUrl: 'https://facilitator.example', apiOrigins: ['http://api.test'] };
const approvals = { request: async (p: { cap: string; expiresIn: number }) => ({ cap: p.cap, expiresIn: p.expiresIn }) };
const signer = { sign: async () => ({ user: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', txHash: '0x' + '12'.repeat(32) }) };

describe('opening a session when the facilitator fails after the approve', () => {
  it('keeps the approval as a pending session and registers it once the facilitator is back', async () => {
    let down = true;
    let attempts = 0;
    const stub = stubFacilitator({
      open: () => {
        attempts++;
        return down ? 'down' : { status: 201, json: { sessionId: 'fac-session-1234', spent: '0' } };
      },
    });
    const { service, db } = testService({ approvals: approvals as never, signer, registrationRetryDelaysMs: [1, 1], facilitator: stub.facilitator });
    await expect(service.opening.requestSession(A, params)).rejects.toMatchObject({ code: -32603, reason: 'facilitator_unreachable' });
    expect(attempts).toBe(3);
    const [pending] = await db.sessions.toArray();
    expect(pending).toMatchObject({ status: 'pending', grant: { sessionId: '', registration: { body: { approvalTxHash: '0x' + '12'.repeat(32), cap: '1000000' } } }, approvalTx: '0x' + '12'.repeat(32) });
    // Not payable while pending.
    expect(await service.paying.pay(A, pay())).toMatchObject({ pay: false, reason: 'session_inactive' });
    down = false;
    await service.upkeep.retryPendingRegistrations();
    const active = await db.sessions.get(pending!.id);
    expect(active).toMatchObject({ status: 'active', grant: { sessionId: 'fac-session-1234' } });
    expect(active!.grant.registration).toBeUndefined();
    expect((await service.paying.pay(A, pay())).pay).toBe(true);
  });

  it('the approval can only lower cap and expiry: a raised decision is refused before the wallet is asked', async () => {
    let walletAsked = 0;
    for (const decision of [{ cap: '1000001', expiresIn: 3600 }, { cap: '1000000', expiresIn: 3601 }, { cap: '0', expiresIn: 3600 }, { cap: '500000', expiresIn: 30 }]) {
      const { service, db } = testService({
        approvals: { request: async () => decision },
        signer: { sign: async () => { walletAsked++; return signer.sign(); } },
        facilitator: stubFacilitator({ open: () => ({ status: 201, json: { sessionId: 'never-reached' } }) }).facilitator,
      });
      await expect(service.opening.requestSession(A, params)).rejects.toMatchObject({ reason: 'invalid_decision' });
      expect(await db.sessions.count()).toBe(0);
    }
    expect(walletAsked).toBe(0);
  });

  it('a facilitator that refuses the approval fails the request without a pending session', async () => {
    const { service, db } = testService({
      approvals: approvals as never,
      signer,
      registrationRetryDelaysMs: [1, 1],
      facilitator: stubFacilitator({ open: () => ({ status: 400, json: { error: 'allowance too small' } }) }).facilitator,
    });
    await expect(service.opening.requestSession(A, params)).rejects.toMatchObject({ reason: 'facilitator_rejected' });
    expect(await db.sessions.count()).toBe(0);
    expect((await db.events.toArray())[0]).toMatchObject({ kind: 'session_failed', reason: 'facilitator_rejected' });
  });
});

describe('opening: what the window is asked, and what is refused first', () => {
  it('asks /supported once per approval, shows the scheme and what the signature allows', async () => {
    const stub = stubFacilitator({ open: () => ({ status: 201, json: { sessionId: 'fac-session-5678', spent: '0' } }) });
    let shown: Record<string, unknown> | null = null;
    const { service } = testService({ approvals: { request: async (p) => ((shown = p as never), { cap: p.cap, expiresIn: p.expiresIn }) }, signer, facilitator: stub.facilitator });
    const view = await service.opening.requestSession(A, params);
    expect(view).toMatchObject({ scheme: 'session', cap: '1000000', status: 'active' });
    expect(shown).toMatchObject({ scheme: 'session', spender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', facilitatorHost: 'facilitator.example' });
    expect(String(shown!.schemeSummary)).toMatch(/pull up to the cap/);
    expect(stub.calls.filter((c) => c.path === '/supported')).toHaveLength(1);
  });

  it('an unknown scheme or an unpayable network is refused before any window or request', async () => {
    const stub = stubFacilitator();
    let asked = 0;
    const { service } = testService({ approvals: { request: async () => (asked++, Promise.reject(new Error('no'))) }, facilitator: stub.facilitator });
    await expect(service.opening.requestSession(A, { ...params, scheme: 'nope' })).rejects.toMatchObject({ code: 4200, reason: 'unsupported_scheme' });
    await expect(service.opening.requestSession(A, { ...params, network: 'eip155:0' })).rejects.toMatchObject({ code: 4200, reason: 'unsupported_network' });
    expect(asked).toBe(0);
    expect(stub.calls).toHaveLength(0);
  });

  it('Stellar terms the chain cannot carry are refused with their reason, before any window or request', async () => {
    const stub = stubFacilitator();
    let asked = 0;
    const { service } = testService({ approvals: { request: async () => (asked++, Promise.reject(new Error('no'))) }, facilitator: stub.facilitator, tokenInfo: async () => ({ symbol: 'USDC', decimals: 7, verified: true }) });
    const stellar = { ...params, network: 'stellar:testnet', asset: 'CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA', recipient: 'GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5' };
    // A muxed M… account (its ed25519 key with a 64-bit id) as the recipient.
    const muxed = 'MBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLEAAAAAAAAAAAAAN3C';
    await expect(service.opening.requestSession(A, { ...stellar, recipient: muxed })).rejects.toMatchObject({ code: -32602, reason: 'invalid_params', message: expect.stringMatching(/muxed accounts \(M…\) are not supported/) });
    await expect(service.opening.requestSession(A, { ...stellar, recipient: stellar.recipient.toLowerCase() })).rejects.toMatchObject({ reason: 'invalid_params', message: expect.stringMatching(/upper case/) });
    await expect(service.opening.requestSession(A, { ...stellar, asset: stellar.recipient })).rejects.toMatchObject({ reason: 'invalid_params' });
    // Beyond i128 (2^127 - 1 base units of a 7-decimal token).
    await expect(service.opening.requestSession(A, { ...stellar, cap: '17014118346046923173168730371588.4105728' })).rejects.toMatchObject({ reason: 'invalid_params', message: expect.stringMatching(/larger than this token can hold/) });
    expect(asked).toBe(0);
    expect(stub.calls).toHaveLength(0);
  });
});
