import { describe, expect, it } from 'vitest';
import { defaultAsset, defaultRpcs, networkLabel, networksWithDefaultRpc, resolveNetwork, sameAddress, sameNetwork } from '../../lib/chains/networks';

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

  it('knows the Stellar networks from one table: testnet, pubnet and the devnet\'s stellar:local', () => {
    expect(resolveNetwork('stellar:local')).toEqual({ id: 'stellar:local', family: 'stellar' });
    expect(resolveNetwork('Stellar:Standalone')).toEqual({ id: 'stellar:local', family: 'stellar' });
    expect(resolveNetwork('stellar')).toEqual({ id: 'stellar:pubnet', family: 'stellar' });
    expect(sameNetwork('stellar:mainnet', 'stellar:pubnet')).toBe(true);
    expect(sameNetwork('stellar:local', 'stellar:testnet')).toBe(false);
    expect(networkLabel('stellar:testnet')).toBe('Stellar Testnet');
    expect(defaultRpcs('stellar:testnet')).toEqual(['https://soroban-testnet.stellar.org']);
    expect(defaultRpcs('stellar:local')).toEqual(['http://127.0.0.1:8000']);
    expect(networksWithDefaultRpc()).toEqual(expect.arrayContaining(['stellar:pubnet', 'stellar:testnet', 'stellar:local']));
    expect(defaultAsset('stellar:testnet')).toBe('CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA');
    expect(defaultAsset('stellar:local')).toBeUndefined();
    // Strkeys are case-sensitive: a lower-cased key is another string, never the same address.
    const g = 'GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5';
    expect(sameAddress('stellar', g, g)).toBe(true);
    expect(sameAddress('stellar', g, g.toLowerCase())).toBe(false);
  });
});
