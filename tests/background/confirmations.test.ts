import { describe, expect, it } from 'vitest';
import { PaymentConfirmations } from '../../lib/background/confirmations';

const prompt = (origin = 'https://a.example') => ({ origin, url: 'https://api.example/x', method: 'GET', amount: '10000', symbol: 'USDC', decimals: 6, network: 'eip155:31337', networkLabel: 'Local devnet', recipient: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', sessionId: 's1', remainingAfter: '90000' });

function setup(options = {}) {
  let now = 1_000_000;
  const opened: string[] = [];
  const closed: number[] = [];
  const c = new PaymentConfirmations({ open: async (id) => (opened.push(id), 100 + opened.length), close: async (w) => void closed.push(w) }, () => now, { armMs: 500, cooldownMs: 5_000, perMinute: 3, timeoutMs: 60_000, ...options });
  const tick = (ms: number) => (now += ms);
  const last = () => opened.at(-1)!;
  const ready = () => new Promise((r) => setTimeout(r, 0));
  return { c, opened, closed, tick, last, ready };
}

describe('PaymentConfirmations ("always ask", issue 15)', () => {
  it('Pay counts only once armed; the window closes after the decision', async () => {
    const { c, closed, tick, last, ready } = setup();
    const outcome = c.confirm(prompt());
    await ready();
    expect(c.decide(last(), true)).toBe(false);
    tick(500);
    expect(c.decide(last(), true)).toBe(true);
    expect(await outcome).toBe('pay');
    expect(c.get(last())).toBeNull();
    expect(closed).toEqual([101]);
  });

  it('one open window per site; other sites are not blocked by it', async () => {
    const { c, opened, last, ready } = setup();
    const first = c.confirm(prompt());
    await ready();
    expect(await c.confirm(prompt())).toBe('confirm_pending');
    const other = c.confirm(prompt('https://b.example'));
    await ready();
    expect(opened).toHaveLength(2);
    c.decide(last(), false);
    expect(await other).toBe('user_rejected');
    c.decide(opened[0]!, false);
    expect(await first).toBe('user_rejected');
  });

  it('closing the window is a Reject, followed by a cooldown for that site', async () => {
    const { c, opened, tick, ready } = setup();
    const outcome = c.confirm(prompt());
    await ready();
    c.windowClosed(101);
    expect(await outcome).toBe('user_rejected');
    expect(await c.confirm(prompt())).toBe('confirm_cooldown');
    tick(5_001);
    const again = c.confirm(prompt());
    await ready();
    expect(opened).toHaveLength(2);
    tick(500);
    c.decide(opened[1]!, true);
    expect(await again).toBe('pay');
  });

  it('at most perMinute windows a minute per site; a window left alone is a Reject after the timeout', async () => {
    const { c, last, tick, ready } = setup({ timeoutMs: 30 });
    for (let i = 0; i < 3; i++) {
      const o = c.confirm(prompt());
      await ready();
      tick(600);
      c.decide(last(), true);
      expect(await o).toBe('pay');
    }
    expect(await c.confirm(prompt())).toBe('rate_limited');
    tick(60_000);
    // Left alone: the 30 ms timeout answers for the person.
    expect(await c.confirm(prompt())).toBe('user_rejected');
  });

  it('a window that cannot be opened declines (nothing is paid)', async () => {
    const c = new PaymentConfirmations({ open: async () => Promise.reject(new Error('no windows')), close: async () => undefined }, () => 0);
    expect(await c.confirm(prompt())).toBe('approval_window_failed');
  });
});
