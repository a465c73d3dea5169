import { Address, Contract, Keypair, nativeToScVal, rpc, scValToNative, StrKey, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStellarRpc, type StellarRpcHandle } from '../../../devnet/stellar/rpc';
import { I64_MAX } from '../../../lib/chains/stellar/amount';
import { SorobanReader, StellarRpcError } from '../../../lib/chains/stellar/reader';

// The background's SDK-free reader against the Soroban-RPC stand-in (real SAC storage layout,
// real XDR), and against hostile answers from a fake fetch.

let node: StellarRpcHandle;
let reader: SorobanReader;
let usdc: string;
let long: string;
const issuer = Keypair.random();
const user = Keypair.random();
const spender = Keypair.random();
const stranger = Keypair.random();
const contractHolder = StrKey.encodeContract(Buffer.alloc(32, 9));

beforeAll(async () => {
  node = await startStellarRpc({ port: 0, quiet: true });
  const ledger = node.ledger;
  for (const k of [user, spender, stranger]) ledger.createAccount(k.publicKey());
  usdc = ledger.createAsset('USDC', issuer.publicKey());
  long = ledger.createAsset('LONGCODE', issuer.publicKey());
  ledger.mint(usdc, user.publicKey(), 123_4567890n);
  ledger.mint(usdc, contractHolder, 55n);
  ledger.mint(long, user.publicKey(), 1n);
  reader = new SorobanReader({ rpcUrl: node.url });
});
afterAll(() => node?.stop());

/** approve(user → spender) signed and sent with stellar-sdk through the stand-in. */
async function approve(amount: bigint, expirationLedger: number): Promise<void> {
  const server = new rpc.Server(node.url, { allowHttp: true });
  const op = new Contract(usdc).call('approve', new Address(user.publicKey()).toScVal(), new Address(spender.publicKey()).toScVal(), nativeToScVal(amount, { type: 'i128' }), nativeToScVal(expirationLedger, { type: 'u32' }));
  const tx = await server.prepareTransaction(new TransactionBuilder(await server.getAccount(user.publicKey()), { fee: '100', networkPassphrase: node.ledger.passphrase }).addOperation(op).setTimeout(60).build());
  tx.sign(user);
  const sent = await server.sendTransaction(tx);
  expect((await server.pollTransaction(sent.hash)).status).toBe('SUCCESS');
}

describe('SorobanReader against the stand-in', () => {
  it('reads a SAC’s decimals, symbol, name and underlying asset from its instance', async () => {
    expect(await reader.readToken(usdc)).toEqual({
      contractId: usdc,
      decimals: 7,
      symbol: 'USDC',
      name: `USDC:${issuer.publicKey()}`,
      asset: { type: 'credit', code: 'USDC', issuer: issuer.publicKey() },
    });
    expect((await reader.readToken(long)).symbol).toBe('LONGCODE');
  });

  it('reads balances: trustlines for accounts, Balance entries for contracts, i64::MAX for the issuer, 0 without a trustline', async () => {
    expect(await reader.readBalance(usdc, user.publicKey())).toBe(123_4567890n);
    expect(await reader.readBalance(long, user.publicKey())).toBe(1n);
    expect(await reader.readBalance(usdc, contractHolder)).toBe(55n);
    expect(await reader.readBalance(usdc, issuer.publicKey())).toBe(I64_MAX);
    expect(await reader.readBalance(usdc, stranger.publicKey())).toBe(0n);
    expect(node.ledger.balance(usdc, user.publicKey())).toBe(123_4567890n);
  });

  it('reads an allowance and its last ledger, and 0 once the ledger has passed it', async () => {
    expect((await reader.readAllowance(usdc, user.publicKey(), spender.publicKey())).amount).toBe(0n);
    const expiration = node.ledger.latestSequence + 10;
    await approve(10_000_000n, expiration);
    const live = await reader.readAllowance(usdc, user.publicKey(), spender.publicKey());
    expect(live).toEqual({ amount: 10_000_000n, storedAmount: 10_000_000n, liveUntilLedger: expiration, latestLedger: node.ledger.latestSequence });
    // The same number stellar-sdk gets by simulating allowance().
    const server = new rpc.Server(node.url, { allowHttp: true });
    const call = new Contract(usdc).call('allowance', new Address(user.publicKey()).toScVal(), new Address(spender.publicKey()).toScVal());
    const sim = await server.simulateTransaction(new TransactionBuilder(await server.getAccount(stranger.publicKey()), { fee: '100', networkPassphrase: node.ledger.passphrase }).addOperation(call).setTimeout(30).build());
    if (!rpc.Api.isSimulationSuccess(sim) || !sim.result) throw new Error('simulation failed');
    expect(scValToNative(sim.result.retval)).toBe(live.amount);
    node.ledger.advance(expiration - node.ledger.latestSequence);
    const lastLedger = await reader.readAllowance(usdc, user.publicKey(), spender.publicKey());
    expect(lastLedger.latestLedger).toBe(expiration);
    expect(lastLedger.amount).toBe(0n); // a transfer now would land after `expiration`
    node.ledger.advance(1);
    expect(await reader.readAllowance(usdc, user.publicKey(), spender.publicKey())).toMatchObject({ amount: 0n, liveUntilLedger: null });
  });

  it('reports a missing contract and refuses invalid addresses before any request', async () => {
    const missing = StrKey.encodeContract(Buffer.alloc(32, 1));
    await expect(reader.readToken(missing)).rejects.toMatchObject({ code: 'contract_not_found' });
    await expect(reader.readToken(user.publicKey())).rejects.toMatchObject({ code: 'invalid_address' });
    await expect(reader.readBalance(usdc, 'GABC')).rejects.toMatchObject({ code: 'invalid_address' });
    expect(await reader.latestLedger()).toBe(node.ledger.latestSequence);
  });
});

