import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REASONS, reasonMessage, SERVER_REASON } from '../../lib/messaging/reasons';

describe('the reasons table', () => {
  it('the published .d.ts lists exactly the reasons the code can emit', () => {
    const dts = readFileSync('types/x402session.d.ts', 'utf8');
    const union = /export type X402Reason =([\s\S]*?);/.exec(dts)?.[1] ?? '';
    const listed = [...union.matchAll(/\|\s*'([a-z0-9_]+)'/g)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(Object.keys(REASONS)));
    expect(listed).toHaveLength(Object.keys(REASONS).length);
    expect(union).toContain('`http_${number}`');
  });

  it('every reason has a message; a server code passes through only when it is one', () => {
    for (const [k, v] of Object.entries(REASONS)) expect(v.length, k).toBeGreaterThan(10);
    expect(reasonMessage('cap_exceeded')).toBe(REASONS.cap_exceeded);
    expect(reasonMessage('invalid_exact_evm_nonce_already_used')).toBe('Payment failed: invalid_exact_evm_nonce_already_used');
    expect(SERVER_REASON.test('onchain_transfer_failed')).toBe(true);
    expect(SERVER_REASON.test('<img src=x>')).toBe(false);
    expect(SERVER_REASON.test('a'.repeat(65))).toBe(false);
  });
});
