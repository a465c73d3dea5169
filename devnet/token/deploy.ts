/**
 * Deploys DevUSDC from the committed artifact (no compiler needed) and funds accounts from its
 * faucet. Also reads the metadata of any USDC-like token (for a remote chain such as Base Sepolia).
 *
 * Standalone: `tsx devnet/token/deploy.ts [--rpc http://127.0.0.1:8545] [--mint 0xabc…,0xdef…]`
 * deploys with dev key #0 and prints the address.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getAddress, isAddress, type Hex } from 'viem';
import { devAccount, type Account } from '../accounts';
import { publicClientFor, walletClientFor, type PublicClient } from '../evm';
import { tokenAbi } from './abi';
import { ARTIFACT_PATH, type TokenArtifact } from './compile';

export interface TokenInfo {
  address: `0x${string}`;
  name: string;
  symbol: 'USDC';
  decimals: 6;
  /** EIP-712 domain version (permit / transferWithAuthorization). */
  version: string;
}

export interface DeployTokenOptions {
  rpcUrl: string;
  chainId: number;
  deployer: Account;
  /** Faucet mints done right after deployment, in order. */
  mints?: { to: `0x${string}`; amount: bigint }[];
}

export function loadTokenArtifact(): TokenArtifact {
  return JSON.parse(readFileSync(ARTIFACT_PATH, 'utf8')) as TokenArtifact;
}

export async function deployToken(opts: DeployTokenOptions): Promise<TokenInfo> {
  const artifact = loadTokenArtifact();
  const wallet = walletClientFor(opts.rpcUrl, opts.chainId, opts.deployer.privateKey);
  const client = publicClientFor(opts.rpcUrl, opts.chainId);

  const deployHash = await wallet.deployContract({ abi: tokenAbi, bytecode: artifact.bytecode });
  const receipt = await client.waitForTransactionReceipt({ hash: deployHash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`token deployment failed (tx ${deployHash})`);
  const address = getAddress(receipt.contractAddress);

  // Explicit nonces let every mint go out without waiting for the previous receipt.
  let nonce = await client.getTransactionCount({ address: opts.deployer.address, blockTag: 'pending' });
  const hashes: Hex[] = [];
  for (const { to, amount } of opts.mints ?? []) {
    hashes.push(await wallet.writeContract({ address, abi: tokenAbi, functionName: 'mint', args: [to, amount], nonce: nonce++ }));
  }
  for (const hash of hashes) {
    const r = await client.waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new Error(`faucet mint failed (tx ${hash})`);
  }
  return readTokenInfo(client, address);
}

/** Reads name/symbol/decimals/version; `version()` is optional on generic tokens, USDC has it. */
export async function readTokenInfo(client: PublicClient, address: `0x${string}`): Promise<TokenInfo> {
  const [name, symbol, decimals] = await Promise.all([
    client.readContract({ address, abi: tokenAbi, functionName: 'name' }),
    client.readContract({ address, abi: tokenAbi, functionName: 'symbol' }),
    client.readContract({ address, abi: tokenAbi, functionName: 'decimals' }),
  ]);
  const version = await client.readContract({ address, abi: tokenAbi, functionName: 'version' }).catch(() => '1');
  if (decimals !== 6) throw new Error(`token ${address} has ${decimals} decimals; the devnet expects a 6-decimal USDC`);
  if (symbol !== 'USDC') throw new Error(`token ${address} has symbol ${symbol}; the devnet expects USDC`);
  return { address: getAddress(address), name, symbol: 'USDC', decimals: 6, version };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rpc: { type: 'string', default: 'http://127.0.0.1:8545' }, mint: { type: 'string' } },
  });
  const rpcUrl = values.rpc ?? 'http://127.0.0.1:8545';
  const client = publicClientFor(rpcUrl, 1);
  const chainId = await client.getChainId();
  const mints = (values.mint ?? '')
    .split(',')
    .filter((a) => a.length > 0)
    .map((to) => {
      if (!isAddress(to)) throw new Error(`--mint: ${to} is not an address`);
      return { to: getAddress(to), amount: 10_000n * 10n ** 6n };
    });
  const token = await deployToken({ rpcUrl, chainId, deployer: devAccount(0), mints });
  console.log(JSON.stringify(token, null, 2));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
