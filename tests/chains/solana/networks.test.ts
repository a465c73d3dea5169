import { describe, expect, it } from 'vitest';
import {
  caip2FromGenesisHash,
  explorerAddressUrl,
  explorerTxUrl,
  SOLANA_CLUSTERS,
  SOLANA_DEVNET_CAIP2,
  SOLANA_MAINNET_CAIP2,
  sameSolanaNetwork,
  solanaClusterOf,
} from '../../../lib/chains/solana/networks';
import { solanaNetworks } from '../../../lib/chains/solana/network';
import { resolveNetwork, sameAddress } from '../../../lib/chains/networks';

describe('Solana networks', () => {
  it('resolves every spelling to its cluster', () => {
    expect(solanaClusterOf('solana:devnet')).toBe('devnet');
    expect(solanaClusterOf('solana-devnet')).toBe('devnet');
    expect(solanaClusterOf(SOLANA_DEVNET_CAIP2)).toBe('devnet');
    expect(solanaClusterOf('solana:mainnet')).toBe('mainnet');
    expect(solanaClusterOf('solana:pubnet')).toBe('mainnet');
    expect(solanaClusterOf('solana')).toBe('mainnet');
    expect(solanaClusterOf(SOLANA_MAINNET_CAIP2)).toBe('mainnet');
    expect(solanaClusterOf('solana:localnet')).toBe('localnet');
    expect(solanaClusterOf('eip155:1')).toBeNull();
    expect(solanaClusterOf(undefined)).toBeNull();
  });

  it('compares CAIP-2 references case-sensitively (they are base58)', () => {
    expect(solanaClusterOf(SOLANA_DEVNET_CAIP2.toLowerCase())).toBeNull();
    expect(sameSolanaNetwork('solana:devnet', SOLANA_DEVNET_CAIP2)).toBe(true);
    expect(sameSolanaNetwork('SOLANA:DEVNET', 'solana-devnet')).toBe(true);
    expect(sameSolanaNetwork('solana:devnet', 'solana:mainnet')).toBe(false);
    expect(sameSolanaNetwork('solana:devnet', 'solana:localnet')).toBe(false);
    const local = caip2FromGenesisHash('4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY');
    expect(local).toBe('solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z');
    expect(sameSolanaNetwork(local, local)).toBe(true);
    expect(sameSolanaNetwork(local, 'solana:localnet')).toBe(false);
    expect(sameSolanaNetwork(local, local.replace('4uh', '4UH'))).toBe(false);
  });

  it('derives the CAIP-2 id of devnet and mainnet from their genesis hashes', () => {
    expect(caip2FromGenesisHash('EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG')).toBe(SOLANA_DEVNET_CAIP2);
    expect(caip2FromGenesisHash('5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d')).toBe(SOLANA_MAINNET_CAIP2);
    expect(() => caip2FromGenesisHash('0xabc')).toThrow();
  });

  it('has default RPC URLs and wallet chain ids per cluster', () => {
    expect(SOLANA_CLUSTERS.devnet).toMatchObject({ defaultRpcUrl: 'https://api.devnet.solana.com', walletChain: 'solana:devnet', caip2: SOLANA_DEVNET_CAIP2 });
    expect(SOLANA_CLUSTERS.mainnet.defaultRpcUrl).toBe('https://api.mainnet-beta.solana.com');
    expect(SOLANA_CLUSTERS.localnet).toMatchObject({ caip2: null, walletChain: 'solana:localnet' });
  });

  it('builds explorer links, with a custom RPC for localnet', () => {
    expect(explorerTxUrl('mainnet', 'abc')).toBe('https://explorer.solana.com/tx/abc');
    expect(explorerTxUrl('devnet', 'abc')).toBe('https://explorer.solana.com/tx/abc?cluster=devnet');
    expect(explorerAddressUrl('localnet', 'xyz', 'http://127.0.0.1:8899')).toBe(
      'https://explorer.solana.com/address/xyz?cluster=custom&customUrl=http%3A%2F%2F127.0.0.1%3A8899',
    );
  });

  it('feeds the core’s network table: aliases to CAIP-2, localnet as itself, RPCs, explorer, exact addresses', () => {
    expect(solanaNetworks.match('solana:devnet')).toEqual({ id: SOLANA_DEVNET_CAIP2, family: 'solana' });
    expect(solanaNetworks.match('solana:pubnet')).toEqual({ id: SOLANA_MAINNET_CAIP2, family: 'solana' });
    expect(solanaNetworks.match('solana:localnet')).toEqual({ id: 'solana:localnet', family: 'solana' });
    expect(solanaNetworks.match('solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z')).toEqual({ id: 'solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z', family: 'solana' });
    expect(solanaNetworks.match('eip155:1')).toBeNull();
    expect(resolveNetwork('solana-devnet')?.id).toBe(SOLANA_DEVNET_CAIP2);
    expect(solanaNetworks.defaultRpc[SOLANA_DEVNET_CAIP2]).toEqual(['https://api.devnet.solana.com']);
    expect(solanaNetworks.explorerTx!(SOLANA_DEVNET_CAIP2, 'sig')).toBe('https://explorer.solana.com/tx/sig?cluster=devnet');
    expect(solanaNetworks.explorerTx!('solana:localnet', 'sig')).toBeNull();
    expect(sameAddress('solana', 'AbC', 'abc')).toBe(false);
  });
});
