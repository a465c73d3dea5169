/**
 * Puts DevMulticall's runtime code at the canonical Multicall3 address on the local chain
 * (see DevMulticall.sol for why). Local chain only: a public chain already has Multicall3 there.
 */
import { readFileSync } from 'node:fs';
import type { EIP1193Provider } from '../chain';
import { MULTICALL_ARTIFACT_PATH, type MulticallArtifact } from './compile';

/** Where every public EVM chain has Multicall3, and where `@x402/evm` looks for it. */
export const MULTICALL3_ADDRESS = '0xcA11bde05977b3631167028862bE2a173976CA11';

export function loadMulticallArtifact(): MulticallArtifact {
  return JSON.parse(readFileSync(MULTICALL_ARTIFACT_PATH, 'utf8')) as MulticallArtifact;
}

export async function installMulticall(provider: EIP1193Provider): Promise<`0x${string}`> {
  const { deployedBytecode } = loadMulticallArtifact();
  await provider.request({ method: 'hardhat_setCode', params: [MULTICALL3_ADDRESS, deployedBytecode] });
  return MULTICALL3_ADDRESS;
}
