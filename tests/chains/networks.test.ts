import { describe, expect, it } from 'vitest';
import { resolveNetwork, sameNetwork } from '../../lib/chains/networks';

describe('networks', () => {
  it('matches aliases but keeps unknown names unpayable', () => {
    expect(sameNetwork('base:sepolia', 'eip155:84532')).toBe(true);
    expect(sameNetwork('base-sepolia', 'base:sepolia')).toBe(true);
    expect(sameNetwork('base', 'eip155:84532')).toBe(false);
    expect(resolveNetwork('solana:devnet')).toMatchObject({ family: 'solana' });
    expect(resolveNetwork('__proto__')).toBeNull();
    expect(resolveNetwork('eip155:0')).toBeNull();
    expect(resolveNetwork('eip155:99999999999999999999')).toBeNull();
  });
});
