/**
 * `npm run devnet`: starts the whole local x402 stack, prints what a developer needs, and stops
 * cleanly on Ctrl-C. See devnet/README.md for every flag.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isAddress, isHex, type Hex } from 'viem';
import { BadOptionError, DevnetError, PortInUseError } from './errors';
import { startRemoteStack, startStack, type RemoteStack, type Stack } from './stack';

const USAGE = `Usage: npm run devnet -- [options]

Local stack (default): hardhat chain + DevUSDC + session facilitator + paid API + demo dapp,
plus the exact and upto facilitators (their routes are on the paid API under /api/exact, /api/upto),
and the local Stellar half (Soroban-RPC stand-in + USDC SAC + Stellar session facilitator).
  --host <ip>                 listen address            (DEVNET_HOST, default 127.0.0.1)
  --chain-id <n>              local chain id            (DEVNET_CHAIN_ID, default 31337)
  --chain-port <n>            JSON-RPC port             (DEVNET_CHAIN_PORT, default 8545)
  --facilitator-port <n>      facilitator port          (DEVNET_FACILITATOR_PORT, default 4020)
  --api-port <n>              paid API port             (DEVNET_API_PORT, default 4021)
  --dapp-port <n>             demo dapp port            (DEVNET_DAPP_PORT, default 4022)
  --exact-facilitator-port <n>  exact facilitator port  (DEVNET_EXACT_FACILITATOR_PORT, default 4023)
  --upto-facilitator-port <n>   upto facilitator port   (DEVNET_UPTO_FACILITATOR_PORT, default 4024)
  --data-dir <path>           facilitator SQLite folder (DEVNET_DATA_DIR, default ./.devnet-data)
  --per-call-max <units>      per-call ceiling, base units (DEVNET_PER_CALL_MAX, default 1000000 = 1.00)
  --stellar-rpc-port <n>      Soroban-RPC stand-in port (DEVNET_STELLAR_RPC_PORT, default 8000)
  --stellar-facilitator-port <n>  Stellar facilitator port (DEVNET_STELLAR_FACILITATOR_PORT, default 4025)
  --no-stellar                no Stellar half           (DEVNET_NO_STELLAR=1)
  --quiet                     no per-request logs
  --solana                    also run the Solana half  (DEVNET_SOLANA=1)
  --solana-rpc-port <n>       Solana JSON-RPC + WS port (DEVNET_SOLANA_RPC_PORT, default 8899)
  --solana-facilitator-port <n>  Solana facilitator port (DEVNET_SOLANA_FACILITATOR_PORT, default 4030)
Ports: 0 picks a free port.

Remote chain (e.g. Base Sepolia): no local chain, no token deploy.
  --rpc <url>                 JSON-RPC URL              (DEVNET_RPC_URL)
  --network <caip2>           e.g. eip155:84532         (DEVNET_NETWORK)
  --token <address>           USDC on that chain        (DEVNET_TOKEN)
  --facilitator-key <hex>     spender key, holds gas    (DEVNET_FACILITATOR_KEY)
  --recipient <address>       payTo of the paid API     (DEVNET_RECIPIENT, default the facilitator)
`;

/** PortInUseError labels (see each component's listen call) → the flag that moves it. */
const PORT_FLAGS: Record<string, string> = {
  'chain (JSON-RPC)': '--chain-port',
  facilitator: '--facilitator-port',
  'paid API': '--api-port',
  'demo dapp': '--dapp-port',
  'exact facilitator': '--exact-facilitator-port',
  'upto facilitator': '--upto-facilitator-port',
  'solana RPC': '--solana-rpc-port',
  'solana facilitator': '--solana-facilitator-port',
  'Stellar RPC': '--stellar-rpc-port',
  'Stellar facilitator': '--stellar-facilitator-port',
};

interface CliConfig {
  host: string;
  ports: { chain: number; facilitator: number; api: number; dapp: number; exactFacilitator: number; uptoFacilitator: number; stellarRpc: number; stellarFacilitator: number };
  /** Start the local Stellar half (local stack only). */
  stellar: boolean;
  chainId: number;
  dataDir: string;
  perCallMax: bigint;
  quiet: boolean;
  /** Solana ports when the Solana half is on. */
  solana?: { rpc: number; facilitator: number };
  remote?: { rpcUrl: string; network: string; token: `0x${string}`; facilitatorKey: Hex; recipient?: `0x${string}` };
}

