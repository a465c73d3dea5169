import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOLBAR_LOOKS, toolbarLookFor, toolbarStateFor, type ToolbarState } from '../../lib/background/toolbar-state';
import { sessionRecord } from '../support/db';

const NOW = Date.now();
const s = (over: Parameters<typeof sessionRecord>[0]) => sessionRecord({ cap: '1000000', spent: '0', reserved: '0', ...over });

describe('toolbarStateFor', () => {
  it('idle with no session, or only ended, failed or expired ones', () => {
    expect(toolbarStateFor([], NOW)).toBe('idle');
    expect(toolbarStateFor([s({ status: 'revoked' }), s({ status: 'failed' }), s({ status: 'expired' })], NOW)).toBe('idle');
    expect(toolbarStateFor([s({ expiresAt: Math.floor(NOW / 1000) - 1 })], NOW)).toBe('idle');
    // An exhausted session whose expiry passed is history, not a warning.
    expect(toolbarStateFor([s({ status: 'exhausted', expiresAt: Math.floor(NOW / 1000) - 1 })], NOW)).toBe('idle');
  });

  it('active while a live session has more than a fifth of its cap left; low at a fifth or less', () => {
    expect(toolbarStateFor([s({ spent: '799999' })], NOW)).toBe('active');
    expect(toolbarStateFor([s({ spent: '800000' })], NOW)).toBe('low');
    // Reserved (in-flight) amounts count as gone.
    expect(toolbarStateFor([s({ spent: '700000', reserved: '100000' })], NOW)).toBe('low');
    expect(toolbarStateFor([s({ spent: '999999' })], NOW)).toBe('low');
  });

  it('one healthy session is enough for active, whatever the others', () => {
    expect(toolbarStateFor([s({ spent: '950000' }), s({ status: 'exhausted', spent: '1000000' }), s({ spent: '100000' })], NOW)).toBe('active');
  });

  it('exhausted when nothing is left: a live session at its cap, or an unexpired one closed for its cap', () => {
    expect(toolbarStateFor([s({ spent: '1000000' })], NOW)).toBe('exhausted');
    expect(toolbarStateFor([s({ status: 'exhausted', spent: '1000000' })], NOW)).toBe('exhausted');
    expect(toolbarStateFor([s({ status: 'exhausted' }), s({ status: 'revoked' })], NOW)).toBe('exhausted');
  });
});

describe('TOOLBAR_LOOKS', () => {
  const states: ToolbarState[] = ['idle', 'active', 'low', 'exhausted'];

  it('points at icon files that exist in public/', () => {
    for (const state of states) for (const p of Object.values(TOOLBAR_LOOKS[state].path)) expect(existsSync(`public${p}`), p).toBe(true);
  });

  it('gives each state its own badge colour, the one its icon is drawn with', () => {
    expect(new Set(states.map((st) => TOOLBAR_LOOKS[st].badgeColor)).size).toBe(4);
    for (const state of states) {
      const svg = readFileSync(`public/icons/${state}.svg`, 'utf8');
      expect(/data-state-colour="(#[0-9a-f]{6})"/.exec(svg)?.[1], state).toBe(TOOLBAR_LOOKS[state].badgeColor);
      // The colour is on the drawing itself, not only in the attribute: the gauge, or for
      // exhausted (nothing left) the whole ring. Idle has no gauge and no badge to match.
      if (state === 'idle') expect(svg).not.toContain('class="gauge"');
      else expect(svg, state).toContain(`stroke="${TOOLBAR_LOOKS[state].badgeColor}"`);
    }
  });

  it('toolbarLookFor returns the state with its look', () => {
    expect(toolbarLookFor([s({ spent: '900000' })], NOW)).toEqual({ state: 'low', ...TOOLBAR_LOOKS.low });
  });
});
