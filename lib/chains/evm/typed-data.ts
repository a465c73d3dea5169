import { createPublicClient, hashDomain, http, isHex, parseAbi, recoverTypedDataAddress, type Hex } from 'viem';
import type { WalletRequest, WalletResult } from '../types';

/**
 * The two EIP-712 signatures the EVM signer chunk can ask the person's wallet for, besides the
 * `approve` transaction: an ERC-2612 `Permit` (one allowance for a cap, no gas) and an EIP-3009
 * `TransferWithAuthorization` (one exact transfer). Both are serialisable requests that cross into
 * the page; the chunk fills in what only the wallet knows (the account, and for a permit the
 * token's `nonces(owner)`), and the background checks the answer here before using it: the
 * signature must recover to the reported account over exactly the data that was asked.
 */

/** Stands in for the wallet's account while a request is drafted: only the wallet names it, and the signer chunk fills it in. */
export const DRAFT_ACCOUNT = '0x0000000000000000000000000000000000000000';

export const PERMIT_TYPES = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

export const TRANSFER_WITH_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const;

/** The token's EIP-712 domain as a 402 names it (`extra.name`, `extra.version`). */
export interface TokenDomain {
  name: string;
  version: string;
}

interface TypedRequestBase extends WalletRequest {
  chainId: number;
  /** The token: the domain's `verifyingContract`. */
  token: `0x${string}`;
  domain: TokenDomain;
}

/** ERC-2612 `Permit(owner, spender, value, nonce, deadline)`; owner and nonce come from the wallet and the chain. */
export interface EvmPermitRequest extends TypedRequestBase {
  kind: 'erc2612-permit';
  spender: `0x${string}`;
  value: string;
  deadline: string;
}

/** EIP-3009 `TransferWithAuthorization(from, to, value, validAfter, validBefore, nonce)`; `from` is the wallet's account. */
export interface EvmTransferAuthorizationRequest extends TypedRequestBase {
  kind: 'eip3009-authorization';
  to: `0x${string}`;
  value: string;
  validAfter: string;
  validBefore: string;
  nonce: `0x${string}`;
}

export type EvmTypedRequest = EvmPermitRequest | EvmTransferAuthorizationRequest;

const DOMAIN_ABI = parseAbi(['function DOMAIN_SEPARATOR() view returns (bytes32)', 'function nonces(address owner) view returns (uint256)']);

function domainOf(req: TypedRequestBase) {
  return { name: req.domain.name, version: req.domain.version, chainId: req.chainId, verifyingContract: req.token };
}

/** The typed data a permit request asks to sign, once the wallet named its account and the chain its nonce. */
export function permitTypedData(req: EvmPermitRequest, owner: `0x${string}`, nonce: bigint) {
  return {
    domain: domainOf(req),
    types: PERMIT_TYPES,
    primaryType: 'Permit' as const,
    message: { owner, spender: req.spender, value: BigInt(req.value), nonce, deadline: BigInt(req.deadline) },
  };
}

/** The typed data an authorization request asks to sign, once the wallet named its account. */
export function authorizationTypedData(req: EvmTransferAuthorizationRequest, from: `0x${string}`) {
  return {
    domain: domainOf(req),
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: 'TransferWithAuthorization' as const,
    message: { from, to: req.to, value: BigInt(req.value), validAfter: BigInt(req.validAfter), validBefore: BigInt(req.validBefore), nonce: req.nonce },
  };
}

function client(rpcUrl: string) {
  return createPublicClient({ transport: http(rpcUrl, { timeout: 10_000, retryCount: 1 }) });
}

/**
 * Is `domain` the token's own EIP-712 domain on this chain? A 402 names the domain in untrusted
 * `extra`; a lie (another name or version) would make the person sign something no token accepts,
 * or, for a look-alike contract, something else entirely, so it is compared with the token's
 * `DOMAIN_SEPARATOR()` before the wallet is asked. Throws when the chain cannot be read (or the
 * token has no `DOMAIN_SEPARATOR`: then it speaks neither ERC-2612 nor EIP-3009).
 */
