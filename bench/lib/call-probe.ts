import type { BrowserContext } from 'playwright-core';

/**
 * What a page reports to the benchmark: a named moment on the page's own clock, as milliseconds since the
 * Unix epoch (`performance.timeOrigin + performance.now()`), so marks from successive documents of one
 * tab (the appointment page, then the call page) and from both parties line up.
 */
export interface Mark {
  name: string;
  t: number;
  path: string;
  detail?: Record<string, unknown>;
}

/** Bench-only changes made inside the page to try sender settings without touching the product code. */
export interface SenderExperiment {
  /** RTCRtpSendParameters.degradationPreference for video senders. */
  degradationPreference?: RTCDegradationPreference;
  /** encodings[0].maxBitrate in bits per second for video senders. */
  maxBitrate?: number;
  /** x-google-start-bitrate / x-google-min-bitrate (kbps) added to the video fmtp lines of remote descriptions. */
  startBitrateKbps?: number;
  minBitrateKbps?: number;
  /** MediaStreamTrack.contentHint for camera tracks. */
  contentHint?: string;
}

export interface ProbeOptions {
  binding: string;
  experiment: SenderExperiment | null;
  /** Stop watching stats and frames this long after the first remote frame. */
  watchMs: number;
}

export const PROBE_BINDING = '__carecallBenchMark';

/**
 * Runs in every document before the page's own scripts (serialised by Playwright, so it may use nothing
 * from this module's scope). Wraps getUserMedia, WebSocket and RTCPeerConnection, watches the remote
 * <video>, and reports marks through the exposed binding. The app needs no bench hooks.
 */
