import { Account, Contract, contract, Keypair, Networks, rpc, scValToNative, TransactionBuilder, xdr, type Transaction } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomStellarAccount, type StellarDevAccount } from '../../../devnet/stellar/accounts';
import { startStellarRpc, type StellarRpcHandle } from '../../../devnet/stellar/rpc';
import { addr, i128, invoke, prepareCall, serverFor, u32 } from './support/stellar';

// The Soroban-RPC stand-in as stellar-sdk 17.2 sees it: rpc.Server, prepareTransaction,
// pollTransaction and contract.Client work against it, and it checks what stellar-core would
// (signature, sequence, time bounds, Soroban data) and what the SAC would (error codes 8, 9, 10).

let node: StellarRpcHandle;
let server: rpc.Server;
let usdc: string;
const issuer = randomStellarAccount();
const alice = randomStellarAccount();
const bob = randomStellarAccount();
const spender = randomStellarAccount();
const UNIT = 10_000_000n;

beforeAll(async () => {
  node = await startStellarRpc({ port: 0, quiet: true });
  server = serverFor(node.url);
  for (const a of [alice, bob, spender]) node.ledger.createAccount(a.publicKey);
  usdc = node.ledger.createAsset('USDC', issuer.publicKey);
  node.ledger.mint(usdc, alice.publicKey, 5n * UNIT);
  node.ledger.addTrustline(bob.publicKey, usdc);
});
afterAll(() => node?.stop());

function sorobanDataOf(tx: Transaction): xdr.SorobanTransactionData {
  const ext = tx.toEnvelope().value.tx.ext;
  if (ext.type !== 'sorobanData') throw new Error('not a prepared Soroban transaction');
  return ext.sorobanData;
}

const call = (signer: StellarDevAccount, fn: string, args: xdr.ScVal[]) => invoke(node.url, node.ledger.passphrase, signer, usdc, fn, args);
const expectSimError = async (source: string, fn: string, args: xdr.ScVal[], code: number) => {
  await expect(prepareCall(node.url, node.ledger.passphrase, source, usdc, fn, args)).rejects.toThrow(`HostError: Error(Contract, #${code})`);
};

describe('network methods stellar-sdk reads', () => {
  it('getHealth, getNetwork, getVersionInfo, getFeeStats', async () => {
    expect(await server.getHealth()).toMatchObject({ status: 'healthy', latestLedger: node.ledger.latestSequence });
    expect(await server.getNetwork()).toMatchObject({ passphrase: Networks.STANDALONE, protocolVersion: 23 });
    expect((await server.getVersionInfo()).protocolVersion).toBe(23);
    expect((await server.getFeeStats()).sorobanInclusionFee.p50).toBe('100');
  });

  it('getLatestLedger with header and close meta XDRs the SDK decodes', async () => {
    const latest = await server.getLatestLedger();
    expect(latest.sequence).toBe(node.ledger.latestSequence);
    expect(latest.headerXdr.ledgerSeq).toBe(latest.sequence);
    expect(latest.metadataXdr.type).toBe('v0');
  });

  it('getAccount: a new account starts at sequence ledger << 32', async () => {
    const fresh = Keypair.random().publicKey();
    node.ledger.createAccount(fresh);
    const account = await server.getAccount(fresh);
    expect(BigInt(account.sequenceNumber())).toBe(BigInt(node.ledger.latestSequence) << 32n);
    await expect(server.getAccount(Keypair.random().publicKey())).rejects.toThrow(/Account not found/);
  });

  it('answers CORS preflights and unknown methods like a JSON-RPC server', async () => {
    const pre = await fetch(node.url, { method: 'OPTIONS', headers: { 'Access-Control-Request-Headers': 'content-type,x-client-name' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type,x-client-name');
    const res = await fetch(node.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'getEvents', params: {} }) });
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'method not found: getEvents' } });
    const bad = await fetch(node.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'getLedgerEntries', params: { keys: ['%%%'] } }) });
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32602);
  });
});

