import { describe, expect, it } from 'vitest';
import { FakeComposerDom } from '../testing/fake-composer-dom.js';
import { FakeStream, FakeTrack } from '../testing/fake-media.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { Composer } from './composer.js';
import { NO_VIDEO_LABEL } from './layout.js';

function setup() {
  const dom = new FakeComposerDom();
  const timers = new FakeTimers();
  const composer = new Composer({ dom, timers });
  return { dom, timers, composer };
}

const call = () => ({
  remote: FakeStream.withAudioAndVideo(),
  local: FakeStream.withAudioAndVideo(),
  screen: new FakeStream([new FakeTrack('video'), new FakeTrack('audio')]),
});

describe('Composer', () => {
  it('records the canvas track and the mixed audio track, and paints about 30 frames a second', () => {
    const { dom, timers, composer } = setup();
    expect(composer.stream.getVideoTracks()).toEqual([dom.videoTrack]);
    expect(composer.stream.getAudioTracks()).toEqual([dom.mixTrack]);
    const before = composer.frames;
    timers.advance(1000);
    expect(composer.frames - before).toBeGreaterThanOrEqual(29);
    expect(composer.frames - before).toBeLessThanOrEqual(31);
    expect(dom.frames.length).toBe(composer.frames);
  });

  it('paces itself: paints that take 100 ms leave the main thread free half the time', () => {
    const dom = new FakeComposerDom();
    const timers = new FakeTimers();
    let composer: Composer | null = null;
    // Each paint takes 100 ms of this clock.
    const now = () => timers.now + (composer?.frames ?? 0) * 100;
    composer = new Composer({ dom, timers, now });
    const before = composer.frames;
    timers.advance(3000);
    const perSecond = (composer.frames - before) / 3;
    expect(perSecond).toBeGreaterThanOrEqual(4);
    expect(perSecond).toBeLessThanOrEqual(8);
  });

  it('shows the patient with the doctor small, then the screen share with the patient small', () => {
    const { dom, composer } = setup();
    const media = call();
    composer.setMedia({ remote: media.remote.asStream, local: media.local.asStream, screen: null });
    expect(dom.lastFrame).toMatchObject({ main: media.remote, pip: media.local });
    composer.setMedia({
      remote: media.remote.asStream,
      local: media.local.asStream,
      screen: media.screen.asStream,
    });
    expect(dom.lastFrame).toMatchObject({ main: media.screen, pip: media.remote });
    // The doctor's own picture is no longer shown: what the composer played for it is released. The
    // patient moved to the small slot: played afresh at that size (the main one is kept while it stays).
    const played = dom.pictures.map((p) => [p.source, p.slot, p.released]);
    expect(played).toEqual([
      [media.remote, { name: 'main', width: 1280, height: 720 }, true],
      [media.local, { name: 'pip', width: 256, height: 360 }, true],
      [media.screen, { name: 'main', width: 1280, height: 720 }, false],
      [media.remote, { name: 'pip', width: 256, height: 360 }, false],
    ]);
    composer.setMedia({
      remote: media.remote.asStream,
      local: media.local.asStream,
      screen: media.screen.asStream,
    });
    expect(dom.pictures).toHaveLength(4);
  });

  it('holds the last frame while a new picture starts, and labels it only if it never shows', () => {
    const { dom, timers, composer } = setup();
    const media = call();
    composer.setSources({ main: media.remote.asStream, pip: null });
    const shown = dom.frames.length;
    // A screen share takes the main slot; its picture has no frame yet.
    dom.initial.set(media.screen.asStream, { width: 1280, height: 720, live: false });
    composer.setSources({ main: media.screen.asStream, pip: media.remote.asStream });
    timers.advance(1000);
    expect(dom.frames.length, 'no frame painted while the share starts').toBe(shown);
    const screen = dom.pictures.find((p) => p.source === media.screen.asStream);
    if (screen) screen.current = { width: 1280, height: 720, live: true };
    timers.advance(100);
    expect(dom.lastFrame?.ops[1]).toMatchObject({ kind: 'video', slot: 'main' });
    // A camera that never starts is labelled after about a second and a half.
    const other = FakeStream.withAudioAndVideo();
    dom.initial.set(other.asStream, { width: 640, height: 480, live: false });
    composer.setSources({ main: other.asStream, pip: null });
    timers.advance(2000);
    expect(dom.lastFrame?.ops[1]).toEqual({
      kind: 'label',
      text: NO_VIDEO_LABEL,
      rect: { x: 0, y: 0, w: 1280, h: 720 },
    });
  });

  it('opens on black, and paints a labelled black frame when the main picture has no live video', () => {
    const { dom, timers, composer } = setup();
    expect(dom.lastFrame?.ops).toEqual([{ kind: 'black', rect: { x: 0, y: 0, w: 1280, h: 720 } }]);
    const media = call();
    dom.initial.set(media.remote.asStream, { width: 640, height: 480, live: false });
    composer.setSources({ main: media.remote.asStream, pip: null });
    timers.advance(2000);
    expect(dom.lastFrame?.ops).toEqual([
      { kind: 'black', rect: { x: 0, y: 0, w: 1280, h: 720 } },
      { kind: 'label', text: NO_VIDEO_LABEL, rect: { x: 0, y: 0, w: 1280, h: 720 } },
    ]);
    const picture = dom.pictures[0];
    if (picture) picture.current = { width: 640, height: 480, live: true };
    composer.drawFrame();
    expect(dom.lastFrame?.ops[1]).toEqual({
      kind: 'video',
      slot: 'main',
      rect: { x: 160, y: 0, w: 960, h: 720 },
    });
  });

  it('mixes every party’s and the share’s audio, and changes the mix without changing the output track', () => {
    const { dom, composer } = setup();
    const media = call();
    const output = composer.stream.getAudioTracks()[0];
    composer.setMedia({
      remote: media.remote.asStream,
      local: media.local.asStream,
      screen: media.screen.asStream,
    });
    const audio = (s: FakeStream) => s.getAudioTracks()[0]?.asTrack;
    expect([...dom.mixed]).toEqual([audio(media.local), audio(media.remote), audio(media.screen)]);
    composer.setMedia({ remote: media.remote.asStream, local: media.local.asStream, screen: null });
    expect([...dom.mixed]).toEqual([audio(media.local), audio(media.remote)]);
    media.remote.getAudioTracks()[0]?.stop();
    composer.setMedia({ remote: media.remote.asStream, local: media.local.asStream, screen: null });
    expect([...dom.mixed]).toEqual([audio(media.local)]);
    expect(composer.stream.getAudioTracks()[0]).toBe(output);
  });

  it('closes once: frames stop, played pictures are released, the mix and the canvas close', () => {
    const { dom, timers, composer } = setup();
    const media = call();
    composer.setMedia({ remote: media.remote.asStream, local: media.local.asStream, screen: null });
    composer.close();
    composer.close();
    const frames = composer.frames;
    timers.advance(1000);
    expect(composer.frames).toBe(frames);
    expect(dom.pictures.every((p) => p.released)).toBe(true);
    expect(dom.mixerClosed && dom.surfaceClosed).toBe(true);
  });
});
