import type { Page } from '@playwright/test';
import { type ProbeRegistry, REGISTRY_KEY } from './peer-connection-probe.js';

const HIDDEN_DEVICES_KEY = 'carecall.e2e.hiddenDevices';

/**
 * The nearest thing to unplugging a device that headless Chromium allows (it cannot plug hardware):
 * `enumerateDevices()` stops listing the device, a track the page sends from it stops and fires `ended`
 * (as a real unplug does), and `navigator.mediaDevices` fires `devicechange`. Differences from a real
 * unplug: the browser's capture layer still has the device (getUserMedia for that deviceId would still
 * succeed), only the page's view of the list changes (the instance's enumerateDevices is replaced), and
 * both events are dispatched by script rather than by the browser.
 * `device`: a deviceId, or the kind whose sent track's device is to go. Returns the deviceId unplugged.
 */
export async function unplugDevice(
  page: Page,
  device: 'audio' | 'video' | { deviceId: string },
): Promise<string> {
  return page.evaluate(
    ({ key, hiddenKey, device }) => {
      const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
      const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
      const sent = open
        .flatMap((pc) => pc.getSenders().flatMap((s) => (s.track ? [s.track] : [])))
        .filter((t) => t.readyState === 'live');
      const deviceId =
        typeof device === 'string'
          ? sent.find((t) => t.kind === device)?.getSettings().deviceId
          : device.deviceId;
      if (!deviceId) throw new Error(`no live ${String(device)} track with a deviceId is being sent`);
      const holder = window as unknown as Record<symbol, Set<string> | undefined>;
      let hidden = holder[Symbol.for(hiddenKey)];
      if (!hidden) {
        const set = new Set<string>();
        hidden = set;
        holder[Symbol.for(hiddenKey)] = set;
        const devices = navigator.mediaDevices;
        const native = devices.enumerateDevices.bind(devices);
        devices.enumerateDevices = async () => (await native()).filter((d) => !set.has(d.deviceId));
      }
      hidden.add(deviceId);
      for (const track of sent.filter((t) => t.getSettings().deviceId === deviceId)) {
        track.stop();
        track.dispatchEvent(new Event('ended'));
      }
      navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
      return deviceId;
    },
    { key: REGISTRY_KEY, hiddenKey: HIDDEN_DEVICES_KEY, device },
  );
}

/** A device `unplugDevice` hid is listed again, and `devicechange` fires (a headset plugged back in). */
export async function plugInDevice(page: Page, deviceId: string): Promise<void> {
  await page.evaluate(
    ({ hiddenKey, deviceId }) => {
      const hidden = (window as unknown as Record<symbol, Set<string> | undefined>)[Symbol.for(hiddenKey)];
      hidden?.delete(deviceId);
      navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    },
    { hiddenKey: HIDDEN_DEVICES_KEY, deviceId },
  );
}
