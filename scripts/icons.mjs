#!/usr/bin/env node
/**
 * Rasterises the SVG icons in public/icons/ to the PNG sizes the manifest and the toolbar use:
 * the product icon at 16/32/48/128 (`icon-<size>.png`) and each toolbar state at 16/32
 * (`<state>-<size>.png`). Chrome takes only raster icons in the manifest and `action.setIcon`.
 *
 * Rendered by Chromium itself (playwright-core, the browser scripts/browser.mjs finds), so the
 * PNGs are what a browser draws of the SVG. The PNGs are committed: builds need no browser.
 *
 *   node scripts/icons.mjs
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { browserPath } from './browser.mjs';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../public/icons');
export const ICON_SIZES = [16, 32, 48, 128];
export const STATE_SIZES = [16, 32];
export const STATES = ['idle', 'active', 'low', 'exhausted'];

const jobs = [
  ...ICON_SIZES.map((size) => ({ svg: 'icon.svg', out: `icon-${size}.png`, size })),
  ...STATES.flatMap((state) => STATE_SIZES.map((size) => ({ svg: `${state}.svg`, out: `${state}-${size}.png`, size }))),
];

const browser = await chromium.launch({ executablePath: browserPath('chromium'), args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  for (const job of jobs) {
    const svg = readFileSync(join(dir, job.svg), 'utf8');
    await page.setViewportSize({ width: job.size, height: job.size });
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(`<html><body style="margin:0;background:transparent"><img src="${src}" width="${job.size}" height="${job.size}" style="display:block"></body></html>`);
    await page.locator('img').evaluate((img) => img.decode());
    await page.screenshot({ path: join(dir, job.out), omitBackground: true, clip: { x: 0, y: 0, width: job.size, height: job.size } });
    console.log(`public/icons/${job.out}`);
  }
} finally {
  await browser.close();
}
