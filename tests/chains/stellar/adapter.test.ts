import { StrKey } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStellarStack, type StellarStack } from '../../../devnet/stellar/stack';
import { I128_MAX, sacApproveRequest, stellarChain } from '../../../lib/chains/stellar';
import { resolveNetwork } from '../../../lib/chains/networks';
import { chainFor } from '../../../lib/chains/registry';
import { addr, i128, invoke, u32 } from '../../devnet/stellar/support/stellar';

// The Stellar ChainAdapter against the devnet stand-in: address rules, token reads, the approve
// request, and the on-chain check of what a signer chunk reports (real transactions signed with
// stellar-sdk in Node, as Freighter would).

let stellar: StellarStack;
beforeAll(async () => {
  stellar = await startStellarStack({ quiet: true, payerCount: 1 });
});
afterAll(() => stellar?.stop());

// A real muxed strkey (ed25519 key + 64-bit id), as a page might send it.
const MUXED = StrKey.encodeMed25519PublicKey(Buffer.alloc(40, 7));

describe('the Stellar chain adapter', () => {
  it('is registered for the stellar family, with exact-case keys and the i128 bound', () => {
    expect(chainFor('stellar')).toBe(stellarChain);
    const g = stellar.accounts.recipient.publicKey;
    expect(stellarChain.isAddress(g)).toBe(true);
    expect(stellarChain.isAddress(stellar.asset.contractId)).toBe(true);
    expect(stellarChain.isAddress(g.toLowerCase())).toBe(false);
    expect(stellarChain.isAddress(MUXED)).toBe(false);
    expect(stellarChain.addressProblem!(MUXED)).toMatch(/muxed accounts \(M…\) are not supported/);
    expect(stellarChain.addressProblem!(g)).toBeNull();
    expect(stellarChain.addressProblem!(`${g.slice(0, -1)}A`)).toMatch(/checksum|characters/);
    expect(stellarChain.addressKey(g)).toBe(g);
    expect(stellarChain.maxAmount).toBe(I128_MAX);
    expect(stellarChain.signer).toEqual({ file: '/signer-stellar.js', entry: 'stellar' });
  });

  it('reads the SAC and an allowance through Soroban RPC, without the SDK', async () => {
    expect(await stellarChain.readToken(stellar.rpc.url, stellar.asset.contractId)).toEqual({ symbol: 'USDC', decimals: 7, name: `USDC:${stellar.asset.issuer}` });
    expect(await stellarChain.readAllowance(stellar.rpc.url, stellar.asset.contractId, stellar.accounts.payers[0]!.publicKey, stellar.facilitator.address)).toBe(0n);
  });

  it('builds the sac-approve request only with an expiration ledger and in-range amounts', () => {
    const network = resolveNetwork('stellar:local')!;
    const base = { network, asset: stellar.asset.contractId, spender: stellar.facilitator.address, amount: 10_000_000n, expiresAt: 2_000_000_000 };
    expect(stellarChain.approveRequest({ ...base, expiresAtHeight: 1234 })).toEqual({
      kind: 'sac-approve',
      network: 'stellar:local',
      networkPassphrase: 'Standalone Network ; February 2017',
      asset: stellar.asset.contractId,
      spender: stellar.facilitator.address,
      amount: '10000000',
      expirationLedger: 1234,
    });
    // No ledger read (an allowance changed from the popup): the seconds left, for the chunk to turn into ledgers.
    expect(sacApproveRequest(base, 2_000_000_000 - 600)).toMatchObject({ expiresInSeconds: 600 });
    expect(sacApproveRequest({ ...base, amount: 0n }, 2_000_000_100)).toMatchObject({ amount: '0', expiresInSeconds: 1 });
    expect(() => stellarChain.approveRequest({ ...base, expiresAtHeight: 1234, amount: I128_MAX + 1n })).toThrow(/i128/);
    expect(() => stellarChain.approveRequest({ ...base, expiresAtHeight: 1234, amount: -1n })).toThrow(/i128/);
    expect(() => stellarChain.approveRequest({ ...base, expiresAtHeight: 2 ** 32 })).toThrow(/u32/);
    expect(() => stellarChain.approveRequest({ ...base, expiresAtHeight: 1234, spender: MUXED })).toThrow(/muxed/);
    expect(() => stellarChain.approveRequest({ ...base, expiresAtHeight: 1234, asset: stellar.facilitator.address })).toThrow(/contract/);
  });

  it('verifies on chain that exactly the asked approve happened, and says what differs otherwise', async () => {
    const payer = stellar.createPayer();
    const spender = stellar.facilitator.address;
    const expirationLedger = stellar.ledger.latestSequence + 500;
    const request = stellarChain.approveRequest({ network: resolveNetwork('stellar:local')!, asset: stellar.asset.contractId, spender, amount: 5_000_000n, expiresAt: 0, expiresAtHeight: expirationLedger });
    const { hash, status } = await invoke(stellar.rpc.url, stellar.passphrase, payer, stellar.asset.contractId, 'approve', [addr(payer.publicKey), addr(spender), i128(5_000_000n), u32(expirationLedger)]);
    expect(status).toBe('SUCCESS');
    const verify = (req: object, result: { user: string; txHash: string }) => stellarChain.verifyWallet(stellar.rpc.url, req as never, result);

    expect(await verify(request, { user: payer.publicKey, txHash: hash })).toBeNull();
    // What the page world could misreport, each caught by the chain.
    expect(await verify({ ...request, amount: '6000000' }, { user: payer.publicKey, txHash: hash })).toMatch(/is for 5000000, not 6000000/);
    expect(await verify({ ...request, spender: stellar.accounts.recipient.publicKey }, { user: payer.publicKey, txHash: hash })).toMatch(/another spender/);
    expect(await verify({ ...request, expirationLedger: expirationLedger + 1 }, { user: payer.publicKey, txHash: hash })).toMatch(/expires at ledger/);
    expect(await verify(request, { user: stellar.accounts.recipient.publicKey, txHash: hash })).toMatch(/not sent by the reported payer/);
    expect(await verify({ ...request, networkPassphrase: 'Test SDF Network ; September 2015' }, { user: payer.publicKey, txHash: hash })).toMatch(/not this session's network/);
    expect(await verify({ ...request, kind: 'erc20-approve' }, { user: payer.publicKey, txHash: hash })).toMatch(/not a SAC approve/);
    expect(await verify(request, { user: payer.publicKey, txHash: 'XYZ' })).toMatch(/not a transaction hash/);
    // Not visible (yet): a throw, so the caller retries rather than storing or refusing.
    await expect(verify(request, { user: payer.publicKey, txHash: 'ab'.repeat(32) })).rejects.toThrow(/not found/);

    // Another successful transaction from the same payer is not the approve.
    const transfer = await invoke(stellar.rpc.url, stellar.passphrase, payer, stellar.asset.contractId, 'transfer', [addr(payer.publicKey), addr(stellar.accounts.recipient.publicKey), i128(1n)]);
    expect(await verify(request, { user: payer.publicKey, txHash: transfer.hash })).toMatch(/calls transfer, not approve/);

    // A later approve replaced the allowance: the first one no longer backs a session.
    await invoke(stellar.rpc.url, stellar.passphrase, payer, stellar.asset.contractId, 'approve', [addr(payer.publicKey), addr(spender), i128(1n), u32(expirationLedger + 5)]);
    expect(await verify(request, { user: payer.publicKey, txHash: hash })).toMatch(/another approve replaced it/);
  });

  it('verifies a request that left the ledger to the chunk (bounded by the seconds asked), and a revoke to 0', async () => {
    const payer = stellar.createPayer();
    const spender = stellar.facilitator.address;
    const network = resolveNetwork('stellar:local')!;
    const now = Math.floor(Date.now() / 1000);
    const request = sacApproveRequest({ network, asset: stellar.asset.contractId, spender, amount: 3n, expiresAt: now + 100 }, now);
    const approveTo = async (amount: bigint, ledger: number) => (await invoke(stellar.rpc.url, stellar.passphrase, payer, stellar.asset.contractId, 'approve', [addr(payer.publicKey), addr(spender), i128(amount), u32(ledger)])).hash;
    const verify = (req: object, txHash: string) => stellarChain.verifyWallet(stellar.rpc.url, req as never, { user: payer.publicKey, txHash });
    // 100 s is 20 ledgers from the latest the chunk saw (one before the approve lands).
    expect(await verify(request, await approveTo(3n, stellar.ledger.latestSequence + 20))).toBeNull();
    expect(await verify(request, await approveTo(3n, stellar.ledger.latestSequence + 500))).toMatch(/later than the 100 s asked/);
    const revoke = sacApproveRequest({ network, asset: stellar.asset.contractId, spender, amount: 0n, expiresAt: now }, now);
    expect(await verify(revoke, await approveTo(0n, stellar.ledger.latestSequence + 1))).toBeNull();
    expect(stellar.allowance(payer.publicKey).amount).toBe(0n);
  });
});
