import { describe, expect, it } from 'vitest';
import { siteOf } from '../../lib/background/site';
import { facilitatorStanding } from '../../lib/facilitator/known';
import { siteText } from '../../lib/format';

describe('sites, facilitators and site-supplied text', () => {
  it('sibling subdomains are one site; IPs and single labels are their own', () => {
    expect(siteOf('https://s1.site.test')).toBe('site.test');
    expect(siteOf('https://a.b.shop.co.uk')).toBe('shop.co.uk');
    expect(siteOf('http://127.0.0.1:4022')).toBe('127.0.0.1');
    expect(siteOf('http://localhost:4022')).toBe('localhost');
    expect(siteOf('https://example.com')).toBe('example.com');
  });
  it('known facilitators by name, the local machine, everything else unknown', () => {
    expect(facilitatorStanding('https://elsax402-facilitator-production.up.railway.app')).toMatchObject({ kind: 'known' });
    expect(facilitatorStanding('http://127.0.0.1:4020')).toEqual({ kind: 'local' });
    expect(facilitatorStanding('https://elsax402-facilitator-production.up.railway.app.evil.example')).toEqual({ kind: 'unknown' });
  });
  it('site text loses bidi, zero-width and control characters, and is clamped', () => {
    expect(siteText('\u202EdevorppA\u2066 \u200Bcap\u0000 0.00')).toBe('devorppA cap 0.00');
    expect(siteText('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(siteText(42)).toBe('');
  });
});
