/**
 * The Solana runtime and its RPC + WebSocket façade, driven by the clients that will use it:
 * web3.js `Connection` and spl-token's helpers (which need signatureSubscribe), kit's
 * `createSolanaRpc`, and raw JSON-RPC where the exact answer shape matters.
 */
import { createSolanaRpc, address as kitAddress } from '@solana/kit';
import bs58 from 'bs58';
import { Connection, Keypair, LAMPORTS_PER_SOL, SendTransactionError, SystemProgram, Transaction } from '@solana/web3.js';
import {
  createApproveCheckedInstruction,
  createAssociatedTokenAccount,
  createMint,
  createTransferCheckedInstruction,
  getAccount,
  mintTo,
} from '@solana/spl-token';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPL_TOKEN_ERRORS, labelTokenError } from '../../../devnet/solana/errors';
import { startSolanaRpc, type SolanaRpcHandle } from '../../../devnet/solana/rpc';
import { BLOCKHASH_WINDOW, SolanaRuntime } from '../../../devnet/solana/runtime';

let runtime: SolanaRuntime;
let rpc: SolanaRpcHandle;
let connection: Connection;
const payer = Keypair.generate();

type Json = any;

async function raw(method: string, params: unknown[] = []): Promise<{ result?: Json; error?: { code: number; message: string; data?: Json } }> {
  const res = await fetch(rpc.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return res.json() as Promise<{ result?: Json; error?: { code: number; message: string; data?: Json } }>;
}

beforeAll(async () => {
  runtime = new SolanaRuntime({ slotMs: 0 });
  rpc = await startSolanaRpc({ runtime, port: 0, quiet: true });
  connection = new Connection(rpc.url, { commitment: 'confirmed', wsEndpoint: rpc.wsUrl });
  await connection.confirmTransaction(await connection.requestAirdrop(payer.publicKey, 10 * LAMPORTS_PER_SOL));
});
afterAll(async () => {
  await rpc.stop();
  runtime.close();
});

describe('the runtime', () => {
  it('sets the clock to wall time (litesvm starts at unix 0)', () => {
    const rt = new SolanaRuntime({ slotMs: 0, nowSeconds: () => 1_900_000_123 });
    try {
      // Read through the sysvar the programs see: Clock { slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp }.
      const clock = rt.getAccount('SysvarC1ock11111111111111111111111111111111')!;
      expect(Buffer.from(clock.data).readBigInt64LE(32)).toBe(1_900_000_123n);
    } finally {
      rt.close();
    }
  });

  it('keeps a window of recent blockhashes: an older one is refused with BlockhashNotFound', () => {
    const rt = new SolanaRuntime({ slotMs: 0 });
    try {
      const funder = Keypair.generate();
      rt.airdrop(funder.publicKey.toBase58(), BigInt(LAMPORTS_PER_SOL));
      const old = rt.latestBlockhash();
      const transfer = (blockhash: string, lamports: number) => {
        const tx = new Transaction({ feePayer: funder.publicKey, blockhash, lastValidBlockHeight: 0 }).add(
          SystemProgram.transfer({ fromPubkey: funder.publicKey, toPubkey: Keypair.generate().publicKey, lamports }),
        );
        tx.sign(funder);
        return rt.execute(tx.serialize());
      };
      rt.advanceSlots(10);
      // Not the latest any more, still in the window (litesvm alone would refuse it).
      expect(transfer(old.blockhash, 1_000_000).err).toBeNull();
      rt.advanceSlots(BLOCKHASH_WINDOW);
      expect(rt.isBlockhashValid(old.blockhash)).toBe(false);
      expect(transfer(old.blockhash, 1_000_001).err).toBe('BlockhashNotFound');
    } finally {
      rt.close();
    }
  });

  it('names SPL Token errors by code', () => {
    expect(SPL_TOKEN_ERRORS[1]).toBe('InsufficientFunds');
    expect(SPL_TOKEN_ERRORS[4]).toBe('OwnerMismatch');
    expect(SPL_TOKEN_ERRORS[0x12]).toBe('MintDecimalsMismatch');
    expect(labelTokenError({ InstructionError: [0, { Custom: 4 }] })).toBe('instruction 0: Custom(4) OwnerMismatch');
  });
});

describe('the RPC façade', () => {
  it('serves web3.js + spl-token end to end (createMint and friends confirm over signatureSubscribe)', async () => {
    const mint = await createMint(connection, payer, payer.publicKey, null, 6);
    const owner = Keypair.generate();
    const ata = await createAssociatedTokenAccount(connection, payer, mint, owner.publicKey);
    await mintTo(connection, payer, mint, ata, payer, 2_500_000n);
    expect((await getAccount(connection, ata)).amount).toBe(2_500_000n);
    expect((await connection.getTokenAccountBalance(ata)).value).toEqual({ amount: '2500000', decimals: 6, uiAmount: 2.5, uiAmountString: '2.5' });
    expect(rpc.calls.get('signatureSubscribe')).toBeGreaterThan(0);

    // A transfer past the balance fails the preflight: -32002, err and logs as a validator sends them.
    const tx = new Transaction({ feePayer: payer.publicKey, ...(await connection.getLatestBlockhash()) }).add(
      createTransferCheckedInstruction(ata, mint, ata, owner.publicKey, 9_000_000n, 6),
    );
    tx.sign(payer, owner);
    const answer = await raw('sendTransaction', [tx.serialize().toString('base64'), { encoding: 'base64' }]);
    expect(answer.error).toMatchObject({
      code: -32002,
      message: 'Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1',
      data: { err: { InstructionError: [0, { Custom: 1 }] }, accounts: null, returnData: null },
    });
    expect(answer.error!.data.logs).toContain('Program log: Error: insufficient funds');
    // …which web3.js turns into a SendTransactionError with working logs.
    const err = await connection.sendRawTransaction(tx.serialize()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendTransactionError);
    expect(await (err as SendTransactionError).getLogs(connection)).toContain('Program log: Error: insufficient funds');
    // Nothing was committed.
    expect((await getAccount(connection, ata)).amount).toBe(2_500_000n);

    // Same bytes twice: AlreadyProcessed. A bad signature: -32003.
    const ok = new Transaction({ feePayer: payer.publicKey, ...(await connection.getLatestBlockhash()) }).add(
      createApproveCheckedInstruction(ata, mint, payer.publicKey, owner.publicKey, 1n, 6),
    );
    ok.sign(payer, owner);
    const sig = await connection.sendRawTransaction(ok.serialize());
    await connection.confirmTransaction(sig);
    expect((await raw('sendTransaction', [ok.serialize().toString('base64'), { encoding: 'base64' }])).error?.data?.err).toBe('AlreadyProcessed');
    const forged = Buffer.from(ok.serialize());
    forged[10] = forged[10]! ^ 0xff;
    expect((await raw('sendTransaction', [forged.toString('base64'), { encoding: 'base64' }])).error?.code).toBe(-32003);

    const statuses = await raw('getSignatureStatuses', [[sig, bs58.encode(new Uint8Array(64).fill(9))]]);
    expect(statuses.result.value[0]).toEqual({ slot: expect.any(Number), confirmations: null, err: null, status: { Ok: null }, confirmationStatus: 'finalized' });
    expect(statuses.result.value[1]).toBeNull();
  });

  it('lands a failing transaction sent with skipPreflight, with its error in the status', async () => {
    const mint = await createMint(connection, payer, payer.publicKey, null, 6);
    const owner = Keypair.generate();
    const ata = await createAssociatedTokenAccount(connection, payer, mint, owner.publicKey);
    const tx = new Transaction({ feePayer: payer.publicKey, ...(await connection.getLatestBlockhash()) }).add(
      createTransferCheckedInstruction(ata, mint, ata, owner.publicKey, 1n, 6),
    );
    tx.sign(payer, owner);
    const sig = await connection.sendRawTransaction(tx.serialize(), { skipPreflight: true });
    const { value } = await connection.getSignatureStatuses([sig]);
    expect(value[0]?.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
  });

  it('simulates an unsigned transaction (sigVerify off) and returns post-state for accounts.addresses', async () => {
    const mint = await createMint(connection, payer, payer.publicKey, null, 6);
    const owner = Keypair.generate();
    const ata = await createAssociatedTokenAccount(connection, payer, mint, owner.publicKey);
    await mintTo(connection, payer, mint, ata, payer, 10n);
    const tx = new Transaction({ feePayer: payer.publicKey, ...(await connection.getLatestBlockhash()) }).add(
      createApproveCheckedInstruction(ata, mint, payer.publicKey, owner.publicKey, 7n, 6),
    );
    const unsigned = tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64');
    const sim = await raw('simulateTransaction', [unsigned, { encoding: 'base64', accounts: { encoding: 'base64', addresses: [ata.toBase58()] } }]);
    expect(sim.result.value.err).toBeNull();
    const post = Buffer.from(sim.result.value.accounts[0].data[0], 'base64');
    expect(post.readBigUInt64LE(121)).toBe(7n); // delegatedAmount after the simulated approve
    expect((await getAccount(connection, ata)).delegatedAmount).toBe(0n); // …not committed
    const strict = await raw('simulateTransaction', [unsigned, { encoding: 'base64', sigVerify: true }]);
    expect(strict.result.value.err).toBe('SignatureFailure');
  });

  it('answers kit’s createSolanaRpc', async () => {
    const kit = createSolanaRpc(rpc.url);
    const { value } = await kit.getBalance(kitAddress(payer.publicKey.toBase58())).send();
    expect(value).toBe(BigInt(await connection.getBalance(payer.publicKey)));
    const { value: bh } = await kit.getLatestBlockhash().send();
    expect(bh.blockhash).toBe(runtime.latestBlockhash().blockhash);
  });

  it('follows JSON-RPC: unknown methods, bad params, batches, unknown token accounts', async () => {
    expect((await raw('getTransaction', ['x'])).error?.code).toBe(-32601);
    expect((await raw('getBalance', ['not-a-key'])).error?.code).toBe(-32602);
    expect((await raw('getTokenAccountBalance', [Keypair.generate().publicKey.toBase58()])).error).toEqual({ code: -32602, message: 'Invalid param: could not find account' });
    const res = await fetch(rpc.url, { method: 'POST', body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'getSlot' }, { jsonrpc: '2.0', id: 2, method: 'getHealth' }]) });
    expect(await res.json()).toEqual([
      { jsonrpc: '2.0', id: 1, result: runtime.slot },
      { jsonrpc: '2.0', id: 2, result: 'ok' },
    ]);
    expect((await raw('getGenesisHash')).result).toBe(runtime.genesisHash);
    expect((await raw('getFeeForMessage', [Buffer.from([2, 0, 1]).toString('base64')])).result.value).toBe(10_000);
  });

  it('allows browser pages: CORS * with content-type and solana-client', async () => {
    const res = await fetch(rpc.url, {
      method: 'OPTIONS',
      headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,solana-client' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type, solana-client');
  });

  it('notifies signatureSubscribe once the transaction lands, on the same port', async () => {
    const ws = new WebSocket(rpc.wsUrl);
    await new Promise((r) => ws.once('open', r));
    const messages: Json[] = [];
    ws.on('message', (m) => messages.push(JSON.parse(String(m))));
    const tx = new Transaction({ feePayer: payer.publicKey, ...(await connection.getLatestBlockhash()) }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 }),
    );
    tx.sign(payer);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'signatureSubscribe', params: [bs58.encode(tx.signature!), { commitment: 'confirmed' }] }));
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toEqual({ jsonrpc: '2.0', id: 7, result: expect.any(Number) });
    expect((await raw('sendTransaction', [tx.serialize().toString('base64'), { encoding: 'base64' }])).result).toBe(bs58.encode(tx.signature!));
    await expect.poll(() => messages.length).toBe(2);
    expect(messages[1]).toEqual({
      jsonrpc: '2.0',
      method: 'signatureNotification',
      params: { result: { context: { slot: expect.any(Number) }, value: { err: null } }, subscription: messages[0].result },
    });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'slotSubscribe' }));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'slotUnsubscribe', params: [99] }));
    await expect.poll(() => messages.length).toBe(4);
    expect(messages[3]).toEqual({ jsonrpc: '2.0', id: 9, result: true });
    ws.close();
  });
});
