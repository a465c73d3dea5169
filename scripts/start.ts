/**
 * `npm start`: build the extension, start the local x402 stack, open Chromium with the extension on
 * the demo dapp.
 *
 * With a display it opens a real window and keeps everything running until Ctrl-C. Without one (or
 * with --headless) it walks the demo itself — request a session, approve it, ten paid chat
 * messages; on EVM then three pulls on the `upto` route (one permit) and three on the `exact` route
 * (a signature each) — prints what moved on chain and how many wallet signatures each needed, and
 * saves screenshots of the approval windows and the popup.
 *
 * The local chain has no real wallet, so a dev wallet (the funded dev key printed below) is built
 * into the demo browser; pass --own-wallet to rely on a wallet extension of your own instead.
 *
 * `--chain stellar` does the same on the devnet's Stellar half (stellar:local: the Soroban-RPC
 * stand-in, its USDC SAC and the Stellar facilitator), with Freighter stood in for by a funded dev
 * key (e2e/support/freighter-wallet.ts) unless --own-wallet.
 * `--chain solana` runs the same demo on the devnet's Solana half (litesvm, the Solana session
 * facilitator) with a Wallet Standard dev wallet: one approval step (the partial approve and the
 * auth message), then ten paid calls; it prints token balances from the local runtime.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createPublicClient, http, parseAbi } from 'viem';
import { startStack, type Stack, type StackSolana } from '../devnet/stack';
import { launchWithExtension, type ExtensionBrowser } from '../e2e/support/extension';
import { FreighterStandIn } from '../e2e/support/freighter-wallet';
import { SolanaTestWallet } from '../e2e/support/solana-wallet';
import { TestWallet } from '../e2e/support/test-wallet';
import { configureExtension } from '../e2e/fixtures-config';

const argv = process.argv.slice(2);
const args = new Set(argv);
/** `--chain stellar`, `--chain solana` (or `--chain=…`): which chain the demo pays on; EVM by default. */
const chainArg = argv.find((a) => a.startsWith('--chain='))?.slice('--chain='.length) ?? (argv.includes('--chain') ? argv[argv.indexOf('--chain') + 1] : undefined) ?? 'evm';
if (chainArg !== 'evm' && chainArg !== 'stellar' && chainArg !== 'solana') {
  console.error(`--chain must be evm, stellar or solana, not ${JSON.stringify(chainArg)}`);
  process.exit(2);
}
const onStellar = chainArg === 'stellar';
const onSolana = chainArg === 'solana';
const headless = args.has('--headless') || (!process.env.DISPLAY && process.platform === 'linux');
const shotsDir = resolve(process.env.X402_SCREENSHOTS ?? 'artifacts/start');
// Same port variables as `npm run devnet`.
const portArg = (name: string, fallback: number) => Number(process.env[`DEVNET_${name.toUpperCase()}_PORT`] ?? fallback);

function step(msg: string) {
  console.log(`\n▸ ${msg}`);
}

