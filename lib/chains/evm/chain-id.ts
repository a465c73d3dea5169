/**
 * The EVM chain id an x402 `network` string names, for signing (EIP-712 `chainId`).
 *
 * v2 speaks CAIP-2 only (`eip155:<id>`; the reference client refuses anything else). v1 speaks
 * names; this table is the v1 name list of `@x402/evm` 2.27 (`EVM_NETWORK_CHAIN_ID_MAP`), the
 * names a v1 server can send and the reference client pays. A v1 server on a chain v1 never
 * named (our devnet) uses the CAIP-2 string, which is accepted too.
 */
const V1_EVM_NETWORKS: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    ethereum: 1,
    sepolia: 11155111,
    abstract: 2741,
    'abstract-testnet': 11124,
    'base-sepolia': 84532,
    base: 8453,
    'avalanche-fuji': 43113,
    avalanche: 43114,
    iotex: 4689,
    sei: 1329,
    'sei-testnet': 1328,
    polygon: 137,
    'polygon-amoy': 80002,
    peaq: 3338,
    story: 1514,
    educhain: 41923,
    'skale-base-sepolia': 324705682,
    megaeth: 4326,
    monad: 143,
    stable: 988,
    'stable-testnet': 2201,
    celo: 42220,
    flare: 14,
  }),
);

const EIP155 = /^eip155:([1-9][0-9]{0,15})$/;

/** Chain id of `eip155:<id>`, or undefined. */
export function caip2ChainId(network: unknown): number | undefined {
  if (typeof network !== 'string') return undefined;
  const m = EIP155.exec(network);
  if (!m) return undefined;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** Chain id for a v2 (`eip155:<id>`) or v1 (`base-sepolia`, …, or `eip155:<id>`) network, or undefined. */
export function evmChainIdOf(network: unknown, x402Version: 1 | 2): number | undefined {
  const caip = caip2ChainId(network);
  if (caip !== undefined || x402Version === 2 || typeof network !== 'string') return caip;
  return Object.prototype.hasOwnProperty.call(V1_EVM_NETWORKS, network) ? V1_EVM_NETWORKS[network] : undefined;
}
