import { describe, expect, it } from 'vitest';
import { checkFacilitatorUrl, isPrivateHost, normalizeBaseUrl, parseFacilitatorUrl, resolveSessionsEndpoint } from '../../lib/facilitator/url';

describe('facilitator URLs (untrusted input)', () => {
  it('accepts https and loopback http only', () => {
    expect(parseFacilitatorUrl('https://f.example/base/')).not.toBeNull();
    expect(parseFacilitatorUrl('http://127.0.0.1:4020')).not.toBeNull();
    expect(parseFacilitatorUrl('http://localhost:4020')).not.toBeNull();
    expect(parseFacilitatorUrl('http://evil.example')).toBeNull();
    expect(parseFacilitatorUrl('javascript:alert(1)')).toBeNull();
    expect(parseFacilitatorUrl('https://user:pw@f.example')).toBeNull();
    expect(parseFacilitatorUrl(42)).toBeNull();
  });
  it('keeps the sessions endpoint on the facilitator origin', () => {
    const base = normalizeBaseUrl(parseFacilitatorUrl('https://f.example/api/')!);
    expect(base).toBe('https://f.example/api');
    expect(resolveSessionsEndpoint(base, '/sessions')).toBe('https://f.example/api/sessions');
    expect(resolveSessionsEndpoint(base, '//evil.example/sessions')).toBeNull();
    expect(resolveSessionsEndpoint(base, undefined)).toBe('https://f.example/api/sessions');
    expect(resolveSessionsEndpoint(base, 'https://f.example/api/sessions')).toBe('https://f.example/api/sessions');
    expect(resolveSessionsEndpoint(base, 'https://evil.example/sessions')).toBeNull();
    expect(resolveSessionsEndpoint(base, '/sessions?to=evil')).toBeNull();
  });
});

describe('the facilitator URL policy (what a page may aim the background at)', () => {
  const pub = { pageOrigin: 'https://dapp.example' };
  const local = { pageOrigin: 'http://127.0.0.1:4022' };
  it('normalises to scheme, host, port and path; refuses credentials, query and fragment', () => {
    expect(checkFacilitatorUrl('https://F.Example:443/base//', pub)).toEqual({ ok: true, base: 'https://f.example/base' });
    expect(checkFacilitatorUrl('https://u:p@f.example', pub)).toMatchObject({ ok: false, refusal: 'credentials' });
    expect(checkFacilitatorUrl('https://f.example/?x=1', pub)).toMatchObject({ ok: false, refusal: 'query_or_fragment' });
    expect(checkFacilitatorUrl('https://f.example/#frag', pub)).toMatchObject({ ok: false, refusal: 'query_or_fragment' });
    expect(checkFacilitatorUrl('https://f.example/?', pub)).toMatchObject({ ok: false, refusal: 'query_or_fragment' });
    expect(checkFacilitatorUrl('gopher://f.example', pub)).toMatchObject({ ok: false, refusal: 'not_https' });
  });
  it('http only on loopback, and only for a page that is itself on loopback', () => {
    expect(checkFacilitatorUrl('http://127.0.0.1:4020', local)).toMatchObject({ ok: true });
    expect(checkFacilitatorUrl('http://localhost:4020', local)).toMatchObject({ ok: true });
    expect(checkFacilitatorUrl('http://127.0.0.1:4020', pub)).toMatchObject({ ok: false, refusal: 'not_https' });
    expect(checkFacilitatorUrl('https://127.0.0.1:4020', pub)).toMatchObject({ ok: false, refusal: 'private_address' });
    expect(checkFacilitatorUrl('http://f.example', local)).toMatchObject({ ok: false, refusal: 'not_https' });
  });
  it('private and local addresses are refused unless the person allowed them', () => {
    for (const u of ['https://10.0.0.1', 'https://192.168.1.1:8443', 'https://172.20.3.4', 'https://169.254.169.254', 'https://100.64.0.1', 'https://[fd00::1]', 'https://[fe80::1]', 'https://[::ffff:10.0.0.1]', 'https://router', 'https://printer.local', 'https://svc.internal', 'https://0.0.0.0']) {
      expect(checkFacilitatorUrl(u, pub), u).toMatchObject({ ok: false, refusal: 'private_address' });
      expect(checkFacilitatorUrl(u, { ...pub, allowPrivate: true }), u).toMatchObject({ ok: true });
    }
    for (const h of ['f.example', '8.8.8.8', '172.32.0.1', '[2001:db8::1]']) expect(isPrivateHost(h), h).toBe(false);
  });
});
