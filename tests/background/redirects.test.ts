import { describe, expect, it } from 'vitest';
import { RedirectLog } from '../../lib/background/redirects';

const send = (requestId: string, payment = true) => ({ requestId, requestHeaders: [{ name: 'Accept' }, ...(payment ? [{ name: 'PAYMENT-SIGNATURE' }] : [])] });
const hop = (requestId: string, over: Record<string, unknown> = {}) => ({ requestId, tabId: 1, frameId: 0, url: 'https://api.example/a', redirectUrl: 'https://api.example/b', statusCode: 307, method: 'POST', ...over });

describe('the log of redirected paid sends', () => {
  it('remembers only requests that carried a payment header, answers each once, for its own frame', async () => {
    const log = new RedirectLog();
    log.noteSend(send('r1'));
    log.noteSend(send('r2', false));
    log.noteRedirect(hop('r1'));
    log.noteRedirect(hop('r2', { url: 'https://api.example/unpaid' }));
    expect(await log.take(1, 0, 'https://api.example/unpaid', 0)).toBeNull();
    expect(await log.take(2, 0, 'https://api.example/a', 0)).toBeNull(); // another tab
    expect(await log.take(1, 0, 'https://api.example/a', 0)).toMatchObject({ redirectUrl: 'https://api.example/b', statusCode: 307 });
    expect(await log.take(1, 0, 'https://api.example/a', 0)).toBeNull(); // taken
  });

  it('waits for the browser\'s event when the page\'s report arrives first, and gives up after a while', async () => {
    const log = new RedirectLog();
    log.noteSend(send('r3'));
    const waiting = log.take(1, 0, 'https://api.example/a', 500);
    setTimeout(() => log.noteRedirect(hop('r3')), 50);
    expect(await waiting).toMatchObject({ redirectUrl: 'https://api.example/b' });
    const started = Date.now();
    expect(await log.take(1, 0, 'https://api.example/a', 100)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('forgets old entries', async () => {
    let now = 0;
    const log = new RedirectLog(() => now);
    log.noteSend(send('r4'));
    log.noteRedirect(hop('r4'));
    now = 11_000;
    expect(await log.take(1, 0, 'https://api.example/a', 0)).toBeNull();
  });
});
