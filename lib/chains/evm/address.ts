import { isAddress as viemIsAddress } from 'viem';

/** Any 20-byte hex address; a mixed-case one must carry a valid EIP-55 checksum. */
export function isEvmAddress(value: string): boolean {
  return viemIsAddress(value, { strict: false });
}
