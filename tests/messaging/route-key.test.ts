import { describe, expect, it } from 'vitest';
import { routeKey } from '../../lib/messaging/route-key';

describe('the route key (shared by the page script and the background)', () => {
  it('upper-cases the method and drops query and fragment', () => {
    expect(routeKey('https://api.example/v1/chat?x=1#y', 'patch')).toBe('PATCH https://api.example/v1/chat');
    expect(routeKey('http://127.0.0.1:4021/api/slot', 'GET')).toBe('GET http://127.0.0.1:4021/api/slot');
    expect(routeKey('https://api.example/a#b?c', 'post')).toBe('POST https://api.example/a');
  });
  it('is null for anything but http(s)', () => {
    expect(routeKey('data:text/plain,x', 'GET')).toBeNull();
    expect(routeKey('javascript:1', 'GET')).toBeNull();
    expect(routeKey(42 as never, 'GET')).toBeNull();
  });
  it('keeps working when the page later patches String.prototype (captured at load)', () => {
    const split = String.prototype.split;
    const upper = String.prototype.toUpperCase;
    String.prototype.split = () => ['patched'];
    String.prototype.toUpperCase = () => 'PATCHED';
    try {
      expect(routeKey('https://api.example/x?y', 'get')).toBe('GET https://api.example/x');
    } finally {
      String.prototype.split = split;
      String.prototype.toUpperCase = upper;
    }
  });
});
