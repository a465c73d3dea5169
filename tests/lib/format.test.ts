import { describe, expect, it } from 'vitest';
import { badgeFor, compact } from '../../lib/background/badge';
import { countdown, duration, localDateTime, spentRatio, tokenAmount } from '../../lib/format';
import { formatAmount, parseDecimalAmount } from '../../lib/x402/amount';
import { normalizeBaseUrl, parseFacilitatorUrl, resolveSessionsEndpoint } from '../../lib/facilitator/url';
import { normalizeNetwork, sameNetwork } from '../../lib/x402/networks';
import { sessionRecord } from '../support/db';

describe('amounts', () => {
  it('parses and formats token units exactly', () => {
    expect(parseDecimalAmount('1.00', 6)).toBe(1_000_000n);
    expect(parseDecimalAmount('0.1', 6)).toBe(100_000n);
    expect(parseDecimalAmount('1.0000001', 6)).toBeNull();
    expect(parseDecimalAmount('-1', 6)).toBeNull();
    expect(parseDecimalAmount('1e3', 6)).toBeNull();
    expect(formatAmount(100_000n, 6)).toBe('0.10');
    expect(formatAmount('1234567', 6)).toBe('1.234567');
    expect(tokenAmount('1000000', 6, 'USDC')).toBe('1.00 USDC');
  });
});

describe('display helpers', () => {
  it('counts down and names durations', () => {
    expect(countdown(1000, 1000_000 - 3_541_000)).toBe('in 59m 1s');
    expect(countdown(100, 100_000)).toBe('expired');
    expect(countdown(100_000, 0)).toBe('in 1d 3h');
    expect(duration(3600)).toBe('1 hour');
    expect(duration(900)).toBe('15 minutes');
    expect(spentRatio('250000', '1000000')).toBe(0.25);
  });

  it('fits the remaining budget of the tab origin into the badge', () => {
    expect(compact(0.9)).toBe('0.9');
    expect(compact(12.5)).toBe('12');
    expect(compact(1234)).toBe('1.2k');
    const now = Date.now();
    const s = sessionRecord({ cap: '1000000', spent: '100000' });
    expect(badgeFor([s], now).text).toBe('0.9');
    expect(badgeFor([{ ...s, status: 'revoked' }], now).text).toBe('');
    expect(badgeFor([{ ...s, expiresAt: Math.floor(now / 1000) - 1 }], now).text).toBe('');
  });
});

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

describe('networks', () => {
  it('matches aliases but keeps unknown names unpayable', () => {
    expect(sameNetwork('base:sepolia', 'eip155:84532')).toBe(true);
    expect(sameNetwork('base-sepolia', 'base:sepolia')).toBe(true);
    expect(sameNetwork('base', 'eip155:84532')).toBe(false);
    expect(normalizeNetwork('solana:devnet')).toMatchObject({ family: 'solana' });
    expect(normalizeNetwork('__proto__')).toBeNull();
    expect(normalizeNetwork('eip155:0')).toBeNull();
    expect(normalizeNetwork('eip155:99999999999999999999')).toBeNull();
  });
});

describe('settings', () => {
  it('a patch changes only the fields it names (no defaults sneak in)', async () => {
    const { applySettingsPatch, readSettings, SettingsPatchSchema } = await import('../../lib/settings');
    const current = readSettings({ rpc: { 'eip155:31337': 'http://127.0.0.1:8545' }, promptOn402: false });
    const patch = SettingsPatchSchema.parse({ preemptive: false });
    expect(patch).toEqual({ preemptive: false });
    expect(applySettingsPatch(current, patch)).toEqual({ rpc: { 'eip155:31337': 'http://127.0.0.1:8545' }, promptOn402: false, preemptive: false });
    expect(() => SettingsPatchSchema.parse({ rpc: { x: 'not a url' } })).toThrow();
  });
});

describe('localDateTime', () => {
  it('formats local time with zero padding, matching the Date getters', () => {
    const d = new Date(2026, 0, 5, 7, 3, 59);
    expect(localDateTime(d.getTime())).toBe('2026-01-05 07:03');
    expect(localDateTime(new Date(2026, 10, 23, 23, 59).getTime())).toBe('2026-11-23 23:59');
  });
});
