// The page of bench/recording-cost.ts, bundled with esbuild: a doctor and a patient in one page, each with
// Chromium's fake 720p camera and microphone, connected by two RTCPeerConnections over loopback (host
// candidates only, no STUN); the doctor's page plays the patient in a <video> and its own camera in a
// preview, as the call page does. `startRecording` runs the product's composer and recorder on them.

import { tuneVideoSender, withStartBitrate } from '../../src/client/call/sender-tuning.js';
import { browserComposerDom, browserMediaRecorder } from '../../src/client/recording/browser-media.js';
import { Composer } from '../../src/client/recording/composer.js';
import { Recorder } from '../../src/client/recording/recorder.js';

export interface PageSample {
  /** performance.now() in the page. */
  at: number;
  doctorSent: { framesEncoded: number; frameWidth: number; frameHeight: number; limitation: string };
  doctorReceived: { framesDecoded: number; frameWidth: number; frameHeight: number };
  patientReceived: { framesDecoded: number };
  composerFrames: number;
  /** Main-thread time spent painting the composer's frames so far (ms). */
  composerPaintMs: number;
  recordedChunks: number;
  recordedBytes: number;
}

/** What the page offers the benchmark (on `window`, without declaring it for the whole project). */
export interface BenchWindow {
  setupCall(): Promise<void>;
  startRecording(mimeType: string): string | null;
  sample(): Promise<PageSample>;
}

const bench = window as unknown as BenchWindow;

const VIDEO: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
};

let doctor: RTCPeerConnection | null = null;
let patient: RTCPeerConnection | null = null;
let doctorCamera: MediaStream | null = null;
const remoteVideo = document.createElement('video');
const localVideo = document.createElement('video');
let composer: Composer | null = null;
let composerPaintMs = 0;
let recordedChunks = 0;
let recordedBytes = 0;

const timers = {
  setTimeout: (callback: () => void, ms: number): unknown => window.setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => window.clearTimeout(handle as number),
  setInterval: (callback: () => void, ms: number): unknown => window.setInterval(callback, ms),
  clearInterval: (handle: unknown): void => window.clearInterval(handle as number),
};

function connect(from: RTCPeerConnection, to: RTCPeerConnection): void {
  from.onicecandidate = (event) => {
    if (event.candidate) void to.addIceCandidate(event.candidate);
  };
}

bench.setupCall = async () => {
  doctorCamera = await navigator.mediaDevices.getUserMedia({ video: VIDEO, audio: true });
  const patientCamera = await navigator.mediaDevices.getUserMedia({ video: VIDEO, audio: true });
  doctor = new RTCPeerConnection({ iceServers: [] });
  patient = new RTCPeerConnection({ iceServers: [] });
  connect(doctor, patient);
  connect(patient, doctor);
  for (const track of doctorCamera.getTracks()) doctor.addTrack(track, doctorCamera);
  for (const track of patientCamera.getTracks()) patient.addTrack(track, patientCamera);
  const remote = new Promise<MediaStream>((resolve) => {
    if (doctor) doctor.ontrack = (event) => resolve(event.streams[0] ?? new MediaStream([event.track]));
  });
  // The product's HD tuning (docs/call-quality.md): start bitrate in the remote descriptions, then the
  // camera profile (maintain-resolution, 2.5 Mbps, 30 fps) on both video senders.
  const offer = await doctor.createOffer();
  await doctor.setLocalDescription(offer);
  await patient.setRemoteDescription({ type: 'offer', sdp: withStartBitrate(offer.sdp ?? '') });
  const answer = await patient.createAnswer();
  await patient.setLocalDescription(answer);
  await doctor.setRemoteDescription({ type: 'answer', sdp: withStartBitrate(answer.sdp ?? '') });
  for (const sender of [...doctor.getSenders(), ...patient.getSenders()]) {
    if (sender.track?.kind === 'video') await tuneVideoSender(sender, 'camera');
  }
  for (const [video, stream] of [
    [remoteVideo, await remote],
    [localVideo, doctorCamera],
  ] as const) {
    video.srcObject = stream;
    video.playsInline = true;
    video.autoplay = true;
    video.width = 640;
    document.body.append(video);
  }
  localVideo.muted = true;
  await Promise.all([remoteVideo.play(), localVideo.play()]);
};

bench.startRecording = (mimeType) => {
  const recorders = browserMediaRecorder();
  if (!recorders || !doctorCamera) throw new Error('no MediaRecorder or no call');
  composer = new Composer({ dom: browserComposerDom(), timers });
  // The interval calls this.drawFrame(): an own property wraps it to time each paint.
  const paint = composer.drawFrame.bind(composer);
  composer.drawFrame = () => {
    const started = performance.now();
    paint();
    composerPaintMs += performance.now() - started;
  };
  // As the recording session does: the call's streams (the patient's, the doctor's camera), the patient
  // main and the doctor small, both microphones in the mix.
  composer.setMedia({ remote: remoteVideo.srcObject as MediaStream, local: doctorCamera, screen: null });
  const recorder = new Recorder({
    factory: {
      ...recorders,
      isTypeSupported: (type) => type === mimeType && recorders.isTypeSupported(type),
    },
    stream: composer.stream,
    firstSegment: 0,
  });
  recorder.events.on('chunk', (chunk) => {
    recordedChunks += 1;
    recordedBytes += chunk.blob.size;
  });
  recorder.start();
  return recorder.mimeType;
};

function statsOf(report: RTCStatsReport, type: string): Record<string, number | string> {
  for (const entry of report.values()) {
    if (entry.type === type && entry.kind === 'video') return entry;
  }
  return {};
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

bench.sample = async () => {
  if (!doctor || !patient) throw new Error('no call');
  const [doctorStats, patientStats] = await Promise.all([doctor.getStats(), patient.getStats()]);
  const sent = statsOf(doctorStats, 'outbound-rtp');
  const received = statsOf(doctorStats, 'inbound-rtp');
  const patientIn = statsOf(patientStats, 'inbound-rtp');
  return {
    at: performance.now(),
    doctorSent: {
      framesEncoded: num(sent['framesEncoded']),
      frameWidth: num(sent['frameWidth']),
      frameHeight: num(sent['frameHeight']),
      limitation: String(sent['qualityLimitationReason'] ?? ''),
    },
    doctorReceived: {
      framesDecoded: num(received['framesDecoded']),
      frameWidth: num(received['frameWidth']),
      frameHeight: num(received['frameHeight']),
    },
    patientReceived: { framesDecoded: num(patientIn['framesDecoded']) },
    composerFrames: composer?.frames ?? 0,
    composerPaintMs,
    recordedChunks,
    recordedBytes,
  };
};
