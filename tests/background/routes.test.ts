import { describe, expect, it } from 'vitest';
import { RouteBook, type StoredRoute } from '../../lib/background/routes';
import { parsePaymentRequired } from '../../lib/x402/codec';
import { header, paymentRequiredObject, sessionAccept } from '../support/x402';

const raw = (amount = '100000') => ({ paymentRequired: header(paymentRequiredObject([sessionAccept({ amount })])), body: null });
const route = (sessionId: string, amount?: string) => {
  const r = raw(amount);
  const parsed = parsePaymentRequired(r);
  if (!parsed.ok) throw new Error('bad fixture');
  return { sessionId, parsed: parsed.value, option: parsed.value.accepts[0]!, raw: r };
};

describe('the paid-route book', () => {
  it('keys routes by page origin: another origin never finds this one\'s route', () => {
    const book = new RouteBook();
    book.learn('https://a.example', 'GET https://api.example/x', route('s1'));
    expect(book.get('https://a.example', 'GET https://api.example/x')?.sessionId).toBe('s1');
    expect(book.get('https://b.example', 'GET https://api.example/x')).toBeUndefined();
  });

  it('is bounded, oldest out; re-learning a route makes it the newest', () => {
    const book = new RouteBook(2);
    book.learn('o', 'k1', route('s1'));
    book.learn('o', 'k2', route('s2'));
    book.learn('o', 'k1', route('s1b'));
    book.learn('o', 'k3', route('s3'));
    expect(book.get('o', 'k2')).toBeUndefined();
    expect(book.get('o', 'k1')?.sessionId).toBe('s1b');
  });

  it('mirrors every change without secrets, restores what parses, drops what does not', () => {
    let mirrored: StoredRoute[] = [];
    const book = new RouteBook(10, (r) => (mirrored = r));
    book.learn('https://a.example', 'GET https://api.example/x', route('s1', '7'));
    book.learn('https://a.example', 'POST https://api.example/y', route('s2'));
    expect(mirrored.map((r) => [r.pageOrigin, r.key, r.sessionId])).toEqual([
      ['https://a.example', 'GET https://api.example/x', 's1'],
      ['https://a.example', 'POST https://api.example/y', 's2'],
    ]);
    const restored = new RouteBook();
    restored.restore([...mirrored, { pageOrigin: 'x', key: 'GET https://bad', sessionId: 's3', paymentRequired: 'not base64!', body: null, index: 0 }, { ...mirrored[0]!, key: 'GET https://idx', index: 5 }]);
    expect(restored.get('https://a.example', 'GET https://api.example/x')?.option.amount).toBe(7n);
    expect(restored.get('x', 'GET https://bad')).toBeUndefined();
    expect(restored.get('https://a.example', 'GET https://idx')).toBeUndefined();
    book.forgetSession('s2');
    expect(mirrored.map((r) => r.sessionId)).toEqual(['s1']);
    book.forget('https://a.example', 'GET https://api.example/x');
    expect(mirrored).toEqual([]);
  });
});
