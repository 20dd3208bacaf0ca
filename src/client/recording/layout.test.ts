import { describe, expect, it } from 'vitest';
import { chooseVideo, fitRect, NO_VIDEO_LABEL, PIP_MARGIN, pipRect, planFrame } from './layout.js';

const frame = { x: 0, y: 0, w: 1280, h: 720 };

describe('fitRect', () => {
  it('fills a 16:9 frame with a 16:9 picture', () => {
    expect(fitRect(640, 360, frame)).toEqual(frame);
  });

  it('pillarboxes a 4:3 camera and a portrait phone, centred, keeping their aspect', () => {
    expect(fitRect(640, 480, frame)).toEqual({ x: 160, y: 0, w: 960, h: 720 });
    const phone = fitRect(720, 1280, frame);
    expect(phone).toEqual({ x: 438, y: 0, w: 405, h: 720 });
    expect(phone.w / phone.h).toBeCloseTo(720 / 1280, 2);
  });

  it('letterboxes a wide screen share', () => {
    expect(fitRect(2560, 1080, frame)).toEqual({ x: 0, y: 90, w: 1280, h: 540 });
  });
});

describe('pipRect', () => {
  it('is a fifth of the width, bottom right with a margin, in the source’s aspect', () => {
    const box = pipRect(1280, 720);
    expect(box).toEqual({ x: 1280 - PIP_MARGIN - 256, y: 720 - PIP_MARGIN - 144, w: 256, h: 144 });
    expect(pipRect(640, 480).h).toBe(192);
  });

  it('caps a portrait camera at half the frame’s height and assumes 16:9 when the size is unknown', () => {
    expect(pipRect(480, 1280).h).toBe(360);
    expect(pipRect(0, 0).h).toBe(144);
  });
});

describe('planFrame', () => {
  it('draws black, then the main picture letterboxed, then the picture-in-picture on a black box', () => {
    const ops = planFrame({ width: 640, height: 480, live: true }, { width: 1280, height: 720, live: true });
    expect(ops).toEqual([
      { kind: 'black', rect: frame },
      { kind: 'video', slot: 'main', rect: { x: 160, y: 0, w: 960, h: 720 } },
      { kind: 'black', rect: pipRect(1280, 720) },
      { kind: 'video', slot: 'pip', rect: pipRect(1280, 720) },
    ]);
  });

  it('labels a slot whose camera is off or has no picture yet, and omits a missing picture-in-picture', () => {
    const ops = planFrame({ width: 640, height: 480, live: false }, { width: 0, height: 0, live: true });
    expect(ops).toEqual([
      { kind: 'black', rect: frame },
      { kind: 'label', text: NO_VIDEO_LABEL, rect: frame },
      { kind: 'black', rect: pipRect(0, 0) },
      { kind: 'label', text: NO_VIDEO_LABEL, rect: pipRect(0, 0) },
    ]);
    expect(planFrame(null, null)).toEqual([
      { kind: 'black', rect: frame },
      { kind: 'label', text: NO_VIDEO_LABEL, rect: frame },
    ]);
  });
});

describe('chooseVideo', () => {
  it('shows the patient with the doctor small, or a screen share with the patient small', () => {
    expect(chooseVideo({ remote: 'patient', local: 'doctor', screen: null })).toEqual({
      main: 'patient',
      pip: 'doctor',
    });
    expect(chooseVideo({ remote: 'patient', local: 'doctor', screen: 'share' })).toEqual({
      main: 'share',
      pip: 'patient',
    });
    expect(chooseVideo({ remote: null, local: 'doctor', screen: null })).toEqual({
      main: null,
      pip: 'doctor',
    });
  });
});
