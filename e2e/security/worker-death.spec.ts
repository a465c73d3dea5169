import type { Route } from '@playwright/test';
import { expect, securityRow, test } from '../fixtures';
import { stopServiceWorkers } from '../support/extension';
import { rng, SEED } from '../support/random';
import { facilitatorSession, openSession } from '../support/sessions';
import { readStore, setSettings } from '../support/store';

type Step = 'when the 402 arrives' | 'while pay is being decided' | 'after reserve, before the retry leaves' | 'after the retry was sent' | 'before commit (report in flight)';
const STEPS: Step[] = ['when the 402 arrives', 'while pay is being decided', 'after reserve, before the retry leaves', 'after the retry was sent', 'before commit (report in flight)'];

test(`service-worker death at each step of 30 paid calls (seed ${SEED}): ledger = facilitator = chain, nothing dangling, nothing paid twice`, async ({ ext, dapp, stack, wallet, chain }) => {
  const random = rng(SEED);
  const price = stack.api.prices.cheap;
  const url = stack.api.url + stack.api.paths.cheap;
  await openSession(ext.context, dapp, stack, { cap: '1.00' });
  // The classic 402 → pay → retry path; the pre-emptive path has its own test below.
  await setSettings(await ext.serviceWorker(), { preemptive: false });
  const recipientBefore = await chain.balanceOf(stack.api.recipient);
  const payerBefore = await chain.balanceOf(wallet.address);

  let step: Step = STEPS[0]!;
  let kills = 0;
  const pendingKills: Promise<void>[] = [];
  const kill = () => {
    // Tracked: a kill fired from a route handler may finish after the page's fetch resolved.
    const k = stopServiceWorkers(dapp).then(() => void kills++);
    pendingKills.push(k);
    return k;
  };
  await dapp.route(url, async (route: Route) => {
    const paying = !!route.request().headers()['payment-signature'];
    if (!paying && step === 'when the 402 arrives') {
      const res = await route.fetch();
      await kill();
      return route.fulfill({ response: res });
    }
    if (!paying && step === 'while pay is being decided') {
      const res = await route.fetch();
      await route.fulfill({ response: res });
      // The page is now reading the 402 and asking the worker to pay: kill it a few ms in.
      await new Promise((r) => setTimeout(r, Math.floor(random() * 6)));
      await kill();
      return;
    }
    if (paying && step === 'after reserve, before the retry leaves') {
      await kill();
      return route.continue();
    }
    if (paying && step === 'after the retry was sent') {
      const res = await route.fetch();
      await kill();
      return route.fulfill({ response: res });
    }
    return route.continue();
  });

  const perStep = new Map<Step, number[]>();
  for (let i = 0; i < 30; i++) {
    step = STEPS[Math.floor(random() * STEPS.length)]!;
    const status = await dapp.evaluate(async (u) => (await fetch(u)).status, url);
    if (step === 'before commit (report in flight)') await kill();
    perStep.set(step, [...(perStep.get(step) ?? []), status]);
  }
  await dapp.unroute(url);
  await Promise.all(pendingKills);

  const sw = await ext.serviceWorker();
  await expect.poll(async () => (await readStore(sw)).payments.filter((p) => p.status === 'reserved').length, { timeout: 30_000 }).toBe(0);
  const store = await readStore(sw);
  const session = store.sessions[0]!;
  const remote = await facilitatorSession(stack, session.grant.sessionId);
  const paid200 = [...perStep.values()].flat().filter((s) => s === 200).length;
  const onChain = (await chain.balanceOf(stack.api.recipient)) - recipientBefore;
  const payerDelta = payerBefore - (await chain.balanceOf(wallet.address));
  const settled = store.payments.filter((p) => p.status === 'settled').length;

  for (const [s, statuses] of perStep) {
    securityRow('worker death', `stop the worker ${s} (${statuses.length} calls)`, `${statuses.length} paid`, `${statuses.filter((x) => x === 200).length} paid`);
  }
  securityRow('worker death', `${kills} worker stops over 30 calls: extension spent`, String(30n * price), session.spent);
  securityRow('worker death', 'facilitator GET /sessions/:id spent', String(30n * price), remote.spent);
  securityRow('worker death', 'on-chain transfers to the recipient (and from the payer)', `${30n * price} / ${30n * price}`, `${onChain} / ${payerDelta}`);
  securityRow('worker death', 'reservations left dangling', '0', String(store.payments.filter((p) => p.status === 'reserved').length));
  securityRow('worker death', 'calls paid twice (settled records beyond 200 responses)', '0', String(settled - paid200));

  expect(paid200).toBe(30);
  expect(session.spent).toBe(String(30n * price));
  expect(remote.spent).toBe(session.spent);
  expect(onChain).toBe(30n * price);
  expect(payerDelta).toBe(30n * price);
  expect(session.reserved).toBe('0');
  expect(settled).toBe(30);
  expect(kills).toBeGreaterThanOrEqual(30);
});

test(`service-worker death around pre-emptive payments (seed ${SEED}): every call paid once, ledger = facilitator = chain`, async ({ ext, dapp, stack, chain }) => {
  const random = rng(SEED + 1);
  const price = stack.api.prices.cheap;
  const url = stack.api.url + stack.api.paths.cheap;
  await openSession(ext.context, dapp, stack, { cap: '1.00' });
  const recipientBefore = await chain.balanceOf(stack.api.recipient);
  let requests = 0;
  let firstSendPaid = 0;
  let killNext: 'after the pre-paid request was sent' | 'before commit (report in flight)' | null = null;
  await dapp.route(url, async (route) => {
    requests++;
    const paying = !!route.request().headers()['payment-signature'];
    const res = await route.fetch();
    if (paying && killNext === 'after the pre-paid request was sent') await stopServiceWorkers(dapp);
    return route.fulfill({ response: res });
  });
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    // Two calls in a row teach the route and use it; then the worker dies somewhere around the next.
    killNext = i % 2 === 0 ? null : random() < 0.5 ? 'after the pre-paid request was sent' : 'before commit (report in flight)';
    const before = requests;
    statuses.push(await dapp.evaluate(async (u) => (await fetch(u)).status, url));
    if (requests - before === 1) firstSendPaid++;
    if (killNext === 'before commit (report in flight)') await stopServiceWorkers(dapp);
  }
  await dapp.unroute(url);
  const sw = await ext.serviceWorker();
  await expect.poll(async () => (await readStore(sw)).payments.filter((p) => p.status === 'reserved').length, { timeout: 30_000 }).toBe(0);
  const store = await readStore(sw);
  const remote = await facilitatorSession(stack, store.sessions[0]!.grant.sessionId);
  const onChain = (await chain.balanceOf(stack.api.recipient)) - recipientBefore;
  securityRow('worker death', 'pre-emptive: calls paid on their first send (no 402 round trip)', '≥ 1', firstSendPaid >= 1 ? '≥ 1' : '0');
  securityRow('worker death', 'pre-emptive with worker stops: ledger = facilitator = chain', `${12n * price} = ${12n * price} = ${12n * price}`, `${store.sessions[0]!.spent} = ${remote.spent} = ${onChain}`);
  expect(statuses).toEqual(Array(12).fill(200));
  expect(firstSendPaid).toBeGreaterThanOrEqual(1);
  expect(store.sessions[0]!.spent).toBe(String(12n * price));
  expect(remote.spent).toBe(String(12n * price));
  expect(onChain).toBe(12n * price);
});
