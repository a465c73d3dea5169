import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSolanaStack, type SolanaStack } from '../../devnet/solana/stack';
import { ApprovalQueue } from '../../lib/background/approvals';
import type { WalletSigner } from '../../lib/background/context';
import type { PageCaller } from '../../lib/background/sender';
import { outcomeOf } from '../../lib/background/tab-signer';
import type { SolanaSessionRequest } from '../../lib/chains/solana';
import type { WalletRequest } from '../../lib/chains/types';
import { RpcCode, WalletError } from '../../lib/errors';
import type { ApprovalState } from '../../lib/messaging/approval';
import { signAsWallet } from '../chains/solana/support/sign';
import { testService } from '../support/service';

// Opening a Solana session through the background service, against the devnet's runtime and
// facilitator: what is refused before any window, the wallet picker when several wallets answer,
// the check of the signed bytes, and the first payment.
let stack: SolanaStack;
const A: PageCaller = { kind: 'page', origin: 'http://127.0.0.1:5555', tabId: 1, frameId: 0 };
let attempt = 0;

beforeAll(async () => {
  stack = await startSolanaStack({ quiet: true, payerCount: 3 });
});
afterAll(() => stack?.stop());

/** The Solana chunk as the background sees it: several wallets → choose_wallet, then the one named signs. */
function twoWallets(payerIndex: number, asked: WalletRequest[]): WalletSigner {
  return {
    sign: async (_caller, _chain, request) => {
      asked.push(request);
      if (request.walletName === undefined) return outcomeOf({ ok: false, code: 4900, reason: 'choose_wallet', message: 'Several Solana wallets are installed', choices: ['Phantom', 'Solflare', 'Solflare', 7, 'x'.repeat(65)] });
      if (request.walletName !== 'Solflare') return outcomeOf({ ok: false, code: 4900, reason: 'no_wallet', message: 'not found' });
      return outcomeOf({ ok: true, ...signAsWallet(request as SolanaSessionRequest, stack.payers[payerIndex]!.keypair) });
    },
  };
}

function service(payerIndex: number, o: { choose?: (wallets: string[]) => Promise<string>; asked?: WalletRequest[]; windows?: unknown[] } = {}) {
  const asked = o.asked ?? [];
  return testService({
    approvals: {
      request: async (p) => (o.windows?.push(p), { cap: p.cap, expiresIn: p.expiresIn }),
      chooseWallet: async (_id, wallets) => (o.choose ? o.choose(wallets) : 'Solflare'),
    },
    signer: twoWallets(payerIndex, asked),
    tokenInfo: async () => ({ symbol: 'USDC', decimals: 6, verified: false }),
    rpcs: async () => [stack.rpc.url],
    allowPrivateFacilitators: async () => true,
    // The adapter's own check of the signed bytes (no stub: this is what is under test).
    verifyWallet: (chain, rpc, request, result) => chain.verifyWallet(rpc, request, result),
  });
}

const params = () => ({ network: 'solana:devnet', asset: stack.mint.address, cap: '0.50', expiresIn: 3600, recipient: stack.recipient.address, facilitatorUrl: stack.facilitator.url, apiOrigins: ['http://api.test'] });

