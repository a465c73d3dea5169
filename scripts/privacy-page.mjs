#!/usr/bin/env node
/**
 * PRIVACY.md → public/privacy.html, the copy the options page links to (it ships inside the
 * extension, so it reads offline and always matches the installed version). Handles the Markdown
 * PRIVACY.md uses: headings, paragraphs, "- " lists, **bold**, `code`, [links]. Links to other
 * repository files become plain text: they do not exist inside the extension.
 *
 *   node scripts/privacy-page.mjs          write public/privacy.html
 *   node scripts/privacy-page.mjs --check  exit 1 if it is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inline(text) {
  const parts = [];
  // Code spans first, so nothing inside them is read as markup.
  for (const [i, chunk] of text.split('`').entries()) {
    if (i % 2 === 1) {
      parts.push(`<code>${escape(chunk)}</code>`);
      continue;
    }
    let html = escape(chunk).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
    html = html.replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_, label, href) => (/^https:\/\//.test(href) ? `<a href="${href}" rel="noreferrer" target="_blank">${label}</a>` : label));
    parts.push(html);
  }
  return parts.join('');
}

export function renderPrivacy(markdown) {
  const out = [];
  let para = [];
  let list = null;
  const flush = () => {
    if (para.length) out.push(`<p>${inline(para.join(' '))}</p>`);
    para = [];
    if (list) out.push(`<ul>\n${list.map((li) => `  <li>${inline(li)}</li>`).join('\n')}\n</ul>`);
    list = null;
  };
  let title = 'Privacy policy';
  for (const line of markdown.split('\n')) {
    const h = /^(#{1,3}) (.*)$/.exec(line);
    if (h) {
      flush();
      if (h[1].length === 1) title = h[2];
      out.push(`<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`);
    } else if (line.startsWith('- ')) {
      if (para.length) flush();
      (list ??= []).push(line.slice(2).trim());
    } else if (list && /^\s+\S/.test(line)) {
      list[list.length - 1] += ` ${line.trim()}`;
    } else if (line.trim() === '') {
      flush();
    } else {
      if (list) flush();
      para.push(line.trim());
    }
  }
  flush();
  return `<!doctype html>
<!-- Generated from PRIVACY.md by scripts/privacy-page.mjs; edit PRIVACY.md, then run it. -->
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
  :root { color-scheme: light dark; font: 15px/1.55 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
  body { max-width: 760px; margin: 24px auto; padding: 0 16px; }
  h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
  li { margin: 6px 0; }
</style>
</head>
<body>
${out.join('\n')}
</body>
</html>
`;
}

function main() {
  const html = renderPrivacy(readFileSync(join(root, 'PRIVACY.md'), 'utf8'));
  const target = join(root, 'public/privacy.html');
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== html) {
      console.error('public/privacy.html is out of date: run node scripts/privacy-page.mjs');
      process.exit(1);
    }
    return;
  }
  writeFileSync(target, html);
  console.log('wrote public/privacy.html');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
