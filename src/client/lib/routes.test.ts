import { describe, expect, it } from 'vitest';
import { appointmentIdFromPath, appointmentPath, callPath } from './routes.js';

describe('appointment routes', () => {
  it('reads the id from both appointment paths', () => {
    expect(appointmentIdFromPath('/appointments/abc')).toBe('abc');
    expect(appointmentIdFromPath('/appointments/abc/')).toBe('abc');
    expect(appointmentIdFromPath('/appointments/abc/call')).toBe('abc');
    expect(appointmentIdFromPath('/appointments/a%20b')).toBe('a b');
  });

  it('rejects other paths', () => {
    expect(appointmentIdFromPath('/appointments')).toBeNull();
    expect(appointmentIdFromPath('/appointments/abc/chat')).toBeNull();
    expect(appointmentIdFromPath('/appointments/%E0%A4%A')).toBeNull();
  });

  it('encodes ids into paths', () => {
    expect(appointmentPath('a/b')).toBe('/appointments/a%2Fb');
    expect(callPath('x')).toBe('/appointments/x/call');
  });
});
