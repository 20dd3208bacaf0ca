/** Just enough of MediaStream and MediaStreamTrack for the peer call, cast at the edge. */
export class FakeTrack {
  enabled = true;
  stopped = false;
  readyState: MediaStreamTrackState = 'live';
  contentHint = '';
  readonly kind: 'audio' | 'video';
  readonly id: string;
  readonly deviceId: string;
  readonly #listeners = new Map<string, Set<() => void>>();

  constructor(kind: 'audio' | 'video', id = `${kind}-${Math.random().toString(36).slice(2)}`, deviceId = '') {
    this.kind = kind;
    this.id = id;
    this.deviceId = deviceId;
  }

  stop(): void {
    this.stopped = true;
    this.readyState = 'ended';
  }

  getSettings(): MediaTrackSettings {
    return this.deviceId ? { deviceId: this.deviceId } : {};
  }

  addEventListener(type: string, listener: () => void): void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener);
  }

  removeEventListener(type: string, listener: () => void): void {
    this.#listeners.get(type)?.delete(listener);
  }

  listenerCount(type: string): number {
    return this.#listeners.get(type)?.size ?? 0;
  }

  /** Plays the browser ending the track by itself (device unplugged, "Stop sharing" in its own bar). */
  end(): void {
    this.readyState = 'ended';
    for (const listener of [...(this.#listeners.get('ended') ?? [])]) listener();
  }

  get asTrack(): MediaStreamTrack {
    return this as unknown as MediaStreamTrack;
  }
}

export class FakeStream {
  readonly tracks: FakeTrack[];

  constructor(tracks: FakeTrack[] = []) {
    this.tracks = tracks;
  }

  static withAudioAndVideo(): FakeStream {
    return new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]);
  }

  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }

  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }

  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }

  addTrack(track: FakeTrack): void {
    if (!this.tracks.includes(track)) this.tracks.push(track);
  }

  removeTrack(track: FakeTrack): void {
    const index = this.tracks.indexOf(track);
    if (index >= 0) this.tracks.splice(index, 1);
  }

  get asStream(): MediaStream {
    return this as unknown as MediaStream;
  }
}

export interface FakeDevice {
  kind: 'audioinput' | 'videoinput' | 'audiooutput';
  deviceId: string;
  label?: string;
}

/**
 * A browser's media devices: getUserMedia answers a track for the device asked for (exact or ideal, the
 * first of its kind otherwise), enumerateDevices the current list, and `plug`/`unplug` play devicechange
 * (unplugging also ends the tracks of that device).
 */
export class FakeMediaDevices {
  devices: FakeDevice[];
  readonly requests: MediaStreamConstraints[] = [];
  readonly tracks: FakeTrack[] = [];
  readonly screens: FakeTrack[] = [];
  /** Makes getUserMedia / getDisplayMedia reject with this error name. */
  failWith: string | null = null;
  readonly #listeners = new Set<() => void>();

  constructor(devices: FakeDevice[]) {
    this.devices = devices;
  }

  getUserMedia = async (constraints: MediaStreamConstraints): Promise<MediaStream> => {
    this.requests.push(constraints);
    if (this.failWith) throw Object.assign(new Error(this.failWith), { name: this.failWith });
    const stream = new FakeStream();
    for (const kind of ['audio', 'video'] as const) {
      const asked = constraints[kind];
      if (!asked) continue;
      const wanted = typeof asked === 'object' ? asked.deviceId : undefined;
      const id =
        typeof wanted === 'object' && wanted !== null && !Array.isArray(wanted)
          ? (wanted.exact ?? wanted.ideal)
          : wanted;
      const ofKind = this.devices.filter((d) => d.kind === `${kind}input`);
      const device = ofKind.find((d) => d.deviceId === id) ?? ofKind[0];
      if (!device) throw Object.assign(new Error('none'), { name: 'NotFoundError' });
      const track = new FakeTrack(kind, undefined, device.deviceId);
      this.tracks.push(track);
      stream.addTrack(track);
    }
    return stream.asStream;
  };

  getDisplayMedia = async (): Promise<MediaStream> => {
    if (this.failWith) throw Object.assign(new Error(this.failWith), { name: this.failWith });
    const track = new FakeTrack('video', `screen-${this.screens.length + 1}`);
    this.screens.push(track);
    return new FakeStream([track]).asStream;
  };

  enumerateDevices = async (): Promise<MediaDeviceInfo[]> =>
    this.devices.map(
      (d) => ({ ...d, label: d.label ?? '', groupId: '', toJSON: () => d }) as MediaDeviceInfo,
    );

  onDeviceChange = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  plug(device: FakeDevice): void {
    this.devices = [...this.devices, device];
    for (const listener of [...this.#listeners]) listener();
  }

  unplug(deviceId: string): void {
    this.devices = this.devices.filter((d) => d.deviceId !== deviceId);
    for (const track of this.tracks)
      if (track.deviceId === deviceId && track.readyState === 'live') track.end();
    for (const listener of [...this.#listeners]) listener();
  }

  /** The live tracks of a kind, newest last. */
  live(kind: 'audio' | 'video'): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === kind && t.readyState === 'live');
  }
}
