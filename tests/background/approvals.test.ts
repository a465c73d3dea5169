import { describe, expect, it } from 'vitest';
import { ApprovalQueue } from '../../lib/background/approvals';
import type { PageCaller } from '../../lib/background/sender';
import type { ApprovalPrompt, ApprovalState } from '../../lib/messaging/approval';

const caller: PageCaller = { kind: 'page', origin: 'https://a.example', tabId: 7, frameId: 0 };
const prompt = (id: string): ApprovalPrompt => ({
  id, origin: caller.origin, source: 'dapp', network: 'eip155:84532', networkLabel: 'Base Sepolia', scheme: 'session', schemeSummary: '…',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', token: { symbol: 'USDC', decimals: 6, verified: true }, recipient: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  spender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', facilitatorUrl: 'https://f.example', facilitatorHost: 'f.example', cap: '1000000', expiresIn: 3600, perCallMax: null, existing: [],
});

function queue(opts: { failOpen?: boolean } = {}) {
  const opened: string[] = [];
  const closed: number[] = [];
  const changes: [string, ApprovalState][] = [];
  let next = 100;
  const q = new ApprovalQueue({
    open: async (id) => {
      if (opts.failOpen) throw new Error('no windows here');
      opened.push(id);
      return next++;
    },
    close: async (w) => void closed.push(w),
    changed: (id, s) => void changes.push([id, s]),
  });
  return { q, opened, closed, changes };
}

describe('the approval broker', () => {
  it('an approve resolves the request with the decision, exactly once', async () => {
    const { q, opened } = queue();
    const pending = q.request(prompt('p1'), caller);
    await Promise.resolve();
    expect(opened).toEqual(['p1']);
    expect(q.get('p1')).toMatchObject({ step: 'waiting', tabId: 7 });
    expect(q.decide('p1', { cap: '500000', expiresIn: 600 })).toBe(true);
    expect(q.decide('p1', 'reject')).toBe(false);
    await expect(pending).resolves.toEqual({ cap: '500000', expiresIn: 600 });
  });

  it('Reject and closing the window both reject with 4001; an unknown window changes nothing', async () => {
    const { q } = queue();
    const a = q.request(prompt('a'), caller);
    q.decide('a', 'reject');
    await expect(a).rejects.toMatchObject({ code: 4001, reason: 'user_rejected' });
    expect(q.get('a')).toBeNull();
    const b = q.request(prompt('b'), caller);
    await new Promise((r) => setTimeout(r, 0));
    q.windowClosed(999);
    expect(q.get('b')).not.toBeNull();
    q.windowClosed(101); // `a` had window 100, `b` has 101
    await expect(b).rejects.toMatchObject({ code: 4001 });
  });

  it('a window that cannot open fails the request instead of hanging', async () => {
    const { q } = queue({ failOpen: true });
    await expect(q.request(prompt('c'), caller)).rejects.toMatchObject({ reason: 'approval_window_failed' });
    expect(q.get('c')).toBeNull();
  });

  it('progress reaches the window; done and failed end the prompt and close its window later', async () => {
    const { q, changes } = queue();
    const p = q.request(prompt('d'), caller);
    await new Promise((r) => setTimeout(r, 0));
    q.decide('d', { cap: '1', expiresIn: 60 });
    await p;
    q.progress('d', 'wallet');
    q.progress('d', 'failed', 'the wallet said no');
    expect(changes.map(([, s]) => [s.step, s.message])).toEqual([['wallet', undefined], ['failed', 'the wallet said no']]);
    expect(q.get('d')).toBeNull();
    // A closed window after the decision is not a second answer.
    q.windowClosed(100);
  });
});