describe('the SAC through the SDK', () => {
  it('approve → allowance → transfer_from → balances, with one source_account auth entry', async () => {
    const expiration = node.ledger.latestSequence + 100;
    const prepared = await prepareCall(node.url, node.ledger.passphrase, alice.publicKey, usdc, 'approve', [addr(alice.publicKey), addr(spender.publicKey), i128(UNIT), u32(expiration)]);
    const auth = prepared.operations[0]!.type === 'invokeHostFunction' ? prepared.operations[0]!.auth : [];
    expect(auth).toHaveLength(1);
    expect(auth![0]!.credentials.type).toBe('sorobanCredentialsSourceAccount');
    expect(BigInt(prepared.fee)).toBe(54_100n);

    const before = node.ledger.latestSequence;
    expect((await call(alice, 'approve', [addr(alice.publicKey), addr(spender.publicKey), i128(UNIT), u32(expiration)])).status).toBe('SUCCESS');
    expect(node.ledger.latestSequence).toBe(before + 1); // one ledger per transaction
    expect(node.ledger.allowance(usdc, alice.publicKey, spender.publicKey)).toEqual({ amount: UNIT, liveUntil: expiration });

    expect((await call(spender, 'transfer_from', [addr(spender.publicKey), addr(alice.publicKey), addr(bob.publicKey), i128(UNIT / 4n)])).status).toBe('SUCCESS');
    expect(node.ledger.balance(usdc, bob.publicKey)).toBe(UNIT / 4n);
    expect(node.ledger.balance(usdc, alice.publicKey)).toBe(5n * UNIT - UNIT / 4n);
    expect(node.ledger.allowance(usdc, alice.publicKey, spender.publicKey).amount).toBe(UNIT - UNIT / 4n);
  });

  it('contract.Client reads the SAC through its bundled spec', async () => {
    const client = (await contract.Client.from({ contractId: usdc, rpcUrl: node.url, networkPassphrase: node.ledger.passphrase, allowHttp: true })) as unknown as Record<string, (a?: unknown) => Promise<{ result: unknown }>>;
    expect((await client.decimals!()).result).toBe(7);
    expect((await client.symbol!()).result).toBe('USDC');
    expect((await client.name!()).result).toBe(`USDC:${issuer.publicKey}`);
    expect((await client.balance!({ id: bob.publicKey })).result).toBe(node.ledger.balance(usdc, bob.publicKey));
    expect((await client.allowance!({ from: alice.publicKey, spender: spender.publicKey })).result).toBe(node.ledger.allowance(usdc, alice.publicKey, spender.publicKey).amount);
  });

  it('raises the SAC’s own errors: #8 negative amount, #9 allowance (too little, past ledger, expired), #10 balance', async () => {
    const latest = node.ledger.latestSequence;
    await expectSimError(alice.publicKey, 'approve', [addr(alice.publicKey), addr(spender.publicKey), i128(-1n), u32(latest + 10)], 8);
    await expectSimError(alice.publicKey, 'approve', [addr(alice.publicKey), addr(spender.publicKey), i128(1n), u32(latest)], 9);
    await expectSimError(spender.publicKey, 'transfer_from', [addr(spender.publicKey), addr(alice.publicKey), addr(bob.publicKey), i128(100n * UNIT)], 9);
    await expectSimError(alice.publicKey, 'transfer', [addr(alice.publicKey), addr(bob.publicKey), i128(100n * UNIT)], 10);
    // approve(0) with a past ledger is how a revoke looks: allowed.
    expect((await call(alice, 'approve', [addr(alice.publicKey), addr(spender.publicKey), i128(0n), u32(0)])).status).toBe('SUCCESS');
    expect(node.ledger.allowance(usdc, alice.publicKey, spender.publicKey).amount).toBe(0n);

    const expiration = node.ledger.latestSequence + 3;
    expect((await call(alice, 'approve', [addr(alice.publicKey), addr(spender.publicKey), i128(UNIT), u32(expiration)])).status).toBe('SUCCESS');
    node.ledger.advance(3); // now the next ledger is past `expiration`
    expect(node.ledger.allowance(usdc, alice.publicKey, spender.publicKey).amount).toBe(0n);
    await expectSimError(spender.publicKey, 'transfer_from', [addr(spender.publicKey), addr(alice.publicKey), addr(bob.publicKey), i128(1n)], 9);
  });

  it('transfer to an account without a trustline is #13 TrustlineMissing; only the issuer mints', async () => {
    const lonely = randomStellarAccount();
    node.ledger.createAccount(lonely.publicKey);
    await expectSimError(alice.publicKey, 'transfer', [addr(alice.publicKey), addr(lonely.publicKey), i128(1n)], 13);
    const before = node.ledger.balance(usdc, bob.publicKey);
    expect((await call(issuer, 'mint', [addr(bob.publicKey), i128(3n)])).status).toBe('SUCCESS'); // createAsset made the issuer an account
    expect(node.ledger.balance(usdc, bob.publicKey)).toBe(before + 3n);
    // Only the admin (the issuer) may mint: anyone else fails auth.
    await expect(prepareCall(node.url, node.ledger.passphrase, alice.publicKey, usdc, 'mint', [addr(alice.publicKey), i128(1n)]).then(async (tx) => {
      tx.sign(Keypair.fromSecret(alice.secret));
      const sent = await server.sendTransaction(tx);
      return (await server.pollTransaction(sent.hash)).status;
    })).resolves.toBe('FAILED');
  });
});

