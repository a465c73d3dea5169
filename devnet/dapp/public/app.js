// Demo dapp for the x402 Session Wallet. Plain ES module, no build step.
// Uses `window.x402session` (announced by the `x402session#initialized` event) when present;
// otherwise tells the person to install the extension. Paid calls go through
// `x402session.fetch`, or plain `fetch` (which the extension wraps) when that is missing.

const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'),
  installHint: $('install-hint'),
  start: $('start-session'),
  end: $('end-session'),
  cap: $('session-cap'),
  spent: $('session-spent'),
  remaining: $('session-remaining'),
  expiry: $('session-expiry'),
  chatLog: $('chat-log'),
  chatForm: $('chat-form'),
  chatInput: $('chat-input'),
  chatSend: $('chat-send'),
  reels: $('slot-reels'),
  slotResult: $('slot-result'),
  pull: $('slot-pull'),
  chainPicker: $('chain-picker'),
};

const SYMBOLS = ['🍒', '🍋', '🔔', '⭐', '7️⃣', '💎'];

let config = null;
// The chain the demo pays on (`?chain=stellar`, `?chain=solana`): its network, token, recipient, facilitator, paths.
let chain = null;
let wallet = null;
let session = null;
let expiryTimer = null;

function setStatus(text) {
  ui.status.textContent = text;
}

function formatUnits(baseUnits, decimals) {
  if (baseUnits === undefined || baseUnits === null) return '—';
  const value = BigInt(baseUnits);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  const fraction = (abs % scale).toString().padStart(decimals, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

function describeError(err) {
  if (!err) return 'unknown error';
  const code = err.code !== undefined ? ` (code ${err.code})` : '';
  return `${err.message ?? String(err)}${code}`;
}

// ---------------------------------------------------------------- session panel

function renderSession() {
  const decimals = session?.decimals ?? chain?.token.decimals ?? 6;
  const symbol = session?.symbol ?? chain?.token.symbol ?? 'USDC';
  if (!session) {
    ui.cap.textContent = ui.spent.textContent = ui.remaining.textContent = ui.expiry.textContent = '—';
    ui.end.disabled = true;
    ui.start.disabled = !wallet;
    return;
  }
  ui.cap.textContent = `${formatUnits(session.cap, decimals)} ${symbol}`;
  ui.spent.textContent = `${formatUnits(session.spent, decimals)} ${symbol}`;
  ui.remaining.textContent = `${formatUnits(session.remaining, decimals)} ${symbol}`;
  const left = session.expiresAt - Math.floor(Date.now() / 1000);
  const when = new Date(session.expiresAt * 1000).toLocaleTimeString();
  ui.expiry.textContent = left > 0 ? `${when} (in ${Math.ceil(left / 60)} min)` : `${when} (expired)`;
  ui.end.disabled = session.status !== 'active';
  ui.start.disabled = !wallet || session.status === 'active';
}

/** EVM hex is case-insensitive; base58 (Solana) is not. */
function sameAddress(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  return chain.id === 'evm' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function isOurs(view) {
  return (
    view &&
    view.status === 'active' &&
    sameAddress(view.recipient, chain.recipient) &&
    sameAddress(view.asset, chain.token.address)
  );
}

async function refreshSession() {
  if (!wallet) return;
  try {
    const sessions = await wallet.getSessions();
    const list = Array.isArray(sessions) ? sessions : [];
    session = (session && list.find((s) => s.id === session.id)) || list.find(isOurs) || null;
  } catch (err) {
    setStatus(`Could not read sessions: ${describeError(err)}`);
  }
  renderSession();
}

async function startSession() {
  if (!wallet) return;
  ui.start.disabled = true;
  setStatus('Waiting for approval in the extension…');
  try {
    session = await wallet.requestSession({
      scheme: 'session',
      network: chain.network,
      asset: chain.token.address,
      cap: chain.session.cap,
      expiresIn: chain.session.expiresIn,
      recipient: chain.recipient,
      facilitatorUrl: chain.facilitatorUrl,
      // The session pays only the APIs listed here (the wallet shows them).
      apiOrigins: [new URL(chain.apiUrl).origin],
    });
    setStatus(`Session active: ${formatUnits(session.cap, session.decimals ?? 6)} ${session.symbol ?? 'USDC'} to spend.`);
  } catch (err) {
    setStatus(`Session not started: ${describeError(err)}`);
  }
  renderSession();
}

async function endSession() {
  if (!wallet || !session) return;
  try {
    await wallet.endSession(session.id);
    setStatus('Session ended.');
  } catch (err) {
    setStatus(`Could not end the session: ${describeError(err)}`);
  }
  await refreshSession();
}

// ---------------------------------------------------------------- paid calls

function payingFetch(input, init) {
  if (wallet && typeof wallet.fetch === 'function') return wallet.fetch(input, init);
  return fetch(input, init);
}

/** The reason a 402 gives, read from PAYMENT-REQUIRED (v2) or the JSON body (v1). */
async function paymentProblem(res) {
  const header = res.headers.get('PAYMENT-REQUIRED');
  if (header) {
    try {
      const bytes = Uint8Array.from(atob(header), (c) => c.charCodeAt(0));
      const required = JSON.parse(new TextDecoder().decode(bytes));
      if (required.error) return required.error;
    } catch {
      /* fall through to the generic text */
    }
  }
  const paymentResponse = res.headers.get('PAYMENT-RESPONSE');
  if (paymentResponse) {
    try {
      return JSON.parse(atob(paymentResponse)).errorReason ?? 'settlement failed';
    } catch {
      /* ignore */
    }
  }
  return wallet ? 'payment required' : 'payment required: install the x402 Session Wallet extension';
}

function addChatLine(text, cls) {
  const li = document.createElement('li');
  li.textContent = text;
  if (cls) li.className = cls;
  ui.chatLog.appendChild(li);
  ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
}

async function sendChat(event) {
  event.preventDefault();
  const message = ui.chatInput.value.trim();
  if (!message) return;
  ui.chatInput.value = '';
  addChatLine(`You: ${message}`, 'me');
  ui.chatSend.disabled = true;
  try {
    const res = await payingFetch(chain.apiUrl + chain.paths.chat, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message }),
    });
    if (res.status === 402) {
      addChatLine(`Not sent: ${await paymentProblem(res)}`, 'error');
    } else if (!res.ok) {
      addChatLine(`Error ${res.status}`, 'error');
    } else {
      const data = await res.json();
      addChatLine(`Bot: ${data.reply}`, 'bot');
    }
  } catch (err) {
    addChatLine(`Failed: ${describeError(err)}`, 'error');
  } finally {
    ui.chatSend.disabled = false;
    await refreshSession();
  }
}

