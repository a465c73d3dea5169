/**
 * Store screenshots from the real extension: builds nothing itself (run `npm run build` first),
 * starts the local stack, opens Chromium with the built extension and the stand-in wallet, asks
 * for a session from the demo dapp, approves it, pays a few chat messages, and captures the
 * approval window, the dapp and the toolbar popup. Those captures are then laid out, in the same
 * Chromium, at the Chrome Web Store sizes: screenshots 1280×800 and the small promo tile 440×280.
 *
 *   npm run build && npm run store:screenshots     → store/screenshots/*.png
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { startStack } from '../devnet/stack';
import { configureExtension } from '../e2e/fixtures-config';
import { launchWithExtension, launchWithoutExtension } from '../e2e/support/extension';
import { TestWallet } from '../e2e/support/test-wallet';

const OUT = resolve('store/screenshots');
const RAW = join(OUT, 'raw');

const png = (path: string) => `data:image/png;base64,${readFileSync(path).toString('base64')}`;

async function capture(): Promise<void> {
  const stack = await startStack({ quiet: true, userCount: 1 });
  const ext = await launchWithExtension();
  try {
    await configureExtension(ext, stack);
    const user = stack.accounts.users[0]!;
    const wallet = new TestWallet(user.privateKey as `0x${string}`, stack.chain.rpcUrl, stack.chain.chainId);
    await wallet.install(ext.context);
    const dapp = await ext.context.newPage();
    await dapp.setViewportSize({ width: 1100, height: 760 });
    await dapp.goto(stack.dapp.url);

    const approval = ext.context.waitForEvent('page', { predicate: (p) => p.url().includes('/approve.html'), timeout: 30_000 });
    await dapp.getByTestId('start-session').click();
    const win = await approval;
    await win.setViewportSize({ width: 440, height: 680 });
    await win.getByTestId('approve').waitFor();
    await win.screenshot({ path: join(RAW, 'approval-window.png') });
    await win.getByTestId('approve').click();
    await dapp.getByTestId('session-cap').filter({ hasText: /\d/ }).waitFor({ timeout: 30_000 });

    const messages = ['What does a 402 mean?', 'How much did that cost?', 'And this one?'];
    for (const [i, m] of messages.entries()) {
      await dapp.getByTestId('chat-input').fill(m);
      await dapp.getByTestId('chat-send').click();
      await dapp.getByTestId('session-spent').filter({ hasText: new RegExp(`^\\s*${((i + 1) * 0.1).toFixed(2)}`) }).waitFor({ timeout: 15_000 });
    }
    await dapp.screenshot({ path: join(RAW, 'dapp.png') });

    const popup = await ext.context.newPage();
    await popup.setViewportSize({ width: 400, height: 600 });
    await popup.goto(`chrome-extension://${ext.extensionId}/popup.html`);
    await popup.getByTestId('session-card').first().waitFor();
    await popup.waitForTimeout(300);
    await popup.screenshot({ path: join(RAW, 'popup.png') });
  } finally {
    await ext.close();
    await stack.stop();
  }
}

const FRAME = `
  * { box-sizing: border-box; }
  body { margin: 0; font-family: 'DejaVu Sans', 'Liberation Sans', system-ui, sans-serif; color: #fff; }
  .canvas { position: relative; overflow: hidden; background: linear-gradient(135deg, #2f81f7 0%, #0a3069 70%, #07204a 100%); }
  .shot { border-radius: 12px; box-shadow: 0 18px 50px rgba(0,0,0,.45); display: block; background: #fff; }
  h1 { font-size: 44px; line-height: 1.15; margin: 0 0 18px; letter-spacing: -.5px; }
  p { font-size: 21px; line-height: 1.45; margin: 0 0 12px; color: #dbe7ff; }
  .brand { display: flex; align-items: center; gap: 12px; font-size: 20px; font-weight: 700; margin-bottom: 36px; color: #fff; }
  .brand img { width: 40px; height: 40px; }
`;

function slide(title: string, lines: string[], images: string): string {
  return `<html><head><style>${FRAME}</style></head><body>
    <div class="canvas" style="width:1280px;height:800px;display:flex;align-items:center;padding:0 64px;gap:48px">
      <div style="flex:0 0 440px">
        <div class="brand"><img src="${png('public/icons/icon-128.png')}">x402 Session Wallet</div>
        <h1>${title}</h1>
        ${lines.map((l) => `<p>${l}</p>`).join('')}
      </div>
      <div style="flex:1;position:relative;height:800px">${images}</div>
    </div></body></html>`;
}

async function compose(): Promise<void> {
  const approval = png(join(RAW, 'approval-window.png'));
  const dapp = png(join(RAW, 'dapp.png'));
  const popup = png(join(RAW, 'popup.png'));
  const pages: Array<{ file: string; width: number; height: number; html: string }> = [
    {
      file: '1-approve-once.png',
      width: 1280,
      height: 800,
      html: slide('Approve a budget once.', ['One window shows the site, the token, the recipient, the facilitator, the cap and the expiry.', 'Your own wallet signs one approval. No keys in the extension.'],
        `<img class="shot" src="${dapp}" style="position:absolute;left:0;top:170px;width:560px;opacity:.55">
         <img class="shot" src="${approval}" style="position:absolute;right:10px;top:60px;width:440px">`),
    },
    {
      file: '2-pay-per-call.png',
      width: 1280,
      height: 800,
      html: slide('Then every call is paid, silently.', ['Each HTTP 402 the page meets is paid from the session, until the cap or the expiry.', 'No popup per call; the original 402 if it cannot pay.'],
        `<img class="shot" src="${dapp}" style="position:absolute;left:0;top:120px;width:700px">`),
    },
    {
      file: '3-every-session.png',
      width: 1280,
      height: 800,
      html: slide('See what each site can still spend.', ['The toolbar shows every session: cap, spent, remaining and expiry, live.', 'End one at any time. Your data stays in your browser.'],
        `<img class="shot" src="${popup}" style="position:absolute;left:130px;top:100px;width:400px">`),
    },
    {
      file: 'promo-small-440x280.png',
      width: 440,
      height: 280,
      html: `<html><head><style>${FRAME}</style></head><body><div class="canvas" style="width:440px;height:280px;padding:34px 32px">
        <div style="display:flex;align-items:center;gap:16px"><img src="${png('public/icons/icon-128.png')}" style="width:76px;height:76px">
        <div style="font-size:27px;font-weight:700;line-height:1.15">x402 Session<br>Wallet</div></div>
        <div style="font-size:21px;font-weight:700;margin-top:30px">Sign once, settle many.</div>
        <div style="font-size:15px;color:#dbe7ff;margin-top:8px;line-height:1.4">Pay web APIs per call from a capped session, with your own wallet.</div>
      </div></body></html>`,
    },
  ];
  const browser = await launchWithoutExtension();
  try {
    const page: Page = await browser.newPage();
    for (const p of pages) {
      await page.setViewportSize({ width: p.width, height: p.height });
      await page.setContent(p.html, { waitUntil: 'load' });
      await page.screenshot({ path: join(OUT, p.file), clip: { x: 0, y: 0, width: p.width, height: p.height } });
      console.log(`store/screenshots/${p.file}  ${p.width}×${p.height}`);
    }
  } finally {
    await browser.close();
  }
  writeFileSync(join(OUT, 'README.md'), `# Store images\n\nMade by \`npm run store:screenshots\` from the built extension on the local stack (raw captures in \`raw/\`).\n\n| file | size | for |\n|---|---|---|\n${pages.map((p) => `| ${p.file} | ${p.width}×${p.height} | ${p.file.startsWith('promo') ? 'Chrome Web Store small promo tile' : 'screenshot (Chrome Web Store, AMO)'} |`).join('\n')}\n`);
}

mkdirSync(RAW, { recursive: true });
if (!process.argv.includes('--compose-only')) await capture();
await compose();