async function main() {
  if (!args.has('--no-build')) {
    step('Building the extension (npm run build)');
    const r = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
  step('Starting the local stack');
  const stack = await startStack({
    ports: {
      chain: portArg('chain', 8545),
      facilitator: portArg('facilitator', 4020),
      api: portArg('api', 4021),
      dapp: portArg('dapp', 4022),
      ...(onStellar ? { stellarRpc: portArg('stellar_rpc', 8000), stellarFacilitator: portArg('stellar_facilitator', 4025) } : {}),
      ...(onSolana ? { solanaRpc: portArg('solana_rpc', 8899), solanaFacilitator: portArg('solana_facilitator', 4030) } : {}),
    },
    dataDir: resolve('.devnet-data'),
    quiet: true,
    ...(onStellar ? { stellar: { payerCount: 1 } } : {}),
    ...(onSolana ? { solana: true } : {}),
  });
  if (onSolana) return startSolana(stack);
  const user = stack.accounts.users[0]!;
  console.log(`  chain        ${stack.chain.rpcUrl}  (${stack.chain.network})
  token        ${stack.token.address}  ${stack.token.symbol}, ${stack.token.decimals} decimals
  facilitator  ${stack.facilitator.url}  spender ${stack.facilitator.address}
  paid API     ${stack.api.url}  (POST ${stack.api.paths.chat} ${fmt(stack.api.prices.chat)}, GET ${stack.api.paths.cheap} ${fmt(stack.api.prices.cheap)})
               upto  GET ${stack.upto.paths.upto} ${fmt(stack.upto.price)} (facilitator ${stack.upto.facilitatorUrl}, spender ${stack.upto.spender})
               exact GET ${stack.exact.paths.exact} ${fmt(stack.exact.prices.exact)}, v1 ${stack.exact.paths.exactV1} ${fmt(stack.exact.prices.exactV1)} (facilitator ${stack.exact.facilitatorUrl})
  demo dapp    ${stack.dapp.url}
  dev wallet   ${user.address}  key ${user.privateKey}  (public Hardhat dev key: never use it anywhere else)`);
  const stellarPayer = stack.stellar?.accounts.payers[0];
  if (stack.stellar && stellarPayer) {
    const s = stack.stellar;
    console.log(`  Stellar      ${s.network} (passphrase "${s.passphrase}"; ledger execution is an in-memory stand-in)
  soroban rpc  ${s.rpc.url}
  facilitator  ${s.facilitator.url}  spender ${s.facilitator.address}
  asset        ${s.asset.contractId}  ${s.asset.code} SAC, ${s.asset.decimals} decimals
  recipient    ${s.accounts.recipient.publicKey}
  Freighter    ${stellarPayer.publicKey}  secret ${stellarPayer.secret}  (public devnet key: never fund it on a real network)`);
  }

  step(`Opening Chromium with the extension (${headless ? 'headless' : 'windowed'})`);
  // A fresh profile each run: the local chain is new each time, so old sessions would point at nothing.
  const ext = await launchWithExtension({ headless });
  await configureExtension(ext, stack);
  let demo: DemoChain | null = null;
  if (!args.has('--own-wallet')) {
    demo = stack.stellar && stellarPayer ? await stellarDemo(stack, ext, stellarPayer.secret) : await evmDemo(stack, ext, user.privateKey as `0x${string}`);
  }
  const dapp = await ext.context.newPage();
  await dapp.goto(onStellar ? `${stack.dapp.url}/?chain=stellar` : stack.dapp.url);

  const shutdown = async (code: number) => {
    await ext.close().catch(() => undefined);
    await stack.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  if (!headless) {
    console.log('\nThe demo dapp is open. Click "Start session", approve once, then chat or pull the slot machine: each call is paid from the session with no popup.\nPress Ctrl-C to stop everything.');
    return;
  }
  try {
    if (!demo) throw new Error('the headless walk needs the built-in dev wallet (drop --own-wallet)');
    await walkDemo(demo, ext, dapp);
    await shutdown(0);
  } catch (e) {
    console.error(`\nThe demo walk failed: ${e instanceof Error ? e.message : String(e)}`);
    await dapp.screenshot({ path: join(shotsDir, 'failure.png') }).catch(() => undefined);
    await shutdown(1);
  }
}

/** The demo on the devnet's Solana half: a Wallet Standard dev wallet instead of the EIP-1193 one. */
async function startSolana(stack: Stack) {
  const sol = stack.solana!;
  const payer = sol.payers[0]!;
  console.log(`  solana rpc   ${sol.rpc.url}  (litesvm; the facilitator says "${sol.network}", the wallet signs for ${sol.walletChain})
  mint         ${sol.mint.address}  USDC, ${sol.mint.decimals} decimals (SPL)
  facilitator  ${sol.facilitator.url}  delegate and fee payer ${sol.facilitator.address}
  paid API     ${sol.api.url}  (POST ${sol.api.paths.chat} ${fmt(sol.api.prices.chat)}, GET ${sol.api.paths.cheap} ${fmt(sol.api.prices.cheap)})
  demo dapp    ${stack.dapp.url}/?chain=solana
  dev wallet   ${payer.address}  (PUBLIC dev key, 10,000 USDC and 0 SOL: the facilitator pays the fees)`);

  step(`Opening Chromium with the extension (${headless ? 'headless' : 'windowed'})`);
  const ext = await launchWithExtension({ headless });
  await configureExtension(ext, stack);
  const wallet = args.has('--own-wallet') ? null : new SolanaTestWallet({ secretKey: payer.keypair.secretKey, name: 'Dev wallet (Solana)' });
  if (wallet) await wallet.install(ext.context);
  const dapp = await ext.context.newPage();
  await dapp.goto(`${stack.dapp.url}/?chain=solana`);

  const shutdown = async (code: number) => {
    await ext.close().catch(() => undefined);
    await stack.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  if (!headless) {
    console.log('\nThe demo dapp is open on Solana. Click "Start session", approve once (the dev wallet signs), then chat or pull the slot machine.\nPress Ctrl-C to stop everything.');
    return;
  }
  try {
    await walkSolanaDemo(sol, ext, dapp, wallet!);
    await shutdown(0);
  } catch (e) {
    console.error(`\nThe demo walk failed: ${e instanceof Error ? e.message : String(e)}`);
    await dapp.screenshot({ path: join(shotsDir, 'failure.png') }).catch(() => undefined);
    await shutdown(1);
  }
}

async function walkSolanaDemo(sol: StackSolana, ext: ExtensionBrowser, dapp: import('@playwright/test').Page, wallet: SolanaTestWallet) {
  mkdirSync(shotsDir, { recursive: true });
  // Balances straight from the local runtime's token accounts (what SPL Token wrote).
  const balance = (owner: string) => sol.tokenBalance(owner);
  const before = { payer: balance(wallet.address), recipient: balance(sol.recipient.address) };
  console.log(`  payer      ${wallet.address}  ${fmt(before.payer)}\n  recipient  ${sol.recipient.address}  ${fmt(before.recipient)}`);

  step('Requesting a Solana session from the dapp');
  const approval = ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html'), timeout: 30_000 });
  await dapp.getByTestId('start-session').click();
  const win = await approval;
  await win.setViewportSize({ width: 440, height: 680 });
  await win.getByTestId('approve').waitFor();
  await win.screenshot({ path: join(shotsDir, 'solana-approval-window.png') });
  console.log(`  approval window for ${await win.getByTestId('approval-origin').textContent()}: ${await win.getByTestId('approval-cap-summary').textContent()} on ${await win.getByTestId('approval-network').textContent()} (screenshot saved)`);
  await win.getByTestId('approve').click();
  await dapp.getByTestId('session-cap').filter({ hasText: /\d/ }).waitFor({ timeout: 30_000 });
  const delegation = sol.tokenAccount(wallet.address);
  console.log(`  session open: cap ${await dapp.getByTestId('session-cap').textContent()}, expires ${await dapp.getByTestId('session-expiry').textContent()}`);
  console.log(`  wallet requests: ${wallet.requests.join(', ')}  →  1 approval step (${wallet.count('signTransaction')} partial approve + ${wallet.count('signMessage')} auth message)`);
  console.log(`  on chain: delegate ${delegation?.delegate} may pull ${fmt(delegation?.delegatedAmount ?? 0n)} (the facilitator submitted the approve and paid its fee)`);

  step('Sending ten paid chat messages (no popups)');
  for (let i = 1; i <= 10; i++) {
    await dapp.getByTestId('chat-input').fill(`Message ${i}`);
    await dapp.getByTestId('chat-send').click();
    await dapp.getByTestId('session-spent').filter({ hasText: new RegExp(`^\\s*${(i * 0.1).toFixed(2)}`) }).waitFor({ timeout: 15_000 });
    console.log(`  ${i}. paid ${fmt(sol.api.prices.chat)}; spent ${await dapp.getByTestId('session-spent').textContent()}`);
  }
  await dapp.screenshot({ path: join(shotsDir, 'solana-dapp.png') });
  const popup = await ext.context.newPage();
  await popup.setViewportSize({ width: 400, height: 600 });
  await popup.goto(`chrome-extension://${ext.extensionId}/popup.html`);
  await popup.getByTestId('session-card').first().waitFor();
  await popup.screenshot({ path: join(shotsDir, 'solana-popup.png') });

  const after = { payer: balance(wallet.address), recipient: balance(sol.recipient.address) };
  step('What happened on chain (token balances read from the local runtime)');
  console.log(`  payer      ${fmt(before.payer)} → ${fmt(after.payer)}  (−${fmt(before.payer - after.payer)})
  recipient  ${fmt(before.recipient)} → ${fmt(after.recipient)}  (+${fmt(after.recipient - before.recipient)})
  delegation left: ${fmt(sol.tokenAccount(wallet.address)?.delegatedAmount ?? 0n)}
  wallet signature requests: ${wallet.signatureRequests} in 1 approval step (signTransaction ×${wallet.count('signTransaction')}, signMessage ×${wallet.count('signMessage')}); none per call`);
  if (after.recipient - before.recipient !== 10n * sol.api.prices.chat) throw new Error('the recipient did not receive exactly ten payments');
  if (wallet.signatureRequests !== 2) throw new Error(`the wallet was asked ${wallet.signatureRequests} times, not once for the approve and once for the auth message`);
  console.log(`\nScreenshots: ${shotsDir}/{solana-approval-window,solana-dapp,solana-popup}.png`);
}

/** What the walk needs of the chain it runs on: the payer's wallet, balances, the price. */
interface DemoChain {
  label: string;
  payer: string;
  recipient: string;
  decimals: number;
  price: bigint;
  balance(holder: string): Promise<bigint>;
  /** Hashes of the transactions the wallet signed. */
  signed(): string[];
  /** EVM: the dapp's `upto` and `exact` cards, paid after the session demo. */
  walkSchemes?(ext: ExtensionBrowser, dapp: import('@playwright/test').Page): Promise<void>;
}

async function evmDemo(stack: Stack, ext: ExtensionBrowser, key: `0x${string}`): Promise<DemoChain> {
  const wallet = new TestWallet(key, stack.chain.rpcUrl, stack.chain.chainId);
  await wallet.install(ext.context);
  const client = createPublicClient({ transport: http(stack.chain.rpcUrl) });
  const abi = parseAbi(['function balanceOf(address) view returns (uint256)']);
  return {
    label: `${stack.chain.network} (ERC-20 ${stack.token.symbol})`,
    payer: wallet.address,
    recipient: stack.api.recipient,
    decimals: stack.token.decimals,
    price: stack.api.prices.chat,
    balance: (a) => client.readContract({ address: stack.token.address, abi, functionName: 'balanceOf', args: [a as `0x${string}`] }),
    signed: () => wallet.sent.map(String),
    async walkSchemes(ext, dapp) {
      const balance = (a: `0x${string}`) => client.readContract({ address: stack.token.address, abi, functionName: 'balanceOf', args: [a] });
      await walkScheme(stack, ext, dapp, wallet, balance, {
        title: 'Paying the upto route: one permit signature (no gas), reused for each pull',
        button: 'upto-pull',
        result: 'upto-result',
        calls: 3,
        price: stack.upto.price,
        shot: 'approval-upto.png',
        // The server settles in batches (every five calls, or after ten idle seconds).
        settleMs: 30_000,
      });
      await walkScheme(stack, ext, dapp, wallet, balance, {
        title: 'Paying the exact route: a budget set once, then one wallet signature per call',
        button: 'exact-pull',
        result: 'exact-result',
        calls: 3,
        price: stack.exact.prices.exact,
        shot: 'approval-exact.png',
        settleMs: 15_000,
      });
    },
  };
}

interface SchemeWalk {
  title: string;
  button: string;
  result: string;
  calls: number;
  price: bigint;
  shot: string;
  settleMs: number;
}

/** One scheme's card on the dapp: the one window, N paid calls, what moved on chain, and what the wallet was asked. */
async function walkScheme(stack: Stack, ext: ExtensionBrowser, dapp: import('@playwright/test').Page, wallet: TestWallet, balance: (a: `0x${string}`) => Promise<bigint>, w: SchemeWalk) {
  step(w.title);
  const before = { payer: await balance(wallet.address), recipient: await balance(stack.api.recipient), signed: wallet.signed.length, sent: wallet.sent.length };
  const result = dapp.getByTestId(w.result);
  for (let i = 1; i <= w.calls; i++) {
    const approval = i === 1 ? ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html'), timeout: 30_000 }) : null;
    await dapp.getByTestId(w.button).click();
    if (approval) {
      const win = await approval;
      await win.setViewportSize({ width: 440, height: 680 });
      await win.getByTestId('approve').waitFor();
      await win.screenshot({ path: join(shotsDir, w.shot) });
      console.log(`  approval window: ${(await win.locator('[data-scheme]').textContent())?.trim()} — ${(await win.getByTestId('approval-scheme-why').textContent())?.trim()}`);
      await win.getByTestId('approve').click();
    }
    await dapp.waitForFunction((id) => { const t = document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ''; return t !== '' && t !== 'Paying…'; }, w.result, { timeout: 30_000 });
    const text = (await result.textContent()) ?? '';
    if (/^(Not paid|Error|Failed)/.test(text)) throw new Error(`${w.button} call ${i}: ${text}`);
    console.log(`  ${i}. ${text}`);
  }
  const expected = BigInt(w.calls) * w.price;
  const until = Date.now() + w.settleMs;
  while (before.payer - (await balance(wallet.address)) < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
  const after = { payer: await balance(wallet.address), recipient: await balance(stack.api.recipient) };
  console.log(`  payer      ${fmt(before.payer)} → ${fmt(after.payer)}  (−${fmt(before.payer - after.payer)})
  recipient  ${fmt(before.recipient)} → ${fmt(after.recipient)}  (+${fmt(after.recipient - before.recipient)})
  wallet signatures: ${wallet.signed.length - before.signed} (${wallet.signed.slice(before.signed).join(', ') || 'none'}), transactions: ${wallet.sent.length - before.sent}, for ${w.calls} calls`);
  if (before.payer - after.payer !== expected) throw new Error(`the payer paid ${before.payer - after.payer}, not ${expected}`);
}

async function stellarDemo(stack: Stack, ext: ExtensionBrowser, secret: string): Promise<DemoChain> {
  const s = stack.stellar!;
  const freighter = new FreighterStandIn({ secret, networkPassphrase: s.passphrase, sorobanRpcUrl: s.rpc.url, networkUrl: s.rpc.url });
  await freighter.install(ext.context);
  return {
    label: `${s.network} (${s.asset.code} Stellar Asset Contract, signed in Freighter)`,
    payer: freighter.publicKey,
    recipient: s.accounts.recipient.publicKey,
    decimals: s.asset.decimals,
    price: stack.api.stellar!.prices.chat,
    balance: async (a) => s.balance(a),
    signed: () => [...freighter.signed],
  };
}

let decimals = 6;
function fmt(units: bigint | string): string {
  const v = BigInt(units);
  const scale = 10n ** BigInt(decimals);
  const cents = (v * 100n) / scale;
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')} USDC`;
}

async function walkDemo(chain: DemoChain, ext: ExtensionBrowser, dapp: import('@playwright/test').Page) {
  mkdirSync(shotsDir, { recursive: true });
  decimals = chain.decimals;
  const balance = (a: string) => chain.balance(a);
  console.log(`  paying on   ${chain.label}`);
  const before = { payer: await balance(chain.payer), recipient: await balance(chain.recipient) };

  step('Requesting a session from the dapp');
  const approval = ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html'), timeout: 30_000 });
  await dapp.getByTestId('start-session').click();
  const win = await approval;
  await win.setViewportSize({ width: 440, height: 680 });
  await win.getByTestId('approve').waitFor();
  await win.screenshot({ path: join(shotsDir, 'approval-window.png') });
  console.log(`  approval window for ${await win.getByTestId('approval-origin').textContent()} (screenshot saved)`);
  await win.getByTestId('approve').click();
  await dapp.getByTestId('session-cap').filter({ hasText: /\d/ }).waitFor({ timeout: 30_000 });
  console.log(`  session open: cap ${await dapp.getByTestId('session-cap').textContent()}, expires ${await dapp.getByTestId('session-expiry').textContent()}; wallet signed ${chain.signed().length} transaction (${chain.signed()[0]})`);

  step('Sending ten paid chat messages (no popups)');
  for (let i = 1; i <= 10; i++) {
    await dapp.getByTestId('chat-input').fill(`Message ${i}`);
    await dapp.getByTestId('chat-send').click();
    await dapp.getByTestId('session-spent').filter({ hasText: new RegExp(`^\\s*${(i * 0.1).toFixed(2)}`) }).waitFor({ timeout: 15_000 });
    console.log(`  ${i}. paid ${fmt(chain.price)}; spent ${await dapp.getByTestId('session-spent').textContent()}`);
  }
  await dapp.screenshot({ path: join(shotsDir, 'dapp.png') });

  const popup = await ext.context.newPage();
  await popup.setViewportSize({ width: 400, height: 600 });
  await popup.goto(`chrome-extension://${ext.extensionId}/popup.html`);
  await popup.getByTestId('session-card').first().waitFor();
  await popup.screenshot({ path: join(shotsDir, 'popup.png') });

  const after = { payer: await balance(chain.payer), recipient: await balance(chain.recipient) };
  step('What happened on chain');
  console.log(`  payer      ${chain.payer}  ${fmt(before.payer)} → ${fmt(after.payer)}  (−${fmt(before.payer - after.payer)})
  recipient  ${chain.recipient}  ${fmt(before.recipient)} → ${fmt(after.recipient)}  (+${fmt(after.recipient - before.recipient)})
  wallet signatures: ${chain.signed().length} (the one approve)`);
  if (after.recipient - before.recipient !== 10n * chain.price) throw new Error('the recipient did not receive exactly ten payments');
  if (chain.signed().length !== 1) throw new Error(`the wallet signed ${chain.signed().length} transactions, not one`);
  await chain.walkSchemes?.(ext, dapp);
  console.log(`\nScreenshots: ${shotsDir}/{approval-window,dapp,popup${chain.walkSchemes ? ',approval-upto,approval-exact' : ''}}.png`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
