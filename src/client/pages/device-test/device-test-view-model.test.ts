import { describe, expect, it } from 'vitest';
import { backHref } from './device-test-view-model.js';

describe('backHref', () => {
  it('goes back to the page the user came from on this site', () => {
    expect(backHref('/appointments/a1')).toBe('/appointments/a1');
    expect(backHref(null)).toBe('/appointments');
    expect(backHref('/device-test')).toBe('/appointments');
    expect(backHref('//evil.example/')).toBe('/appointments');
  });
});