function installCallProbe(options: ProbeOptions): void {
  const w = window as unknown as Record<string, unknown>;
  if (w['__carecallBenchProbe']) return;
  Object.defineProperty(window, '__carecallBenchProbe', { value: true, enumerable: false });
  const origin = performance.timeOrigin;
  const pending: Mark[] = [];
  const seen = new Set<string>();
  const send = (mark: Mark) => {
    const report = w[options.binding];
    if (typeof report !== 'function') {
      pending.push(mark);
      return;
    }
    for (const waiting of pending.splice(0)) void (report as (m: Mark) => Promise<void>)(waiting);
    void (report as (m: Mark) => Promise<void>)(mark);
  };
  const mark = (name: string, detail?: Record<string, unknown>, at = performance.now()) => {
    send({ name, t: origin + at, path: location.pathname, ...(detail ? { detail } : {}) });
  };
  /** Only the first occurrence of a name in this document. */
  const once = (name: string, detail?: Record<string, unknown>, at?: number) => {
    if (seen.has(name)) return;
    seen.add(name);
    mark(name, detail, at);
  };

  mark('nav:start', undefined, 0);

  document.addEventListener(
    'click',
    (event) => {
      const button = (event.target as Element | null)?.closest?.('button, a');
      const text = button?.textContent?.trim();
      if (text) mark(`click:${text}`, undefined, event.timeStamp);
    },
    { capture: true },
  );

  const reportNavigation = () => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    if (nav) {
      mark('nav:response-start', undefined, nav.responseStart);
      mark(
        'nav:response-end',
        {
          transferSize: nav.transferSize,
          encodedBodySize: nav.encodedBodySize,
          decodedBodySize: nav.decodedBodySize,
        },
        nav.responseEnd,
      );
      mark('nav:dom-interactive', undefined, nav.domInteractive);
      mark('nav:dom-content-loaded', undefined, nav.domContentLoadedEventEnd);
      mark('nav:load', undefined, nav.loadEventEnd || performance.now());
    }
  };
  window.addEventListener('load', () => setTimeout(reportNavigation, 0));
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as PerformanceResourceTiming[]) {
        const url = new URL(entry.name);
        mark(
          `resource:${url.pathname}`,
          {
            initiator: entry.initiatorType,
            startAt: origin + entry.startTime,
            transferSize: entry.transferSize,
            encodedBodySize: entry.encodedBodySize,
            decodedBodySize: entry.decodedBodySize,
            /** 0 when answered from the HTTP cache; 304 revalidations have a status of 304. */
            responseStatus: (entry as PerformanceResourceTiming & { responseStatus?: number }).responseStatus,
            durationMs: entry.duration,
          },
          entry.responseEnd,
        );
      }
    }).observe({ type: 'resource', buffered: true });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) mark(`paint:${entry.name}`, undefined, entry.startTime);
    }).observe({ type: 'paint', buffered: true });
    // Main-thread tasks over 50 ms: they delay every event the call setup waits for (socket open, offer…).
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        mark('longtask', { durationMs: Math.round(entry.duration) }, entry.startTime);
      }
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // no PerformanceObserver: navigation marks still come
  }

  const experiment = options.experiment;
  const media = navigator.mediaDevices;
  if (media?.getUserMedia) {
    const original = media.getUserMedia.bind(media);
    media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
      mark('gum:start');
      const stream = await original(constraints);
      const settings = stream.getVideoTracks()[0]?.getSettings();
      mark('gum:end', { width: settings?.width, height: settings?.height, frameRate: settings?.frameRate });
      if (experiment?.contentHint) {
        for (const track of stream.getVideoTracks()) track.contentHint = experiment.contentHint;
      }
      return stream;
    };
  }

  const NativeSocket = window.WebSocket;
  if (typeof NativeSocket === 'function') {
    class WebSocket extends NativeSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        mark('ws:create');
        this.addEventListener('open', (event) => once('ws:open', undefined, event.timeStamp));
        this.addEventListener('message', (event) => {
          if (typeof event.data !== 'string') return;
          const type = /"type"\s*:\s*"([^"]+)"/.exec(event.data)?.[1];
          if (type) once(`ws:recv:${type}`, undefined, event.timeStamp);
        });
      }

      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
        if (typeof data === 'string') {
          const type = /"type"\s*:\s*"([^"]+)"/.exec(data)?.[1];
          if (type) once(`ws:send:${type}`);
        }
        super.send(data);
      }
    }
    window.WebSocket = WebSocket;
  }

  const remoteVideoTracks = new WeakSet<MediaStreamTrack>();
  let firstRemoteFrameAt: number | null = null;

  /** Frames presented by the remote <video>, with their size: the patient's and doctor's actual view. */
  const watchVideo = (video: HTMLVideoElement) => {
    if (typeof video.requestVideoFrameCallback !== 'function') return;
    let last = '';
    const onFrame = (now: number, meta: VideoFrameCallbackMetadata) => {
      const size = `${meta.width}x${meta.height}`;
      once('video:first-frame', { width: meta.width, height: meta.height }, now);
      if (size !== last) {
        last = size;
        mark(
          'video:size',
          { width: meta.width, height: meta.height, presentedFrames: meta.presentedFrames },
          now,
        );
      }
      if (meta.width >= 1280 && meta.height >= 720)
        once('video:hd', { width: meta.width, height: meta.height }, now);
      if (firstRemoteFrameAt === null || now - firstRemoteFrameAt < options.watchMs) {
        video.requestVideoFrameCallback(onFrame);
      }
    };
    video.requestVideoFrameCallback(onFrame);
  };
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  if (srcObject?.set && srcObject.get) {
    const { get, set } = srcObject;
    Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
      configurable: true,
      enumerable: srcObject.enumerable ?? false,
      get() {
        return get.call(this);
      },
      set(value: MediaProvider | null) {
        set.call(this, value);
        if (
          this instanceof HTMLVideoElement &&
          value instanceof MediaStream &&
          value.getVideoTracks().some((track) => remoteVideoTracks.has(track))
        ) {
          once('video:attached');
          watchVideo(this);
        }
      },
    });
  }

  const num = (entry: Record<string, unknown>, key: string): number | null => {
    const value = entry[key];
    return typeof value === 'number' ? value : null;
  };

  /** Polls getStats: first decoded frame, received and sent resolution as they change, bitrate estimates. */
  const watchStats = (pc: RTCPeerConnection) => {
    let decodedAt: number | null = null;
    let inSize = '';
    let outSize = '';
    let lastSample: { at: number; bytes: number } | null = null;
    const poll = async () => {
      if (pc.connectionState === 'closed') return;
      const report = await pc.getStats();
      const at = performance.now();
      // Once a second: the received video's frame rate, size and bitrate, to judge quality, not just size.
      report.forEach((entry: Record<string, unknown>) => {
        if (entry['type'] !== 'inbound-rtp' || entry['kind'] !== 'video' || decodedAt === null) return;
        const bytes = num(entry, 'bytesReceived') ?? 0;
        if (lastSample !== null && at - lastSample.at < 1000) return;
        mark(
          'stats:in-sample',
          {
            width: num(entry, 'frameWidth'),
            height: num(entry, 'frameHeight'),
            framesPerSecond: num(entry, 'framesPerSecond'),
            kbps: lastSample ? Math.round(((bytes - lastSample.bytes) * 8) / (at - lastSample.at)) : null,
            freezeCount: num(entry, 'freezeCount'),
            framesDropped: num(entry, 'framesDropped'),
          },
          at,
        );
        lastSample = { at, bytes };
      });
      let availableOutgoing: number | null = null;
      report.forEach((entry: Record<string, unknown>) => {
        if (entry['type'] === 'candidate-pair' && entry['nominated'] === true) {
          availableOutgoing = num(entry, 'availableOutgoingBitrate') ?? availableOutgoing;
        }
      });
      report.forEach((entry: Record<string, unknown>) => {
        if (entry['kind'] !== 'video') return;
        const width = num(entry, 'frameWidth') ?? 0;
        const height = num(entry, 'frameHeight') ?? 0;
        if (entry['type'] === 'inbound-rtp') {
          const decoded = num(entry, 'framesDecoded') ?? 0;
          if ((num(entry, 'packetsReceived') ?? 0) > 0) once('stats:first-packet', undefined, at);
          if ((num(entry, 'framesReceived') ?? 0) > 0) once('stats:first-frame-received', undefined, at);
          if (decoded > 0 && decodedAt === null) {
            decodedAt = at;
            firstRemoteFrameAt ??= at;
            once(
              'stats:first-decoded',
              {
                width,
                height,
                framesDecoded: decoded,
                keyFramesDecoded: num(entry, 'keyFramesDecoded'),
                pliCount: num(entry, 'pliCount'),
                firCount: num(entry, 'firCount'),
                jitterBufferDelay: num(entry, 'jitterBufferDelay'),
                jitterBufferEmittedCount: num(entry, 'jitterBufferEmittedCount'),
              },
              at,
            );
          }
          if (decoded > 0 && `${width}x${height}` !== inSize) {
            inSize = `${width}x${height}`;
            mark('stats:in-size', { width, height }, at);
          }
          if (width >= 1280 && height >= 720) once('stats:in-hd', { width, height }, at);
        } else if (entry['type'] === 'outbound-rtp' && width > 0) {
          if ((num(entry, 'framesEncoded') ?? 0) > 0) {
            once(
              'stats:first-encoded',
              { width, height, keyFramesEncoded: num(entry, 'keyFramesEncoded') },
              at,
            );
          }
          if (`${width}x${height}` !== outSize) {
            outSize = `${width}x${height}`;
            mark(
              'stats:out-size',
              {
                width,
                height,
                targetBitrate: num(entry, 'targetBitrate'),
                qualityLimitationReason: entry['qualityLimitationReason'],
                availableOutgoingBitrate: availableOutgoing,
              },
              at,
            );
          }
          if (width >= 1280 && height >= 720) once('stats:out-hd', { width, height }, at);
        }
      });
      const watching = decodedAt === null || at - decodedAt < options.watchMs;
      if (watching) setTimeout(() => void poll().catch(() => undefined), decodedAt === null ? 20 : 100);
    };
    void poll().catch(() => undefined);
  };

  // An experiment wins over the page's own sender settings: whatever the page sets later is overridden.
  if (experiment?.degradationPreference && typeof RTCRtpSender === 'function') {
    const setParameters = RTCRtpSender.prototype.setParameters;
    const preference = experiment.degradationPreference;
    RTCRtpSender.prototype.setParameters = function (
      this: RTCRtpSender,
      parameters: RTCRtpSendParameters,
      ...rest: unknown[]
    ) {
      if (this.track?.kind === 'video') parameters.degradationPreference = preference;
      return (setParameters as (...args: unknown[]) => Promise<void>).call(this, parameters, ...rest);
    };
  }
  const contentHint = Object.getOwnPropertyDescriptor(MediaStreamTrack.prototype, 'contentHint');
  if (experiment?.contentHint && contentHint?.set && contentHint.get) {
    const { get, set } = contentHint;
    const hint = experiment.contentHint;
    Object.defineProperty(MediaStreamTrack.prototype, 'contentHint', {
      configurable: true,
      enumerable: contentHint.enumerable ?? false,
      get() {
        return get.call(this);
      },
      set(_value: string) {
        set.call(this, this.kind === 'video' ? hint : _value);
      },
    });
  }

  const Native = window.RTCPeerConnection;
  if (typeof Native !== 'function') return;

  const tuneSenders = async (pc: RTCPeerConnection) => {
    if (!experiment || (!experiment.degradationPreference && !experiment.maxBitrate)) return;
    for (const sender of pc.getSenders()) {
      if (sender.track?.kind !== 'video') continue;
      const parameters = sender.getParameters();
      if (experiment.degradationPreference)
        parameters.degradationPreference = experiment.degradationPreference;
      if (experiment.maxBitrate) {
        for (const encoding of parameters.encodings) encoding.maxBitrate = experiment.maxBitrate;
      }
      try {
        await sender.setParameters(parameters);
      } catch (error) {
        mark('experiment:set-parameters-failed', { message: String(error) });
      }
    }
  };

  const withBitrateHints = (sdp: string): string => {
    if (!experiment || (!experiment.startBitrateKbps && !experiment.minBitrateKbps)) return sdp;
    const video = new Set<string>();
    for (const match of sdp.matchAll(/^a=rtpmap:(\d+) (VP8|VP9|H264|AV1)\//gm))
      if (match[1]) video.add(match[1]);
    const hints = [
      experiment.startBitrateKbps ? `x-google-start-bitrate=${experiment.startBitrateKbps}` : null,
      experiment.minBitrateKbps ? `x-google-min-bitrate=${experiment.minBitrateKbps}` : null,
    ]
      .filter(Boolean)
      .join(';');
    const lines = sdp.split('\r\n');
    const out: string[] = [];
    const withFmtp = new Set<string>();
    for (const line of lines) {
      const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
      if (fmtp?.[1] && video.has(fmtp[1])) {
        withFmtp.add(fmtp[1]);
        out.push(`${line};${hints}`);
      } else out.push(line);
    }
    for (let i = 0; i < out.length; i++) {
      const rtpmap = /^a=rtpmap:(\d+) /.exec(out[i] ?? '');
      if (rtpmap?.[1] && video.has(rtpmap[1]) && !withFmtp.has(rtpmap[1])) {
        out.splice(i + 1, 0, `a=fmtp:${rtpmap[1]} ${hints}`);
        withFmtp.add(rtpmap[1]);
      }
    }
    return out.join('\r\n');
  };

  class RTCPeerConnection extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      mark('pc:create');
      const dtlsWatched = new WeakSet<RTCDtlsTransport>();
      const watchDtls = () => {
        for (const transceiver of this.getTransceivers()) {
          const dtls = transceiver.sender.transport;
          if (!dtls || dtlsWatched.has(dtls)) continue;
          dtlsWatched.add(dtls);
          dtls.addEventListener('statechange', (event) =>
            once(`dtls:${dtls.state}`, undefined, event.timeStamp),
          );
          const ice = dtls.iceTransport;
          ice.addEventListener('selectedcandidatepairchange', (event) =>
            once('ice:pair-selected', undefined, event.timeStamp),
          );
        }
      };
      this.addEventListener('signalingstatechange', (event) => {
        once(`signaling:${this.signalingState}`, undefined, event.timeStamp);
        watchDtls();
        if (this.signalingState === 'stable') void tuneSenders(this);
      });
      this.addEventListener('icecandidate', (event) => {
        if (event.candidate) once('ice:first-candidate', { type: event.candidate.type }, event.timeStamp);
        else once('ice:candidates-done', undefined, event.timeStamp);
      });
      this.addEventListener('icegatheringstatechange', (event) =>
        once(`ice-gathering:${this.iceGatheringState}`, undefined, event.timeStamp),
      );
      this.addEventListener('iceconnectionstatechange', (event) =>
        once(`ice:${this.iceConnectionState}`, undefined, event.timeStamp),
      );
      this.addEventListener('connectionstatechange', (event) => {
        once(`pc:${this.connectionState}`, undefined, event.timeStamp);
        if (this.connectionState !== 'connected') return;
        // What the video sender really runs with, once the page has had time to tune it.
        setTimeout(() => {
          for (const sender of this.getSenders()) {
            if (sender.track?.kind !== 'video') continue;
            const parameters = sender.getParameters();
            once('sender:parameters', {
              degradationPreference: parameters.degradationPreference ?? null,
              maxBitrate: parameters.encodings[0]?.maxBitrate ?? null,
              maxFramerate: parameters.encodings[0]?.maxFramerate ?? null,
              contentHint: sender.track.contentHint,
            });
          }
        }, 2_000);
      });
      this.addEventListener('track', (event) => {
        once(`track:${event.track.kind}`, undefined, event.timeStamp);
        if (event.track.kind === 'video') remoteVideoTracks.add(event.track);
      });
      watchStats(this);
    }

    override setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
      once(`remote-description:${description.type}`);
      const tuned = description.sdp
        ? { ...description, sdp: withBitrateHints(description.sdp) }
        : description;
      return super.setRemoteDescription(tuned);
    }
  }
  window.RTCPeerConnection = RTCPeerConnection;
}

/**
 * Installs the probe in every page of `context` and hands each mark to `onMark`. Call before the context
 * opens a page. The script is sent as source text with a `__name` stand-in: tsx compiles this file with
 * esbuild's keepNames, which wraps inner functions in `__name(…)`, a helper that exists only in Node.
 */
export async function addCallProbe(
  context: BrowserContext,
  onMark: (mark: Mark) => void,
  options: Omit<ProbeOptions, 'binding'>,
): Promise<void> {
  await context.exposeBinding(PROBE_BINDING, (_source, mark: Mark) => onMark(mark));
  const probeOptions: ProbeOptions = { ...options, binding: PROBE_BINDING };
  await context.addInitScript({
    content: `(() => { const __name = (target) => target; (${installCallProbe.toString()})(${JSON.stringify(probeOptions)}); })();`,
  });
}