function parsePort(name: string, raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new BadOptionError(`${name} must be a port number (0-65535), got ${raw}`);
  return n;
}

function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      host: { type: 'string' },
      'chain-id': { type: 'string' },
      'chain-port': { type: 'string' },
      'facilitator-port': { type: 'string' },
      'api-port': { type: 'string' },
      'dapp-port': { type: 'string' },
      'exact-facilitator-port': { type: 'string' },
      'upto-facilitator-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'per-call-max': { type: 'string' },
      quiet: { type: 'boolean' },
      solana: { type: 'boolean' },
      'solana-rpc-port': { type: 'string' },
      'solana-facilitator-port': { type: 'string' },
      'stellar-rpc-port': { type: 'string' },
      'stellar-facilitator-port': { type: 'string' },
      'no-stellar': { type: 'boolean' },
      rpc: { type: 'string' },
      network: { type: 'string' },
      token: { type: 'string' },
      'facilitator-key': { type: 'string' },
      recipient: { type: 'string' },
    },
  });
  if (values.help) return 'help';
  const pick = (flag: string | undefined, envName: string, fallback: string): string => flag ?? env[envName] ?? fallback;

  const chainIdRaw = pick(values['chain-id'], 'DEVNET_CHAIN_ID', '31337');
  if (!/^\d+$/.test(chainIdRaw) || Number(chainIdRaw) === 0) throw new BadOptionError(`--chain-id must be a positive integer, got ${chainIdRaw}`);
  const perCallRaw = pick(values['per-call-max'], 'DEVNET_PER_CALL_MAX', '1000000');
  if (!/^\d+$/.test(perCallRaw) || BigInt(perCallRaw) === 0n) {
    throw new BadOptionError(`--per-call-max must be a positive integer in base units (1000000 = 1.00 USDC), got ${perCallRaw}`);
  }

  const config: CliConfig = {
    host: pick(values.host, 'DEVNET_HOST', '127.0.0.1'),
    ports: {
      chain: parsePort('--chain-port', pick(values['chain-port'], 'DEVNET_CHAIN_PORT', '8545')),
      facilitator: parsePort('--facilitator-port', pick(values['facilitator-port'], 'DEVNET_FACILITATOR_PORT', '4020')),
      api: parsePort('--api-port', pick(values['api-port'], 'DEVNET_API_PORT', '4021')),
      dapp: parsePort('--dapp-port', pick(values['dapp-port'], 'DEVNET_DAPP_PORT', '4022')),
      exactFacilitator: parsePort('--exact-facilitator-port', pick(values['exact-facilitator-port'], 'DEVNET_EXACT_FACILITATOR_PORT', '4023')),
      uptoFacilitator: parsePort('--upto-facilitator-port', pick(values['upto-facilitator-port'], 'DEVNET_UPTO_FACILITATOR_PORT', '4024')),
      stellarRpc: parsePort('--stellar-rpc-port', pick(values['stellar-rpc-port'], 'DEVNET_STELLAR_RPC_PORT', '8000')),
      stellarFacilitator: parsePort('--stellar-facilitator-port', pick(values['stellar-facilitator-port'], 'DEVNET_STELLAR_FACILITATOR_PORT', '4025')),
    },
    stellar: !(values['no-stellar'] ?? env.DEVNET_NO_STELLAR === '1'),
    chainId: Number(chainIdRaw),
    dataDir: resolve(pick(values['data-dir'], 'DEVNET_DATA_DIR', '.devnet-data')),
    perCallMax: BigInt(perCallRaw),
    quiet: values.quiet ?? false,
  };
  if (values.solana || env.DEVNET_SOLANA === '1') {
    config.solana = {
      rpc: parsePort('--solana-rpc-port', pick(values['solana-rpc-port'], 'DEVNET_SOLANA_RPC_PORT', '8899')),
      facilitator: parsePort('--solana-facilitator-port', pick(values['solana-facilitator-port'], 'DEVNET_SOLANA_FACILITATOR_PORT', '4030')),
    };
  }

  const rpcUrl = values.rpc ?? env.DEVNET_RPC_URL;
  if (rpcUrl) {
    const network = values.network ?? env.DEVNET_NETWORK;
    const token = values.token ?? env.DEVNET_TOKEN;
    const key = values['facilitator-key'] ?? env.DEVNET_FACILITATOR_KEY;
    const recipient = values.recipient ?? env.DEVNET_RECIPIENT;
    if (!network) throw new BadOptionError('--rpc needs --network (e.g. eip155:84532)');
    if (!token || !isAddress(token)) throw new BadOptionError('--rpc needs --token <address> (USDC on that chain)');
    const facilitatorKey = key && !key.startsWith('0x') ? `0x${key}` : key;
    if (!facilitatorKey || !isHex(facilitatorKey) || facilitatorKey.length !== 66) {
      throw new BadOptionError('--rpc needs --facilitator-key <32-byte hex private key> (the spender; it pays gas)');
    }
    if (recipient !== undefined && !isAddress(recipient)) throw new BadOptionError(`--recipient ${recipient} is not an address`);
    config.remote = { rpcUrl, network, token, facilitatorKey, recipient };
  }
  return config;
}