describe('stellar-core-like validation on sendTransaction', () => {
  const approveArgs = () => [addr(alice.publicKey), addr(spender.publicKey), i128(UNIT), u32(node.ledger.latestSequence + 50)];

  it('txBadAuth for a signature by another key or over another network, and no sequence spent', async () => {
    const seq = node.ledger.account(alice.publicKey)!.sequence;
    const tx = await prepareCall(node.url, node.ledger.passphrase, alice.publicKey, usdc, 'approve', approveArgs());
    tx.sign(Keypair.fromSecret(bob.secret));
    const sent = await server.sendTransaction(tx);
    expect(sent.status).toBe('ERROR');
    expect(sent.errorResult?.result.type).toBe('txBadAuth');

    // Signed over the testnet passphrase: a valid signature of another hash.
    const other = TransactionBuilder.fromXDR(tx.toXDR(), Networks.TESTNET) as typeof tx;
    other.signatures.length = 0;
    other.sign(Keypair.fromSecret(alice.secret));
    const asLocal = TransactionBuilder.fromXDR(other.toXDR(), node.ledger.passphrase) as typeof tx;
    expect((await server.sendTransaction(asLocal)).errorResult?.result.type).toBe('txBadAuth');
    expect(node.ledger.account(alice.publicKey)!.sequence).toBe(seq);
  });

  it('txBadSeq, DUPLICATE, and a Soroban call without sorobanData is txMalformed', async () => {
    // Right sequence, signed, but never prepared: no SorobanTransactionData.
    const unprepared = new TransactionBuilder(new Account(alice.publicKey, String(node.ledger.account(alice.publicKey)!.sequence)), { fee: '54100', networkPassphrase: node.ledger.passphrase })
      .addOperation(new Contract(usdc).call('approve', ...approveArgs()))
      .setTimeout(60)
      .build();
    unprepared.sign(Keypair.fromSecret(alice.secret));
    expect((await server.sendTransaction(unprepared)).errorResult?.result.type).toBe('txMalformed');

    const oldSeq = await prepareCall(node.url, node.ledger.passphrase, alice.publicKey, usdc, 'approve', approveArgs());
    oldSeq.sign(Keypair.fromSecret(alice.secret));
    expect((await server.sendTransaction(oldSeq)).status).toBe('PENDING');
    const again = TransactionBuilder.fromXDR(oldSeq.toXDR(), node.ledger.passphrase) as typeof oldSeq;
    expect((await server.sendTransaction(again)).status).toBe('DUPLICATE');
    // Same sequence number, different transaction (another amount): already used.
    const sameSeq = new TransactionBuilder(new Account(alice.publicKey, String(BigInt(oldSeq.sequence) - 1n)), { fee: oldSeq.fee, networkPassphrase: node.ledger.passphrase })
      .addOperation(new Contract(usdc).call('approve', addr(alice.publicKey), addr(spender.publicKey), i128(2n), u32(node.ledger.latestSequence + 50)))
      .setTimeout(60)
      .setSorobanData(sorobanDataOf(oldSeq))
      .build();
    sameSeq.sign(Keypair.fromSecret(alice.secret));
    expect((await server.sendTransaction(sameSeq)).errorResult?.result.type).toBe('txBadSeq');
  });

  it('txTooLate once the ledger clock is past the time bound (on a ledger of its own: the clock never goes back)', async () => {
    const own = await startStellarRpc({ port: 0, quiet: true });
    try {
      own.ledger.createAccount(alice.publicKey);
      const token = own.ledger.createAsset('USDC', issuer.publicKey);
      const late = await prepareCall(own.url, own.ledger.passphrase, alice.publicKey, token, 'approve', [addr(alice.publicKey), addr(spender.publicKey), i128(UNIT), u32(own.ledger.latestSequence + 50)], 30);
      late.sign(Keypair.fromSecret(alice.secret));
      own.ledger.advanceClock(120);
      expect((await serverFor(own.url).sendTransaction(late)).errorResult?.result.type).toBe('txTooLate');
    } finally {
      await own.stop();
    }
  });

  it('a call that fails when applied is FAILED on chain, and still spends the sequence number', async () => {
    // Prepared while the allowance exists, sent after it was revoked.
    expect((await call(alice, 'approve', [addr(alice.publicKey), addr(spender.publicKey), i128(UNIT), u32(node.ledger.latestSequence + 50)])).status).toBe('SUCCESS');
    const pull = await prepareCall(node.url, node.ledger.passphrase, spender.publicKey, usdc, 'transfer_from', [addr(spender.publicKey), addr(alice.publicKey), addr(bob.publicKey), i128(UNIT)], 3600);
    expect((await call(alice, 'approve', [addr(alice.publicKey), addr(spender.publicKey), i128(0n), u32(0)])).status).toBe('SUCCESS');
    pull.sign(Keypair.fromSecret(spender.secret));
    const seq = node.ledger.account(spender.publicKey)!.sequence;
    const bobBefore = node.ledger.balance(usdc, bob.publicKey);
    const sent = await server.sendTransaction(pull);
    expect(sent.status).toBe('PENDING');
    const got = await server.pollTransaction(sent.hash);
    expect(got.status).toBe('FAILED');
    expect(node.ledger.failureOf(sent.hash)).toBe('HostError: Error(Contract, #9)');
    expect(node.ledger.account(spender.publicKey)!.sequence).toBe(seq + 1n);
    expect(node.ledger.balance(usdc, bob.publicKey)).toBe(bobBefore);
  });

  it('getTransaction answers NOT_FOUND for the configured delay, and pollTransaction waits it out', async () => {
    node.ledger.notFoundDelayMs = 1500;
    try {
      const tx = await prepareCall(node.url, node.ledger.passphrase, alice.publicKey, usdc, 'balance', [addr(alice.publicKey)]);
      tx.sign(Keypair.fromSecret(alice.secret));
      const sent = await server.sendTransaction(tx);
      expect((await server.getTransaction(sent.hash)).status).toBe('NOT_FOUND');
      const started = Date.now();
      const got = await server.pollTransaction(sent.hash, { attempts: 10 });
      expect(got.status).toBe('SUCCESS');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      if (got.status === 'SUCCESS') expect(scValToNative(got.returnValue!)).toBe(node.ledger.balance(usdc, alice.publicKey));
      // The envelope comes back as sent.
      if (got.status === 'SUCCESS') expect(got.envelopeXdr.toXDR('base64')).toBe(tx.toEnvelope().toXDR('base64'));
    } finally {
      node.ledger.notFoundDelayMs = 0;
    }
  });
});
