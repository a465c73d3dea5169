/**
 * The local chain and the DevUSDC token on their own: chain id and ports behave, the committed
 * artifact matches the source, and permit / transferWithAuthorization really work (signed with
 * viem's signTypedData against the token's EIP-712 domain), not just exist.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, hashDomain, http, parseSignature, toHex, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAccount } from '../../devnet/accounts';
import { startChain, type Chain } from '../../devnet/chain';
import { PortInUseError } from '../../devnet/errors';
import { tokenAbi } from '../../devnet/token/abi';
import { ARTIFACT_PATH, renderAbiModule, sourceSha256, TOKEN_DIR } from '../../devnet/token/compile';
import { deployToken, loadTokenArtifact, type TokenInfo } from '../../devnet/token/deploy';

let chain: Chain;
let token: TokenInfo;
const owner = devAccount(3);
const spender = devAccount(4);
const relayer = devAccount(5);
const USDC = 1_000_000n;

function clients(privateKey: Hex) {
  const c = {
    id: chain.chainId,
    name: 'devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [chain.rpcUrl] } },
  } as const;
  return {
    publicClient: createPublicClient({ chain: c, transport: http(chain.rpcUrl, { retryCount: 0 }), pollingInterval: 50 }),
    wallet: createWalletClient({ chain: c, account: privateKeyToAccount(privateKey), transport: http(chain.rpcUrl, { retryCount: 0 }), pollingInterval: 50 }),
  };
}

const balanceOf = (address: `0x${string}`) =>
  clients(owner.privateKey).publicClient.readContract({ address: token.address, abi: tokenAbi, functionName: 'balanceOf', args: [address] });
const noncesOf = (address: `0x${string}`) =>
  clients(owner.privateKey).publicClient.readContract({ address: token.address, abi: tokenAbi, functionName: 'nonces', args: [address] });

beforeAll(async () => {
  chain = await startChain({ port: 0, chainId: 1337, accountCount: 8 });
  token = await deployToken({ rpcUrl: chain.rpcUrl, chainId: chain.chainId, deployer: devAccount(0), mints: [{ to: owner.address, amount: 1_000n * USDC }] });
});
afterAll(async () => {
  await chain?.stop();
});

const domain = () => ({ name: token.name, version: token.version, chainId: chain.chainId, verifyingContract: token.address });

describe('chain', () => {
  it('serves JSON-RPC with the configured chain id and funded accounts', async () => {
    const res = await fetch(chain.rpcUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    expect(await res.json()).toMatchObject({ result: toHex(1337) });
    expect(chain.network).toBe('eip155:1337');
    const balance = await clients(owner.privateKey).publicClient.getBalance({ address: devAccount(7).address });
    expect(balance).toBe(10_000n * 10n ** 18n);
  });

  it('runs a second, independent chain in the same process', async () => {
    const other = await startChain({ port: 0, chainId: 4242, accountCount: 1 });
    try {
      expect(await (await fetch(other.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }), headers: { 'Content-Type': 'application/json' } })).json()).toMatchObject({ result: toHex(4242) });
      const code = await other.provider.request({ method: 'eth_getCode', params: [token.address, 'latest'] });
      expect(code).toBe('0x'); // the token lives only on the first chain
    } finally {
      await other.stop();
    }
  });

  it('a busy port fails fast with PortInUseError; stop() frees the port for reuse', async () => {
    await expect(startChain({ port: chain.port })).rejects.toBeInstanceOf(PortInUseError);
    const temp = await startChain({ port: 0, accountCount: 1 });
    const port = temp.port;
    // Hold a keep-alive connection open across the stop: it must not keep the port bound.
    await fetch(temp.rpcUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' }) });
    await temp.stop();
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((r) => probe.close(r));
  });
});

describe('DevUSDC artifact', () => {
  it('is up to date with DevUSDC.sol (run `npm run compile:token` after editing the source)', () => {
    const artifact = loadTokenArtifact();
    expect(artifact.sourceSha256).toBe(sourceSha256(readFileSync(join(TOKEN_DIR, 'DevUSDC.sol'), 'utf8')));
    expect(artifact.bytecode).toMatch(/^0x[0-9a-f]{1000,}$/);
    expect(readFileSync(join(TOKEN_DIR, 'abi.ts'), 'utf8')).toBe(renderAbiModule(artifact.abi));
    expect(ARTIFACT_PATH.endsWith('artifact.json')).toBe(true);
  });

  it('is USDC-like: 6 decimals, symbol USDC, EIP-712 version "2", a matching DOMAIN_SEPARATOR', async () => {
    expect(token).toMatchObject({ symbol: 'USDC', decimals: 6, version: '2', name: 'USD Coin (devnet)' });
    const { publicClient } = clients(owner.privateKey);
    const separator = await publicClient.readContract({ address: token.address, abi: tokenAbi, functionName: 'DOMAIN_SEPARATOR' });
    expect(separator).toBe(
      hashDomain({
        domain: { ...domain(), chainId: BigInt(chain.chainId) },
        types: {
          EIP712Domain: [
            { name: 'name', type: 'string' },
            { name: 'version', type: 'string' },
            { name: 'chainId', type: 'uint256' },
            { name: 'verifyingContract', type: 'address' },
          ],
        },
      }),
    );
  });
});

describe('DevUSDC behaviour', () => {
  it('mint works as a faucet for anyone, up to the per-call limit', async () => {
    const { wallet, publicClient } = clients(relayer.privateKey);
    const before = await balanceOf(relayer.address);
    const hash = await wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'mint', args: [relayer.address, 5n * USDC] });
    await publicClient.waitForTransactionReceipt({ hash });
    expect(await balanceOf(relayer.address)).toBe(before + 5n * USDC);
    await expect(
      wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'mint', args: [relayer.address, 1_000_001n * USDC] }),
    ).rejects.toThrow(/faucet limit/);
  });

  it('approve + transferFrom move funds and consume the allowance; past it, transferFrom reverts', async () => {
    const o = clients(owner.privateKey);
    const s = clients(spender.privateKey);
    await o.publicClient.waitForTransactionReceipt({
      hash: await o.wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'approve', args: [spender.address, 3n * USDC] }),
    });
    const before = await balanceOf(owner.address);
    await s.publicClient.waitForTransactionReceipt({
      hash: await s.wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'transferFrom', args: [owner.address, relayer.address, 2n * USDC] }),
    });
    expect(await balanceOf(owner.address)).toBe(before - 2n * USDC);
    const allowance = await o.publicClient.readContract({ address: token.address, abi: tokenAbi, functionName: 'allowance', args: [owner.address, spender.address] });
    expect(allowance).toBe(1n * USDC);
    await expect(
      s.wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'transferFrom', args: [owner.address, relayer.address, 2n * USDC] }),
    ).rejects.toThrow(/exceeds allowance/);
  });

  it('EIP-2612 permit sets an allowance from a signature and cannot be replayed', async () => {
    const o = clients(owner.privateKey);
    const r = clients(relayer.privateKey);
    const nonce = await noncesOf(owner.address);
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const value = 7n * USDC;
    const signature = await o.wallet.signTypedData({
      domain: domain(),
      types: {
        Permit: [
          { name: 'owner', type: 'address' },
          { name: 'spender', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'Permit',
      message: { owner: owner.address, spender: spender.address, value, nonce, deadline },
    });
    const { v, r: sigR, s: sigS } = parseSignature(signature);
    const args = [owner.address, spender.address, value, deadline, Number(v), sigR, sigS] as const;
    // Anyone (here the relayer) may submit it; the owner pays no gas.
    await r.publicClient.waitForTransactionReceipt({ hash: await r.wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'permit', args }) });
    expect(await o.publicClient.readContract({ address: token.address, abi: tokenAbi, functionName: 'allowance', args: [owner.address, spender.address] })).toBe(value);
    expect(await noncesOf(owner.address)).toBe(nonce + 1n);
    await expect(r.wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'permit', args })).rejects.toThrow(/invalid signature/);
  });

  it('EIP-3009 transferWithAuthorization moves funds once per nonce', async () => {
    const o = clients(owner.privateKey);
    const r = clients(relayer.privateKey);
    const nonce = toHex(crypto.getRandomValues(new Uint8Array(32)));
    const now = BigInt(Math.floor(Date.now() / 1000));
    const message = { from: owner.address, to: spender.address, value: 4n * USDC, validAfter: now - 600n, validBefore: now + 600n, nonce };
    const signature = await o.wallet.signTypedData({
      domain: domain(),
      types: {
        TransferWithAuthorization: [
          { name: 'from', type: 'address' },
          { name: 'to', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'validAfter', type: 'uint256' },
          { name: 'validBefore', type: 'uint256' },
          { name: 'nonce', type: 'bytes32' },
        ],
      },
      primaryType: 'TransferWithAuthorization',
      message,
    });
    const { v, r: sigR, s: sigS } = parseSignature(signature);
    const args = [message.from, message.to, message.value, message.validAfter, message.validBefore, nonce, Number(v), sigR, sigS] as const;
    const ownerBefore = await balanceOf(owner.address);
    const toBefore = await balanceOf(spender.address);
    expect(await o.publicClient.readContract({ address: token.address, abi: tokenAbi, functionName: 'authorizationState', args: [owner.address, nonce] })).toBe(false);
    await r.publicClient.waitForTransactionReceipt({
      hash: await r.wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'transferWithAuthorization', args }),
    });
    expect(await balanceOf(owner.address)).toBe(ownerBefore - 4n * USDC);
    expect(await balanceOf(spender.address)).toBe(toBefore + 4n * USDC);
    expect(await o.publicClient.readContract({ address: token.address, abi: tokenAbi, functionName: 'authorizationState', args: [owner.address, nonce] })).toBe(true);
    await expect(r.wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'transferWithAuthorization', args })).rejects.toThrow(
      /authorization is used/,
    );
    // A tampered amount does not verify.
    const tampered = [message.from, message.to, 5n * USDC, message.validAfter, message.validBefore, toHex(crypto.getRandomValues(new Uint8Array(32))), Number(v), sigR, sigS] as const;
    await expect(r.wallet.writeContract({ address: token.address, abi: tokenAbi, functionName: 'transferWithAuthorization', args: tampered })).rejects.toThrow(
      /invalid signature/,
    );
  });
});