describe('opening a Solana session in the background', () => {
  it('asks the person which wallet when several answer, signs there once, stores the session and pays its first call', async () => {
    const asked: WalletRequest[] = [];
    let offered: string[] = [];
    const { service: svc, db } = service(0, { asked, choose: async (w) => ((offered = w), 'Solflare') });
    const view = await svc.opening.requestSession(A, params());
    expect(view).toMatchObject({ network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', status: 'active', cap: '500000', spent: '0' });
    // Page-supplied names, cleaned: no duplicates, no non-strings, none too long.
    expect(offered).toEqual(['Phantom', 'Solflare']);
    expect(asked.map((r) => r.walletName)).toEqual([undefined, 'Solflare']);
    const [row] = await db.sessions.toArray();
    expect(row).toMatchObject({ user: stack.payers[0]!.address, spender: stack.facilitator.address, approvalTx: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/) });
    expect(stack.runtime.signatureStatus(row!.approvalTx)).toMatchObject({ err: null });
    expect(stack.tokenAccount(stack.payers[0]!.address)).toMatchObject({ delegate: stack.facilitator.address, delegatedAmount: 500_000n });

    const accepted = { scheme: 'session', network: 'solana:devnet', amount: '10000', asset: stack.mint.address, payTo: stack.recipient.address, maxTimeoutSeconds: 60, extra: { facilitatorUrl: stack.facilitator.url, spender: stack.facilitator.address } };
    const paymentRequired = Buffer.from(JSON.stringify({ x402Version: 2, resource: { url: 'http://api.test/x' }, accepts: [accepted] })).toString('base64');
    const paid = await svc.paying.pay(A, { url: 'http://api.test/x', method: 'GET', paymentRequired, body: null, hadPayment: false, attemptId: (++attempt).toString(16).padStart(16, 'b') });
    expect(paid).toMatchObject({ pay: true, amount: '10000' });
    if (!paid.pay) return;
    const header = JSON.parse(Buffer.from(paid.header.value, 'base64').toString()) as { payload: Record<string, unknown>; resource: unknown };
    expect(header.payload).toEqual({ sessionId: row!.grant.sessionId, amount: '10000' });
    expect(header.resource).toEqual({ url: 'http://api.test/x' });
    expect(paid.redact).toEqual([row!.grant.sessionId]);
  });

  it('declining the wallet choice is a refusal (4001): nothing stored, nothing signed', async () => {
    const asked: WalletRequest[] = [];
    const { service: svc, db } = service(1, { asked, choose: async () => Promise.reject(new WalletError(RpcCode.UserRejected, 'user_rejected', 'The person declined to choose a wallet.')) });
    // The broker's own refusal shape, as the window's Cancel gives it.
    const queue = new ApprovalQueue({ open: async () => 1, close: async () => undefined, changed: () => undefined });
    const pending = queue.request({ id: 'p', origin: A.origin } as never, A);
    queue.decide('p', { cap: '1', expiresIn: 600 });
    await pending;
    const choice = queue.chooseWallet('p', ['Phantom', 'Solflare']);
    expect(queue.get('p')).toMatchObject({ step: 'wallet', wallets: ['Phantom', 'Solflare'] });
    expect(queue.choseWallet('p', 'Backpack')).toBe(false);
    expect(queue.choseWallet('p', null)).toBe(true);
    await expect(choice).rejects.toMatchObject({ code: 4001, reason: 'user_rejected' });
    expect((queue.get('p') as ApprovalState).wallets).toBeUndefined();
    // Through the service: the chooser refusing ends the opening, nothing stored.
    await expect(svc.opening.requestSession(A, params())).rejects.toMatchObject({ code: 4001, reason: 'user_rejected' });
    expect(asked).toHaveLength(1);
    expect(await db.sessions.count()).toBe(0);
    expect(stack.tokenAccount(stack.payers[1]!.address)?.delegate).toBeNull();
  });

  it('closing the window while it asks which wallet rejects the choice', async () => {
    const queue = new ApprovalQueue({ open: async () => 42, close: async () => undefined, changed: () => undefined });
    const pending = queue.request({ id: 'q', origin: A.origin } as never, A);
    await new Promise((r) => setTimeout(r, 0));
    queue.decide('q', { cap: '1', expiresIn: 600 });
    await pending;
    const choice = queue.chooseWallet('q', ['Phantom', 'Solflare']);
    queue.windowClosed(42);
    await expect(choice).rejects.toMatchObject({ code: 4001 });
  });

  it('refuses before any window: a token account, a program or a bad key as recipient; a cap above u64', async () => {
    const windows: unknown[] = [];
    const asked: WalletRequest[] = [];
    const { service: svc, db } = service(2, { windows, asked });
    for (const recipient of [stack.payers[2]!.tokenAccount, 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', '0OIl' + stack.recipient.address.slice(4), stack.recipient.address.slice(0, 31)]) {
      await expect(svc.opening.requestSession(A, { ...params(), recipient }), recipient).rejects.toMatchObject({ code: -32602, reason: 'invalid_params' });
    }
    // 2^64 base units at 6 decimals: the token cannot hold it.
    await expect(svc.opening.requestSession(A, { ...params(), cap: '18446744073709.551616' })).rejects.toMatchObject({ code: -32602, reason: 'invalid_params' });
    expect(windows).toHaveLength(0);
    expect(asked).toHaveLength(0);
    expect(await db.sessions.count()).toBe(0);
  });
});
