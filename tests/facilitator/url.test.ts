import { describe, expect, it } from 'vitest';
import { normalizeBaseUrl, parseFacilitatorUrl, resolveSessionsEndpoint } from '../../lib/facilitator/url';

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
  });
});
