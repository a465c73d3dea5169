/**
 * Plain EIP-712 signing for the `exact` and `upto` devnet tests: viem's signTypedData with the
 * typed data written out here, no @x402 client and no lib/ helper, so the devnet is checked
 * against the wire format itself (the lib/ tests then check the helpers against the devnet).
 */
import { getAddress, parseAbi, toHex, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Account, Stack } from '../../../devnet/stack';
import { clientsFor } from './sessions';

export const permitToken = parseAbi([
  'function nonces(address owner) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function approve(address spender, uint256 value) returns (bool)',
  'function authorizationState(address authorizer, bytes32 nonce) view returns (bool)',
]);

export interface Requirements {
  scheme: string;
  network: string;
  asset: string;
  payTo: string;
  amount?: string;
  maxAmountRequired?: string;
  maxTimeoutSeconds: number;
  extra: Record<string, unknown>;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function randomNonce(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

export async function signTransferAuthorization(
  stack: Pick<Stack, 'chain'>,
  payer: Account,
  req: Requirements,
  over: Partial<{ value: string; to: string; validAfter: string; validBefore: string; nonce: Hex }> = {},
) {
  const now = nowSeconds();
  const authorization = {
    from: getAddress(payer.address),
    to: getAddress(over.to ?? req.payTo),
    value: over.value ?? req.amount ?? req.maxAmountRequired ?? '0',
    validAfter: over.validAfter ?? '0',
    validBefore: over.validBefore ?? String(now + req.maxTimeoutSeconds),
    nonce: over.nonce ?? randomNonce(),
  };
  const signature = await privateKeyToAccount(payer.privateKey).signTypedData({
    domain: { name: String(req.extra.name), version: String(req.extra.version), chainId: stack.chain.chainId, verifyingContract: getAddress(req.asset) },
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
    message: {
      ...authorization,
      value: BigInt(authorization.value),
      validAfter: BigInt(authorization.validAfter),
      validBefore: BigInt(authorization.validBefore),
    },
  });
  return { authorization, signature };
}

export async function permitNonce(stack: Stack, owner: `0x${string}`): Promise<bigint> {
  const { publicClient } = clientsFor(stack, stack.accounts.deployer);
  return publicClient.readContract({ address: stack.token.address, abi: permitToken, functionName: 'nonces', args: [owner] });
}

export async function allowanceOf(stack: Stack, owner: `0x${string}`, spender: `0x${string}`): Promise<bigint> {
  const { publicClient } = clientsFor(stack, stack.accounts.deployer);
  return publicClient.readContract({ address: stack.token.address, abi: permitToken, functionName: 'allowance', args: [owner, spender] });
}

/** A daydreams `upto` payload: ERC-2612 Permit(owner, spender, cap, nonces(owner), deadline). */
export async function signUptoPermit(
  stack: Stack,
  owner: Account,
  req: Requirements,
  opts: { cap?: bigint; spender?: `0x${string}`; deadline?: bigint; nonce?: bigint } = {},
) {
  const spender = getAddress(opts.spender ?? stack.upto.spender);
  const cap = opts.cap ?? BigInt(String(req.extra.maxAmountRequired ?? req.amount));
  const nonce = opts.nonce ?? (await permitNonce(stack, owner.address));
  const deadline = opts.deadline ?? BigInt(nowSeconds() + req.maxTimeoutSeconds);
  const signature = await privateKeyToAccount(owner.privateKey).signTypedData({
    domain: { name: String(req.extra.name), version: String(req.extra.version), chainId: stack.chain.chainId, verifyingContract: getAddress(req.asset) },
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
    message: { owner: getAddress(owner.address), spender, value: cap, nonce, deadline },
  });
  return {
    authorization: { from: getAddress(owner.address), to: spender, value: cap.toString(), validBefore: deadline.toString(), nonce: nonce.toString() },
    signature,
  };
}

/** Polls until `check` holds (settlements run in the background). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