let spinTimer = null;
function spin(on) {
  ui.reels.classList.toggle('spinning', on);
  clearInterval(spinTimer);
  if (!on) return;
  spinTimer = setInterval(() => {
    for (const reel of ui.reels.children) reel.textContent = SYMBOLS[Math.floor(Math.random() * SYMBOLS.length)];
  }, 90);
}

function showReels(reels) {
  [...ui.reels.children].forEach((reel, i) => {
    reel.textContent = reels[i] ?? '❔';
  });
}

async function pullSlot() {
  ui.pull.disabled = true;
  ui.slotResult.textContent = '';
  spin(true);
  try {
    const res = await payingFetch(chain.apiUrl + chain.paths.cheap);
    spin(false);
    if (res.status === 402) {
      ui.slotResult.textContent = `No pull: ${await paymentProblem(res)}`;
    } else if (!res.ok) {
      ui.slotResult.textContent = `Error ${res.status}`;
    } else {
      const data = await res.json();
      showReels(data.reels);
      ui.slotResult.textContent = data.win ? `Jackpot on pull #${data.pull}!` : `Pull #${data.pull}: no luck.`;
    }
  } catch (err) {
    spin(false);
    ui.slotResult.textContent = `Failed: ${describeError(err)}`;
  } finally {
    ui.pull.disabled = false;
    await refreshSession();
  }
}

// ---------------------------------------------------------------- upto and exact cards

/** One call to a route that offers only `upto` or only `exact`: the wallet asks as that scheme needs. */
async function schemeCall(button, result, path, describe) {
  button.disabled = true;
  result.textContent = 'Paying…';
  try {
    const res = await payingFetch(config.apiUrl + path);
    if (res.status === 402) result.textContent = `Not paid: ${await paymentProblem(res)}`;
    else if (!res.ok) result.textContent = `Error ${res.status}`;
    else result.textContent = describe(await res.json(), res);
  } catch (err) {
    result.textContent = `Failed: ${describeError(err)}`;
  } finally {
    button.disabled = false;
  }
}

