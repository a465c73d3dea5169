/**
 * Compiles DevMulticall.sol offline (npm `solc`, like the token) and writes `artifact.json`
 * with the **runtime** bytecode: the devnet installs it with `hardhat_setCode` at the canonical
 * Multicall3 address instead of deploying it. Committed, so starting the devnet never compiles;
 * `sourceSha256` lets a test notice a stale artifact.
 *
 * Usage: npm run compile:multicall
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceSha256 } from '../token/compile';

const require = createRequire(import.meta.url);

export const MULTICALL_DIR = dirname(fileURLToPath(import.meta.url));
export const MULTICALL_SOURCE = 'DevMulticall.sol';
export const MULTICALL_ARTIFACT_PATH = join(MULTICALL_DIR, 'artifact.json');

const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.deployedBytecode.object'] } },
} as const;

export interface MulticallArtifact {
  contractName: 'DevMulticall';
  sourceName: string;
  sourceSha256: string;
  compiler: { name: 'solc'; version: string; settings: typeof SETTINGS };
  abi: unknown[];
  /** Runtime code (what sits at an address), not creation code. */
  deployedBytecode: `0x${string}`;
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { deployedBytecode: { object: string } } }>>;
}

export function compileMulticall(): MulticallArtifact {
  const solc = require('solc') as { compile(input: string): string; version(): string };
  const source = readFileSync(join(MULTICALL_DIR, MULTICALL_SOURCE), 'utf8');
  const input = { language: 'Solidity', sources: { [MULTICALL_SOURCE]: { content: source } }, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const problems = (output.errors ?? []).filter((e) => e.severity !== 'info');
  if (problems.length > 0) throw new Error(`solc:\n${problems.map((e) => e.formattedMessage).join('\n')}`);
  const contract = output.contracts?.[MULTICALL_SOURCE]?.DevMulticall;
  if (!contract) throw new Error('solc produced no DevMulticall contract');
  return {
    contractName: 'DevMulticall',
    sourceName: MULTICALL_SOURCE,
    sourceSha256: sourceSha256(source),
    compiler: { name: 'solc', version: solc.version(), settings: SETTINGS },
    abi: contract.abi,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
  };
}

function main(): void {
  const artifact = compileMulticall();
  writeFileSync(MULTICALL_ARTIFACT_PATH, `${JSON.stringify(artifact, null, 2)}\n`);
  console.log(`wrote ${MULTICALL_ARTIFACT_PATH} (${(artifact.deployedBytecode.length - 2) / 2} bytes of runtime code)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
