/** Just enough of MediaStream and MediaStreamTrack for the call session, cast at the edge. */
export class FakeTrack {
  enabled = true;
  stopped = false;
  readonly kind: 'audio' | 'video';
  readonly id: string;

  constructor(kind: 'audio' | 'video', id = `${kind}-${Math.random().toString(36).slice(2)}`) {
    this.kind = kind;
    this.id = id;
  }

  stop(): void {
    this.stopped = true;
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
    this.tracks.push(track);
  }

  get asStream(): MediaStream {
    return this as unknown as MediaStream;
  }
}
