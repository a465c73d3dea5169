import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPrivacy } from '../../scripts/privacy-page.mjs';

describe('the privacy policy shipped in the extension', () => {
  const md = readFileSync('PRIVACY.md', 'utf8');
  const html = readFileSync('public/privacy.html', 'utf8');

  it('is PRIVACY.md, regenerated (edit PRIVACY.md, then run node scripts/privacy-page.mjs)', () => {
    expect(html).toBe(renderPrivacy(md));
  });

  it('says what is stored, where, and what is sent to whom', () => {
    for (const needle of ['What the extension stores', 'Where it is stored', 'What is sent, and to whom', 'Only in your browser', 'The facilitator of a session', 'transaction hash']) {
      expect(html).toContain(needle);
    }
  });

  it('carries no script and links only to https pages', () => {
    expect(html).not.toMatch(/<script/i);
    for (const [, href] of html.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^https:\/\//);
  });

  it('escapes markup and keeps code spans literal', () => {
    expect(renderPrivacy('# T\n\nA <b> & `x **y**` **z**\n')).toContain('<p>A &lt;b&gt; &amp; <code>x **y**</code> <strong>z</strong></p>');
    expect(renderPrivacy('# T\n\n- one\n  two\n- three\n')).toContain('<ul>\n  <li>one two</li>\n  <li>three</li>\n</ul>');
  });
});