export async function isTokenDomain(rpcUrl: string, token: `0x${string}`, chainId: number, domain: TokenDomain): Promise<boolean> {
  const onChain = await client(rpcUrl).readContract({ address: token, abi: DOMAIN_ABI, functionName: 'DOMAIN_SEPARATOR' });
  return onChain.toLowerCase() === domainSeparator(token, chainId, domain).toLowerCase();
}

const EIP712_DOMAIN = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
] as const;

/** The EIP-712 domain separator of (name, version, chainId, verifyingContract), as ERC-2612 / EIP-3009 tokens compute it. */
export function domainSeparator(token: `0x${string}`, chainId: number, domain: TokenDomain): Hex {
  return hashDomain({ domain: { name: domain.name, version: domain.version, chainId: BigInt(chainId), verifyingContract: token }, types: { EIP712Domain: EIP712_DOMAIN } });
}

export async function readPermitNonce(rpcUrl: string, token: `0x${string}`, owner: `0x${string}`): Promise<bigint> {
  return client(rpcUrl).readContract({ address: token, abi: DOMAIN_ABI, functionName: 'nonces', args: [owner] });
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function signatureOf(result: WalletResult): Hex | null {
  const s = result.extra?.signature;
  return typeof s === 'string' && isHex(s, { strict: true }) && s.length >= 132 && s.length % 2 === 0 ? s : null;
}

/**
 * Is the signer chunk's answer a signature of exactly the asked typed data by the reported
 * account? Null when it is; otherwise why not. A permit is also checked against the chain: its
 * nonce must be the token's current `nonces(owner)` (else it can never be used, or it is an old
 * one replayed). Throws when the chain cannot be read. Smart-contract wallets (ERC-1271) do not
 * recover and are refused.
 */
export async function verifyTypedSignature(rpcUrl: string, request: WalletRequest, result: WalletResult): Promise<string | null> {
  const signature = signatureOf(result);
  if (!signature) return 'not a signature';
  if (!ADDRESS.test(result.user)) return 'the wallet named no account';
  const user = result.user as `0x${string}`;
  let recovered: string;
  if (request.kind === 'erc2612-permit') {
    const req = request as EvmPermitRequest;
    const nonce = result.extra?.nonce;
    if (typeof nonce !== 'string' || !/^(0|[1-9][0-9]{0,77})$/.test(nonce)) return 'the permit names no nonce';
    recovered = await recoverTypedDataAddress({ ...permitTypedData(req, user, BigInt(nonce)), signature }).catch(() => '');
    if (recovered.toLowerCase() !== user.toLowerCase()) return 'the permit is not signed by the reported account';
    const current = await readPermitNonce(rpcUrl, req.token, user);
    if (current !== BigInt(nonce)) return `the permit nonce is ${nonce}, the token expects ${current}`;
    return null;
  }
  if (request.kind === 'eip3009-authorization') {
    recovered = await recoverTypedDataAddress({ ...authorizationTypedData(request as EvmTransferAuthorizationRequest, user), signature }).catch(() => '');
    return recovered.toLowerCase() === user.toLowerCase() ? null : 'the authorization is not signed by the reported account';
  }
  return 'not a typed-data request';
}

/**
 * `isTokenDomain` through each RPC in turn: 'ok', 'mismatch' (the domain is not the token's own),
 * or 'unreadable' (no RPC answered, or the token has no `DOMAIN_SEPARATOR`).
 */
export async function tokenDomainStatus(rpcs: readonly string[], token: `0x${string}`, chainId: number, domain: TokenDomain): Promise<'ok' | 'mismatch' | 'unreadable'> {
  for (const rpc of rpcs) {
    try {
      return (await isTokenDomain(rpc, token, chainId, domain)) ? 'ok' : 'mismatch';
    } catch {
      // Unreachable RPC, or no such function: try the next one.
    }
  }
  return 'unreadable';
}