function fmtUsdc(units: bigint): string {
  const whole = units / 1_000_000n;
  const frac = (units % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${frac}`;
}

function fmtStellar(units: bigint): string {
  const whole = units / 10_000_000n;
  const frac = (units % 10_000_000n).toString().padStart(7, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${frac}`;
}

function printBanner(stack: Stack | RemoteStack, config: CliConfig): void {
  const api = stack.api;
  const lines = [
    '',
    'x402 devnet is up',
    '',
    `  chain        ${stack.chain.rpcUrl}   (${stack.chain.network})`,
    `  facilitator  ${stack.facilitator.url}   GET /supported · POST /sessions · GET /sessions/:id · POST /verify · POST /settle`,
    `  paid API     ${api.url}`,
    `                 POST ${api.paths.chat}  ${fmtUsdc(api.prices.chat)} USDC`,
    `                 GET  ${api.paths.cheap}  ${fmtUsdc(api.prices.cheap)} USDC`,
    `                 GET  ${api.paths.v1}  ${fmtUsdc(api.prices.v1)} USDC (x402 v1)`,
    `                 GET  ${api.paths.nocors}  ${fmtUsdc(api.prices.nocors)} USDC (no CORS headers)`,
    `                 GET  ${api.paths.hidden}  ${fmtUsdc(api.prices.hidden)} USDC (CORS without exposed x402 headers)`,
    `  demo dapp    ${stack.dapp.url}`,
  ];
  if ('exact' in stack) {
    const { exact, upto } = stack;
    lines.push(
      `  exact        ${exact.facilitatorUrl}   (@x402/core + @x402/evm) GET /supported · POST /verify · POST /settle`,
      `                 GET  ${exact.paths.exact}  ${fmtUsdc(exact.prices.exact)} USDC (exact v2, one signature per call)`,
      `                 GET  ${exact.paths.exactPermit2}  ${fmtUsdc(exact.prices.exact)} USDC (exact v2, Permit2 variant: not payable here)`,
      `                 GET  ${exact.paths.exactV1}  ${fmtUsdc(exact.prices.exactV1)} USDC (exact v1, network ${exact.v1Network})`,
      `  upto         ${upto.facilitatorUrl}   (daydreams format) spender ${upto.spender}`,
      `                 GET  ${upto.paths.upto}  ${fmtUsdc(upto.price)} USDC a call, permit cap ≥ ${fmtUsdc(upto.cap)} USDC`,
      `                 GET  ${upto.paths.uptoSessions}/:id · POST ${upto.paths.uptoSessions}/:id/close`,
    );
  }
  lines.push(
    '',
    `  token        ${stack.token.address}   ${stack.token.name} (${stack.token.symbol}, ${stack.token.decimals} decimals, EIP-712 version ${stack.token.version})`,
    `  facilitator  ${stack.facilitator.address}   (spender)`,
    `  recipient    ${api.recipient}   (payTo)`,
    `  ledger       ${stack.facilitator.dbPath}`,
    `  per-call max ${fmtUsdc(config.perCallMax)} USDC`,
  );
  const stellar = 'stellar' in stack ? stack.stellar : undefined;
  if (stellar && api.stellar) {
    const s = api.stellar;
    const payer = stellar.accounts.payers[0];
    lines.push(
      '',
      `  Stellar (${stellar.network}, passphrase "${stellar.passphrase}"; ledger execution is an in-memory stand-in)`,
      `    soroban rpc  ${stellar.rpc.url}`,
      `    facilitator  ${stellar.facilitator.url}   spender ${stellar.facilitator.address}`,
      `    paid API     POST ${api.url}${s.paths.chat}  ${fmtStellar(s.prices.chat)} USDC`,
      `                 GET  ${api.url}${s.paths.cheap}  ${fmtStellar(s.prices.cheap)} USDC`,
      `    asset        ${stellar.asset.contractId}   ${stellar.asset.name} (SAC, ${stellar.asset.decimals} decimals)`,
      `    recipient    ${s.recipient}   (payTo)`,
    );
    if (payer) {
      lines.push(
        `    funded payer ${payer.publicKey}   secret ${payer.secret}`,
        `                 (a PUBLIC devnet key derived from a fixed string; ${stellar.accounts.payers.length} payers, 10,000 USDC each; never fund it on a real network)`,
      );
    }
  }
  if ('users' in stack.accounts) {
    const user = stack.accounts.users[0];
    if (user) {
      lines.push(
        '',
        '  funded dev user (PUBLIC hardhat test key: anyone can use it; never send real funds to it)',
        `    address      ${user.address}`,
        `    private key  ${user.privateKey}`,
        `  ${stack.accounts.users.length} funded users in all: hardhat mnemonic "test test … junk", accounts #3-#${2 + stack.accounts.users.length}; 10,000 ETH and 10,000 USDC each`,
      );
    }
  }
  if ('solana' in stack && stack.solana) {
    const sol = stack.solana;
    const payer = sol.payers[0];
    lines.push(
      '',
      `  solana rpc   ${sol.rpc.url}   (HTTP + WebSocket on one port; litesvm, network "${sol.network}", wallet chain ${sol.walletChain})`,
      `  solana fac.  ${sol.facilitator.url}   GET /supported · POST /sessions · GET /sessions/:id · POST /verify · POST /settle`,
      `  solana API   POST ${api.url}${sol.api.paths.chat}  ${fmtUsdc(sol.api.prices.chat)} USDC · GET ${api.url}${sol.api.paths.cheap}  ${fmtUsdc(sol.api.prices.cheap)} USDC`,
      `  solana mint  ${sol.mint.address}   (SPL, ${sol.mint.decimals} decimals)`,
      `  solana fac.  ${sol.facilitator.address}   (delegate and fee payer)`,
      `  solana payTo ${sol.recipient.address}`,
    );
    if (payer) {
      lines.push(
        `  solana payer ${payer.address}   (PUBLIC dev key; 10,000 USDC, 0 SOL)`,
        `    secret key   [${Array.from(payer.keypair.secretKey).join(',')}]`,
      );
    }
  }
  lines.push('', 'Ctrl-C stops everything.', '');
  console.log(lines.join('\n'));
}

async function main(): Promise<number> {
  let config: CliConfig | 'help';
  try {
    config = parseCli(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`devnet: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (config === 'help') {
    console.log(USAGE);
    return 0;
  }

  const started = Date.now();
  let stack: Stack | RemoteStack;
  try {
    stack = config.remote
      ? await startRemoteStack({ ...config.remote, host: config.host, ports: config.ports, dataDir: config.dataDir, perCallMax: config.perCallMax, quiet: config.quiet })
      : await startStack({
          host: config.host,
          chainId: config.chainId,
          ports: { ...config.ports, solanaRpc: config.solana?.rpc, solanaFacilitator: config.solana?.facilitator },
          dataDir: config.dataDir,
          perCallMax: config.perCallMax,
          quiet: config.quiet,
          solana: config.solana ? true : undefined,
          stellar: config.stellar,
        });
  } catch (err) {
    // One line, naming the port or option; the stack already stopped whatever it had started.
    const message =
      err instanceof PortInUseError
        ? `port ${err.port} (${err.label}) on ${err.host} is already in use; free it or pass ${PORT_FLAGS[err.label] ?? 'another port'} <n>`
        : err instanceof DevnetError
          ? err.message
          : `failed to start: ${(err as Error).message}`;
    console.error(`devnet: ${message}`);
    return 1;
  }
  printBanner(stack, config);
  if (!config.quiet) console.log(`(started in ${Date.now() - started} ms)`);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      console.log(`\ndevnet: ${signal} received, stopping…`);
      stack.stop().then(
        () => {
          console.log('devnet: stopped');
          resolveExit(0);
        },
        (err: unknown) => {
          console.error(`devnet: error while stopping: ${(err as Error).message}`);
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`devnet: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
