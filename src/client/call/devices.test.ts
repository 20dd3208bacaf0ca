import { describe, expect, it } from 'vitest';
import { deviceList, deviceToUse } from './devices.js';

const info = (kind: MediaDeviceKind, deviceId: string, label = '') =>
  ({ kind, deviceId, label, groupId: '', toJSON: () => ({}) }) as MediaDeviceInfo;

describe('deviceList', () => {
  it('lists inputs by kind, numbering devices the browser does not name yet, without speakers', () => {
    const list = deviceList(
      [
        info('audioinput', 'default', 'Default'),
        info('videoinput', 'c1'),
        info('audiooutput', 's1', 'Speaker'),
        info('videoinput', ''),
      ],
      'default',
      'c1',
    );
    expect(list).toEqual({
      audioInputs: [{ deviceId: 'default', label: 'Default' }],
      videoInputs: [{ deviceId: 'c1', label: 'Camera 1' }],
      audioInput: 'default',
      videoInput: 'c1',
    });
  });
});

describe('deviceToUse', () => {
  const base = {
    current: 'headset',
    ended: false,
    available: ['default', 'mic', 'headset'],
    previouslyAvailable: new Set(['default', 'mic', 'headset']),
    preferred: null,
  };

  it('stays while the device in use is there', () => {
    expect(deviceToUse(base)).toBeNull();
  });

  it('moves to the chosen device, else the default, when the one in use is gone or ended', () => {
    expect(deviceToUse({ ...base, available: ['default', 'mic'] })).toBe('default');
    expect(deviceToUse({ ...base, available: ['default', 'mic'], preferred: 'mic' })).toBe('mic');
    expect(deviceToUse({ ...base, ended: true, available: ['headset', 'default'] })).toBe('default');
  });

  it('takes up a chosen device that has just come back, but not one that was there all along', () => {
    const plugged = {
      ...base,
      current: 'default',
      preferred: 'headset',
      previouslyAvailable: new Set(['default', 'mic']),
    };
    expect(deviceToUse(plugged)).toBe('headset');
    expect(
      deviceToUse({ ...plugged, previouslyAvailable: new Set(['default', 'mic', 'headset']) }),
    ).toBeNull();
  });
});