function wireSchemeCards() {
  // The upto and exact routes are EVM ones (the devnet's token): only on the EVM chain.
  const schemes = chain?.id === 'evm' ? (config.schemes ?? {}) : {};
  if (schemes.upto) {
    $('upto-card').hidden = false;
    $('upto-title').querySelector('small').textContent = `(${formatUnits(schemes.upto.price, config.token.decimals)} a pull, one permit for ${formatUnits(schemes.upto.cap, config.token.decimals)})`;
    $('upto-pull').addEventListener('click', () =>
      void schemeCall($('upto-pull'), $('upto-result'), schemes.upto.path, (data, res) => `${(data.reels ?? []).join(' ')}  pull #${data.pull} on permit ${(res.headers.get('x-upto-session-id') ?? '?').slice(0, 10)}…`),
    );
  }
  if (schemes.exact) {
    $('exact-card').hidden = false;
    $('exact-pull').addEventListener('click', () => void schemeCall($('exact-pull'), $('exact-result'), schemes.exact.path, (data) => `${(data.reels ?? []).join(' ')}  ${data.win ? 'jackpot!' : 'no luck'}`));
    $('exact-fortune').addEventListener('click', () => void schemeCall($('exact-fortune'), $('exact-result'), schemes.exact.v1Path, (data) => `🥠 ${data.fortune}`));
  }
}

// ---------------------------------------------------------------- extension wiring

function onPayment() {
  // One flash of the reels per settled payment, then the panel catches up.
  ui.reels.classList.add('paid');
  setTimeout(() => ui.reels.classList.remove('paid'), 400);
  void refreshSession();
}

function onPaymentFailed(detail) {
  setStatus(`Payment failed: ${detail?.reason ?? detail?.error ?? detail?.message ?? 'see the extension'}`);
  void refreshSession();
}

function attachWallet() {
  if (wallet || !window.x402session) return;
  wallet = window.x402session;
  ui.installHint.hidden = true;
  wallet.on?.('payment', onPayment);
  wallet.on?.('paymentFailed', onPaymentFailed);
  wallet.on?.('sessionChanged', () => void refreshSession());
  setStatus('x402 Session Wallet detected. Start a session to pay per call.');
  void refreshSession();
}

// ---------------------------------------------------------------- chain picker

/** The chains this devnet serves: EVM always, the others when their half runs (config.solana, …). */
function chainsOf(cfg) {
  const list = [{ id: 'evm', label: `EVM (${cfg.network})`, network: cfg.network, token: cfg.token, recipient: cfg.recipient, facilitatorUrl: cfg.facilitatorUrl, apiUrl: cfg.apiUrl, paths: cfg.paths, session: cfg.session }];
  if (cfg.stellar) list.push({ id: 'stellar', label: `Stellar (${cfg.stellar.network})`, ...cfg.stellar, apiUrl: cfg.apiUrl, session: cfg.session });
  if (cfg.solana) list.push({ id: 'solana', label: `Solana (${cfg.solana.network})`, ...cfg.solana, apiUrl: cfg.apiUrl, session: cfg.session });
  return list;
}

function pickChain(cfg) {
  const list = chainsOf(cfg);
  const wanted = new URLSearchParams(location.search).get('chain');
  const picked = list.find((c) => c.id === wanted) ?? list[0];
  ui.chainPicker.replaceChildren(...list.map((c) => Object.assign(document.createElement('option'), { value: c.id, textContent: c.label, selected: c === picked })));
  ui.chainPicker.disabled = list.length < 2;
  // One chain per page load: switching reloads with ?chain=, so no session view outlives its chain.
  ui.chainPicker.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('chain', ui.chainPicker.value);
    location.assign(url);
  });
  return picked;
}

async function main() {
  config = await (await fetch('/config.json')).json();
  chain = pickChain(config);
  ui.start.addEventListener('click', () => void startSession());
  ui.end.addEventListener('click', () => void endSession());
  ui.chatForm.addEventListener('submit', (e) => void sendChat(e));
  ui.pull.addEventListener('click', () => void pullSlot());
  wireSchemeCards();
  clearInterval(expiryTimer);
  expiryTimer = setInterval(renderSession, 30_000);

  // The extension may announce itself before or after this script runs.
  window.addEventListener('x402session#initialized', attachWallet);
  attachWallet();
  if (!wallet) {
    ui.installHint.hidden = false;
    setStatus('No x402 Session Wallet found.');
  }
  renderSession();
}

main().catch((err) => setStatus(`Could not start: ${describeError(err)}`));
