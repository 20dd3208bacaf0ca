/**
 * What the recording shows, as numbers: where each picture goes in the 1280×720 frame and which of the
 * call's pictures is the main one. No DOM here, so all of it is unit-tested.
 */

export const FRAME_WIDTH = 1280;
export const FRAME_HEIGHT = 720;
/** The picture-in-picture is about a fifth of the frame's width… */
export const PIP_WIDTH_SHARE = 0.2;
/** …and sits this far (px) from the bottom and right edges. */
export const PIP_MARGIN = 24;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The largest rectangle of the source's aspect that fits `box`, centred (letterboxed or pillarboxed). */
export function fitRect(sourceW: number, sourceH: number, box: Rect): Rect {
  if (sourceW <= 0 || sourceH <= 0) return { ...box };
  const scale = Math.min(box.w / sourceW, box.h / sourceH);
  const w = Math.round(sourceW * scale);
  const h = Math.round(sourceH * scale);
  return { x: box.x + Math.round((box.w - w) / 2), y: box.y + Math.round((box.h - h) / 2), w, h };
}

/**
 * The picture-in-picture's box: a fifth of the frame's width, the source's aspect (16:9 when unknown),
 * bottom right with a margin.
 */
export function pipRect(sourceW: number, sourceH: number, frameW = FRAME_WIDTH, frameH = FRAME_HEIGHT): Rect {
  const w = Math.round(frameW * PIP_WIDTH_SHARE);
  const aspect = sourceW > 0 && sourceH > 0 ? sourceH / sourceW : 9 / 16;
  // A portrait phone camera would make a tall box: it may not take more than half the frame's height.
  const h = Math.min(Math.round(w * aspect), Math.round(frameH / 2));
  return { x: frameW - PIP_MARGIN - w, y: frameH - PIP_MARGIN - h, w, h };
}

/** The largest box a slot's picture is drawn into: the frame, or the picture-in-picture at its tallest. */
export function slotBounds(slot: 'main' | 'pip'): { width: number; height: number } {
  if (slot === 'main') return { width: FRAME_WIDTH, height: FRAME_HEIGHT };
  return { width: Math.round(FRAME_WIDTH * PIP_WIDTH_SHARE), height: Math.round(FRAME_HEIGHT / 2) };
}

/** One picture the frame may show: its size (0×0 while nothing plays) and whether it has live video. */
export interface PictureState {
  width: number;
  height: number;
  /** False when the source's video track is missing, ended or muted (camera off). */
  live: boolean;
}

/** What to paint for one frame, in order. */
export type DrawOp =
  | { kind: 'black'; rect: Rect }
  | { kind: 'video'; slot: 'main' | 'pip'; rect: Rect }
  | { kind: 'label'; text: string; rect: Rect };

export const NO_VIDEO_LABEL = 'Camera off';

/**
 * The frame: black everywhere, then the main picture letterboxed over the whole frame, then the
 * picture-in-picture (if there is one) in its box. A slot without live video is a black box with a label;
 * a missing picture-in-picture is not drawn at all.
 */
export function planFrame(
  main: PictureState | null,
  pip: PictureState | null,
  frameW = FRAME_WIDTH,
  frameH = FRAME_HEIGHT,
): DrawOp[] {
  const frame: Rect = { x: 0, y: 0, w: frameW, h: frameH };
  const ops: DrawOp[] = [{ kind: 'black', rect: frame }];
  if (main?.live && main.width > 0 && main.height > 0) {
    ops.push({ kind: 'video', slot: 'main', rect: fitRect(main.width, main.height, frame) });
  } else {
    ops.push({ kind: 'label', text: NO_VIDEO_LABEL, rect: frame });
  }
  if (pip) {
    const live = pip.live && pip.width > 0 && pip.height > 0;
    const box = pipRect(live ? pip.width : 0, live ? pip.height : 0, frameW, frameH);
    ops.push({ kind: 'black', rect: box });
    ops.push(
      live ? { kind: 'video', slot: 'pip', rect: box } : { kind: 'label', text: NO_VIDEO_LABEL, rect: box },
    );
  }
  return ops;
}

/** The call's media as the doctor's page has it; any of them may be missing. */
export interface CallMedia<S> {
  /** The patient's camera and microphone. */
  remote: S | null;
  /** The doctor's own camera and microphone. */
  local: S | null;
  /** A screen share running on either side (with its audio, if it has any). */
  screen: S | null;
}

/**
 * Which picture is main and which is the picture-in-picture: normally the patient fills the frame with the
 * doctor small; while a screen share runs, the share fills the frame with the patient small (the doctor's
 * own face matters least then).
 */
export function chooseVideo<S>(media: CallMedia<S>): { main: S | null; pip: S | null } {
  if (media.screen) return { main: media.screen, pip: media.remote };
  return { main: media.remote, pip: media.local };
}
