/**
 * x402 v1 names networks (`base-sepolia`), and `@x402/evm`'s v1 code resolves a name to a chain
 * id only through its `EVM_NETWORK_CHAIN_ID_MAP`, which lists public chains. The local chain has
 * no v1 name, so the devnet uses the spelling the session v1 route already uses for it (its
 * CAIP-2 string, see `v1NetworkName`) and adds that one entry to the map, in this process only.
 * This is the single place the devnet touches reference-package data.
 */
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';
import { BadOptionError } from '../errors';

export function registerV1NetworkName(name: string, chainId: number): void {
  const map = EVM_NETWORK_CHAIN_ID_MAP as Record<string, number>;
  const known = map[name];
  if (known !== undefined && known !== chainId) {
    throw new BadOptionError(`v1 network ${name} is chain ${known} in @x402/evm, not ${chainId}`);
  }
  map[name] = chainId;
}