describe('SorobanReader against hostile or broken RPC answers', () => {
  const usdcId = 'CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA';
  const fakeFetch = (answer: (body: { id: number; method: string }) => unknown, init?: ResponseInit): typeof fetch =>
    (async (_url: RequestInfo | URL, req?: RequestInit) => {
      const body = JSON.parse(String(req?.body)) as { id: number; method: string };
      const value = answer(body);
      return new Response(typeof value === 'string' ? value : JSON.stringify(value), init);
    }) as typeof fetch;
  const readerWith = (f: typeof fetch, timeoutMs = 5000) => new SorobanReader({ rpcUrl: 'https://rpc.example', fetch: f, timeoutMs });

  it('refuses a WASM token contract (its layout is its own)', async () => {
    const val = xdr.LedgerEntryData.fromJson({
      contract_data: { ext: 'v0', contract: usdcId, key: 'ledger_key_contract_instance', durability: 'persistent', val: { contract_instance: { executable: { wasm: '11'.repeat(32) }, storage: null } } },
    });
    const key = xdr.LedgerKey.fromJson({ contract_data: { contract: usdcId, key: 'ledger_key_contract_instance', durability: 'persistent' } }).toXDR('base64');
    const r = readerWith(fakeFetch(({ id }) => ({ jsonrpc: '2.0', id, result: { latestLedger: 5, entries: [{ key, xdr: val.toXDR('base64'), lastModifiedLedgerSeq: 1 }] } })));
    await expect(r.readToken(usdcId)).rejects.toMatchObject({ code: 'not_a_stellar_asset' });
  });

  it('maps transport and protocol failures to typed errors', async () => {
    const cases: [typeof fetch, string][] = [
      [fakeFetch(({ id }) => ({ jsonrpc: '2.0', id, error: { code: -32602, message: 'bad keys' } })), 'rpc_error'],
      [fakeFetch(({ id }) => ({ jsonrpc: '2.0', id: id + 1, result: { latestLedger: 1, entries: [] } })), 'rpc_bad_response'],
      [fakeFetch(() => 'not json'), 'rpc_bad_response'],
      [fakeFetch(() => ({}), { status: 503 }), 'rpc_http_error'],
      [fakeFetch(({ id }) => ({ jsonrpc: '2.0', id, result: { latestLedger: 1, entries: [{ key: 'x', xdr: '!!' }, { key: 'y', xdr: 'z' }] } })), 'rpc_bad_response'],
      [fakeFetch(({ id }) => ({ jsonrpc: '2.0', id, result: { latestLedger: -1, entries: [] } })), 'rpc_bad_response'],
      [fakeFetch(() => 'x'.repeat(600 * 1024)), 'rpc_bad_response'],
      [(async () => { throw new TypeError('fetch failed'); }) as unknown as typeof fetch, 'rpc_unreachable'],
    ];
    for (const [f, code] of cases) {
      await expect(readerWith(f).readAllowance(usdcId, user.publicKey(), spender.publicKey()), code).rejects.toMatchObject({ code });
    }
  });

  it('undecodable entry XDR is a bad response, not a crash', async () => {
    const key = xdr.LedgerKey.fromJson({ contract_data: { contract: usdcId, key: 'ledger_key_contract_instance', durability: 'persistent' } }).toXDR('base64');
    const r = readerWith(fakeFetch(({ id }) => ({ jsonrpc: '2.0', id, result: { latestLedger: 5, entries: [{ key, xdr: 'AAAABgAAAAA=' }] } })));
    const err = await r.readToken(usdcId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StellarRpcError);
    expect((err as StellarRpcError).code).toBe('rpc_bad_response');
  });

  it('gives up after its timeout', async () => {
    const hang = ((_u: unknown, init?: RequestInit) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)))) as unknown as typeof fetch;
    const started = Date.now();
    await expect(readerWith(hang, 200).latestLedger()).rejects.toMatchObject({ code: 'rpc_timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
