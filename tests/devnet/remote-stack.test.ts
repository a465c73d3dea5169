/**
 * `startRemoteStack` (the `--rpc-url` mode meant for Base Sepolia) pointed at the local chain and
 * its token as if they were remote: it deploys nothing, runs its own facilitator with the key it
 * is given, and a session opened against it pays through its paid API. No internet needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRemoteStack, startStack, type RemoteStack, type Stack } from '../../devnet/stack';
import { balanceOf, openSession } from './support/sessions';
import { paidFetch } from './support/x402-client';

let local: Stack;
let remote: RemoteStack;
beforeAll(async () => {
  local = await startStack({ quiet: true, userCount: 1 });
  remote = await startRemoteStack({
    quiet: true,
    rpcUrl: local.chain.rpcUrl,
    network: local.chain.network,
    token: local.token.address,
    // Another funded key than the local facilitator's, so the spender shows whose stack answers.
    facilitatorKey: local.accounts.deployer.privateKey,
  });
});
afterAll(async () => {
  await remote?.stop();
  await local?.stop();
});

describe('startRemoteStack against an existing chain and token', () => {
  it('reads the token instead of deploying one, and pays the facilitator address by default', () => {
    expect(remote.token).toEqual(local.token);
    expect(remote.chain).toEqual(local.chain);
    expect(remote.facilitator.address).toBe(local.accounts.deployer.address);
    expect(remote.api.recipient).toBe(local.accounts.deployer.address);
  });

  it('its facilitator advertises its own spender and its dapp is configured for its own services', async () => {
    const supported = (await (await fetch(`${remote.facilitator.url}/supported`)).json()) as { kinds: { network: string; extra: { spender: string } }[] };
    expect(supported.kinds[0]).toMatchObject({ network: local.chain.network, extra: { spender: local.accounts.deployer.address } });
    const config = (await (await fetch(`${remote.dapp.url}/config.json`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({
      apiUrl: remote.api.url,
      facilitatorUrl: remote.facilitator.url,
      rpcUrl: local.chain.rpcUrl,
      recipient: local.accounts.deployer.address,
      token: { address: local.token.address, symbol: 'USDC', decimals: 6 },
    });
  });

  it('a session opened with its facilitator pays through its API and moves the price on chain', async () => {
    // The session helpers take a Stack: the local chain and token, with the remote services.
    const view: Stack = { ...local, facilitator: remote.facilitator, api: remote.api };
    const payer = local.accounts.users[0]!;
    const price = remote.api.prices.cheap;
    const sessionId = await openSession(view, payer, 10n * price);
    const payerBefore = await balanceOf(view, payer.address);
    const recipientBefore = await balanceOf(view, remote.api.recipient);
    const paid = await paidFetch(remote.api.url + remote.api.paths.cheap, {}, sessionId);
    expect(paid.res.status).toBe(200);
    expect(paid.settle).toMatchObject({ success: true, payer: payer.address, amount: price.toString() });
    expect(await balanceOf(view, payer.address)).toBe(payerBefore - price);
    expect(await balanceOf(view, remote.api.recipient)).toBe(recipientBefore + price);
  });
});
