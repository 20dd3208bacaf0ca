import { createHash } from 'node:crypto';
import type { Page, Request } from '@playwright/test';
import {
  button,
  CALL_SCENARIO_TIMEOUT_MS,
  callPathPattern,
  endForEveryone,
  joinNow,
  magentaCameraClip,
  openAppointmentAsBoth,
  type Parties,
  report,
  returnedToAppointment,
  startAndJoin,
} from './support/call-flow.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium.js';
import { expect, test, waitForFramesGrowing } from './support/fixtures.js';
import {
  colourAt,
  decodesWhole,
  download,
  EBML_MAGIC,
  expectPlayable,
  ffprobe,
  listRecordings,
  rawFiles,
  recordingReaches,
  saveTemp,
} from './support/recordings.js';

// Issue 16: recording with consent (S29). The cameras play a magenta clip and the fake screen is green,
// so a frame of the recording tells what the composition showed at that moment.
test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${magentaCameraClip()}`],
  },
});

const CHUNK_PATH = /\/api\/recordings\/[^/]+\/segments\/\d+\/chunks\/\d+$/;
const CHUNK_ROUTE = '**/api/recordings/*/segments/*/chunks/*';

/** Every chunk upload the doctor's page starts, with when it started (test clock) and how it ended. */
function watchUploads(page: Page) {
  const uploads: Array<{ url: string; at: number; status: number | null }> = [];
  const onRequest = (request: Request) => {
    if (request.method() === 'PUT' && CHUNK_PATH.test(new URL(request.url()).pathname)) {
      uploads.push({ url: request.url(), at: Date.now(), status: null });
    }
  };
  page.on('request', onRequest);
  page.on('response', (response) => {
    const entry = uploads.find((u) => u.url === response.url() && u.status === null);
    if (entry && response.request().method() === 'PUT') entry.status = response.status();
  });
  return {
    uploads,
    stored: () => uploads.filter((u) => u.status === 200).length,
    stop: () => page.off('request', onRequest),
  };
}

async function connected(parties: Parties): Promise<void> {
  await startAndJoin(parties);
  await Promise.all([waitForFramesGrowing(parties.doctor), waitForFramesGrowing(parties.patient)]);
}

/** The doctor asks; the patient's question names what, who and how long; returns the recording's id. */
async function askAndAnswer(
  parties: Parties,
  answer: 'Allow recording' | 'Decline recording',
): Promise<string> {
  const { doctor, patient, id } = parties;
  await button(doctor, 'Start recording').click();
  const question = patient.getByRole('alertdialog', { name: /asks to record this call/ });
  await expect(question).toBeVisible();
  await expect(question).toContainText('the sound and picture of both of you, and any screen that is shared');
  await expect(question).toContainText('How long it is kept');
  const list = await listRecordings(doctor, id);
  const asked = list.recordings.find((r) => r.recording.state === 'asking');
  expect(asked, 'the ask is stored before any answer').toBeDefined();
  await question.getByRole('button', { name: answer, exact: true }).click();
  await expect(question).toBeHidden();
  return asked?.recording.id ?? '';
}

/**
 * Both parties in a connected call, the doctor's chunk uploads watched, the doctor asks and the patient
 * answers: every test of this file begins so.
 */
async function recordingAsked(
  newUserPage: (label: string) => Promise<Page>,
  password: string,
  answer: 'Allow recording' | 'Decline recording',
) {
  const parties = await openAppointmentAsBoth(newUserPage, password);
  await connected(parties);
  const watch = watchUploads(parties.doctor);
  const recordingId = await askAndAnswer(parties, answer);
  return { ...parties, watch, recordingId };
}

/** As `recordingAsked` with the patient allowing, once the server has stored `atLeast` chunks. */
async function recordingStored(
  newUserPage: (label: string) => Promise<Page>,
  password: string,
  atLeast: number,
) {
  const asked = await recordingAsked(newUserPage, password, 'Allow recording');
  await expect.poll(() => asked.watch.stored(), { timeout: 30_000 }).toBeGreaterThanOrEqual(atLeast);
  return asked;
}

/** The red indicator's recorded time, in seconds, as the page shows it. */
async function shownSeconds(page: Page): Promise<number> {
  const text = await page.locator('.recording__clock').innerText();
  const [m, s] = text.split(':').map(Number);
  return (m ?? 0) * 60 + (s ?? 0);
}

test.describe('recording with consent (issue 16, S29)', () => {
  test.describe.configure({ timeout: CALL_SCENARIO_TIMEOUT_MS });

  test('S29: a 20-second recording after consent, with a screen share in the middle, is one WebM that ffprobe reads, ciphertext on disk, served by range', async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient, id, watch, recordingId } = await recordingAsked(
      newUserPage,
      app.demoPassword,
      'Allow recording',
    );

    // The 20 seconds are timed here, from when the doctor's page shows the indicator (its capture starts
    // with it), not from the page's clock, which a busy machine may paint late.
    await expect(doctor.locator('.recording__indicator')).toContainText('Recording');
    const startedAt = Date.now();
    const until = (seconds: number) =>
      doctor.waitForTimeout(Math.max(0, startedAt + seconds * 1000 - Date.now()));

    await test.step('both sides see the indicator, and the patient has their own Stop recording', async () => {
      await expect(patient.locator('.recording__indicator')).toContainText('Recording');
      await expect(button(patient, 'Stop recording')).toBeVisible();
      await expect(button(doctor, 'Stop recording')).toBeVisible();
      await expect(button(doctor, 'Start recording')).toHaveCount(0);
    });

    await test.step('a screen share in the middle', async () => {
      await until(7);
      await button(doctor, 'Share screen').click();
      await expect(button(doctor, 'Stop sharing')).toBeVisible();
      await until(14);
      await button(doctor, 'Stop sharing').click();
      await expect(button(doctor, 'Share screen')).toBeVisible();
    });

    await until(20);
    report('the page’s recording clock when Stop was pressed', await shownSeconds(doctor), 's');
    await button(doctor, 'Stop recording').click();
    for (const page of [doctor, patient]) await expect(page.locator('.recording__indicator')).toHaveCount(0);
    const done = await recordingReaches(doctor, id, recordingId, ['finished']);
    watch.stop();
    report('chunks uploaded', watch.stored(), '');

    expect(done.files).toHaveLength(1);
    const file = done.files[0];
    if (!file) throw new Error('no file');
    const whole = await download(doctor, file.url);
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toContain('video/webm');
    expect(whole.body.length).toBe(file.bytes);
    const path = await saveTemp(`${recordingId}.webm`, whole.body);

    await test.step('ffprobe: a video and an audio stream, 20 s ± 2 s, and the whole file decodes', async () => {
      const probe = ffprobe(path);
      expect(probe.ok, probe.error).toBe(true);
      const kinds = probe.streams.map((s) => s.codec_type).sort();
      expect(kinds).toEqual(['audio', 'video']);
      const video = probe.streams.find((s) => s.codec_type === 'video');
      expect([video?.width, video?.height]).toEqual([1280, 720]);
      expect(['vp8', 'vp9']).toContain(video?.codec_name);
      expect(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('opus');
      report('recording duration (ffprobe)', probe.durationSeconds ?? 'none', 's');
      expect(probe.durationSeconds).not.toBeNull();
      expect(Math.abs((probe.durationSeconds ?? 0) - 20)).toBeLessThanOrEqual(2);
      const decoded = decodesWhole(path);
      expect(decoded.ok, decoded.error).toBe(true);
      expect(sha256(whole.body)).toBe(file.sha256);
    });

    await test.step('the composition shows the patient, then the shared screen, then the patient again', async () => {
      // One frame a second, each as its average colour: magenta is the patient's camera filling the picture,
      // green the doctor's shared screen.
      const seen: string[] = [];
      for (let t = 1; t < 20; t += 1) {
        const c = colourAt(path, t);
        seen.push(c === null ? '?' : c[0] > c[1] + 40 ? 'P' : c[1] > c[0] + 40 ? 'S' : '-');
      }
      const timeline = seen.join('');
      report('composition, one letter a second (P patient, S screen, - neither)', timeline, '');
      expect(timeline, 'the patient, then the screen share, then the patient').toMatch(/^P+.*S{3,}.*P+$/);
    });

    await test.step('RECORDINGS_DIR holds only ciphertext', async () => {
      const files = await rawFiles(app.recordingsDir);
      expect(files.length).toBeGreaterThan(0);
      const sample = whole.body.subarray(4096, 4096 + 64);
      for (const raw of files) {
        expect(raw.bytes.includes(EBML_MAGIC), `${raw.path} holds the WebM magic`).toBe(false);
        expect(raw.bytes.includes(sample), `${raw.path} holds plaintext`).toBe(false);
        const copy = await saveTemp('raw.webm', raw.bytes);
        expect(ffprobe(copy).ok, `${raw.path} is not a WebM ffprobe can read`).toBe(false);
      }
    });

    await test.step('a range request returns exactly those bytes', async () => {
      const start = 70_000;
      const end = 200_123;
      const part = await download(doctor, file.url, { range: `bytes=${start}-${end}` });
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes ${start}-${end}/${file.bytes}`);
      expect(Buffer.compare(part.body, whole.body.subarray(start, end + 1))).toBe(0);
      const attachment = await download(doctor, file.downloadUrl, { range: 'bytes=0-3' });
      expect(attachment.headers['content-disposition']).toMatch(/^attachment/);
      expect(Buffer.compare(attachment.body, EBML_MAGIC)).toBe(0);
    });

    await test.step('the appointment page lists it with a player and a download link', async () => {
      await doctor.goto(`/appointments/${id}`);
      const section = doctor.getByRole('region', { name: 'Recordings' });
      await expect(section.locator('video')).toHaveCount(1);
      await expect(section.getByRole('link', { name: 'Download recording' })).toHaveAttribute(
        'href',
        file.downloadUrl,
      );
      await expect
        .poll(() => section.locator('video').evaluate((v: HTMLVideoElement) => v.readyState), {
          timeout: 20_000,
        })
        .toBeGreaterThanOrEqual(1);
      const shownDuration = await section.locator('video').evaluate((v: HTMLVideoElement) => v.duration);
      report('player duration', shownDuration.toFixed(2), 's');
      expect(Math.abs(shownDuration - 20)).toBeLessThanOrEqual(2);
      await expect(section.getByText(/ allowed recording$/)).toBeAttached();
    });
  });

  test('S29: a patient who declines: the doctor is told and nothing is uploaded', async ({
    app,
    newUserPage,
  }) => {
    const { doctor, id, watch, recordingId } = await recordingAsked(
      newUserPage,
      app.demoPassword,
      'Decline recording',
    );
    await expect(doctor.getByText(/declined recording\. Nothing was recorded\./)).toBeVisible();
    await expect(button(doctor, 'Start recording')).toBeVisible();
    // Time for any capture that wrongly started to hand over a chunk or two.
    await doctor.waitForTimeout(5_000);
    watch.stop();
    expect(watch.uploads, 'no chunk upload after a refusal').toHaveLength(0);
    const list = await listRecordings(doctor, id);
    const declined = list.recordings.find((r) => r.recording.id === recordingId);
    expect(declined?.recording.state).toBe('declined');
    expect(declined?.files).toEqual([]);
    expect(list.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['requested', 'declined']));
  });

  test('S29: the patient withdraws mid-recording: the upload stops at once and what was recorded follows the policy', async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient, id, watch, recordingId } = await recordingStored(
      newUserPage,
      app.demoPassword,
      2,
    );
    const withdrawnAt = Date.now();
    await button(patient, 'Stop recording').click();
    await expect(doctor.getByText(/stopped the recording/)).toBeVisible();
    const doctorToldAt = Date.now();
    const uploadsWhenTold = watch.uploads.length;
    await doctor.waitForTimeout(5_000);
    watch.stop();
    const last = watch.uploads.at(-1)?.at ?? withdrawnAt;
    report('withdrawal click → last chunk upload started', Math.max(0, last - withdrawnAt));
    report('withdrawal click → doctor told', doctorToldAt - withdrawnAt);
    expect(
      watch.uploads.length,
      'no chunk upload starts after the doctor’s page learned of the withdrawal',
    ).toBe(uploadsWhenTold);
    const list = await listRecordings(doctor, id);
    const withdrawn = list.recordings.find((r) => r.recording.id === recordingId);
    expect(withdrawn?.recording.stopReason).toBe('withdrawn');
    const discard = withdrawn?.recording.terms.onWithdraw === 'discard';
    expect(withdrawn?.recording.state).toBe(discard ? 'discarded' : 'finished');
    expect(list.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['consented', 'started', 'withdrawn']),
    );
    const left = (await rawFiles(app.recordingsDir)).filter((f) => f.path.includes(recordingId));
    if (discard) expect(left, 'a discarded recording leaves no file').toEqual([]);
    // A chunk sent after the withdrawal is refused by the server too.
    const session = await doctor.request.get('/api/session');
    const { csrfToken } = (await session.json()) as { csrfToken: string };
    const late = await doctor.request.put(`/api/recordings/${recordingId}/segments/0/chunks/999`, {
      headers: {
        'x-csrf-token': csrfToken,
        'content-type': 'application/octet-stream',
        'x-chunk-sha256': sha256(Buffer.from('late')),
      },
      data: Buffer.from('late'),
    });
    expect([404, 409]).toContain(late.status());
  });

  test('S29: a patient who reloads during a recording is asked again before they are recorded again', async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient, id, watch, recordingId } = await recordingAsked(
      newUserPage,
      app.demoPassword,
      'Allow recording',
    );
    watch.stop();
    await expect(patient.locator('.recording__indicator')).toContainText('Recording');
    await patient.reload();
    await joinNow(patient);
    const again = patient.getByRole('alertdialog', { name: /May it go on with you in it\?/ });
    await expect(again).toBeVisible({ timeout: 30_000 });
    await expect(doctor.locator('.recording__indicator')).toContainText('Recording paused');
    await expect(doctor.getByText(/is asked again/)).toBeVisible();
    await again.getByRole('button', { name: 'Allow recording', exact: true }).click();
    for (const page of [doctor, patient]) {
      await expect(page.locator('.recording__indicator')).toContainText('Recording');
      await expect(page.locator('.recording__indicator')).not.toContainText('paused');
    }
    const list = await listRecordings(doctor, id);
    expect(list.events.filter((e) => e.recordingId === recordingId).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['consent_lapsed', 'paused', 'resumed']),
    );
    await button(doctor, 'Stop recording').click();
    await recordingReaches(doctor, id, recordingId, ['finished']);
  });

  test("S29: chunks the call page could not send before the call ended are sent from the doctor's next page, and the file is whole", async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient, id, watch, recordingId } = await recordingStored(
      newUserPage,
      app.demoPassword,
      2,
    );
    const declared: Array<{ segment: number; chunks: number }> = [];
    doctor.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith(`/api/recordings/${recordingId}/stop`)) {
        declared.push(...((request.postDataJSON() as { segments: typeof declared }).segments ?? []));
      }
    });

    await test.step('the network drops chunk uploads; the call ends with chunks still in the browser', async () => {
      // The doctor's browser: chunk uploads fail as on a network that dropped (everything else goes through).
      await doctor.context().route(CHUNK_ROUTE, (route) => route.abort('internetdisconnected'));
      const storedBefore = watch.stored();
      // A few more chunks are recorded (about one every 2 s) while none can be sent.
      await doctor.waitForTimeout(6_000);
      expect(watch.stored()).toBe(storedBefore);
      await endForEveryone(doctor);
      await returnedToAppointment(doctor, id);
      await returnedToAppointment(patient, id);
    });

    await test.step('the server waits for the chunks the doctor declared: the recording is not sealed without them', async () => {
      await expect.poll(() => declared.length, { timeout: 20_000 }).toBeGreaterThan(0);
      const total = declared.reduce((sum, s) => sum + s.chunks, 0);
      report('chunks declared at the end', total, '');
      report('chunks stored before the network dropped', watch.stored(), '');
      expect(total).toBeGreaterThan(watch.stored());
      const waiting = (await listRecordings(doctor, id)).recordings.find(
        (r) => r.recording.id === recordingId,
      );
      expect(waiting?.recording.state).toBe('stopped');
    });

    await test.step('the network is back: the appointment page sends what was left, and the server seals the recording', async () => {
      await doctor.context().unroute(CHUNK_ROUTE);
      const done = await recordingReaches(doctor, id, recordingId, ['finished']);
      watch.stop();
      const total = declared.reduce((sum, s) => sum + s.chunks, 0);
      const storedSeqs = new Set(
        watch.uploads
          .filter((u) => u.status === 200)
          .map((u) => new URL(u.url).pathname.split('/').slice(-3).join('/')),
      );
      report('chunks stored in all', storedSeqs.size, '');
      expect(storedSeqs.size, 'every declared chunk reached the server').toBe(total);
      expect(done.files).toHaveLength(1);
      const file = done.files[0];
      if (!file) throw new Error('no file');
      const path = await saveTemp(`${recordingId}-leftovers.webm`, (await download(doctor, file.url)).body);
      const probe = expectPlayable(path);
      report('recording duration (ffprobe)', probe.durationSeconds ?? 'none', 's');
      // The file runs to the end: about 2 s per chunk, the leftovers included.
      expect(probe.durationSeconds ?? 0).toBeGreaterThanOrEqual((total - 1) * 1.5);
      const kept = () =>
        doctor.evaluate(async () => {
          const open = indexedDB.open('carecall-recordings');
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            open.onsuccess = () => resolve(open.result);
            open.onerror = () => reject(open.error);
          });
          const count = db.transaction('chunks').objectStore('chunks').count();
          return new Promise<number>((resolve) => {
            count.onsuccess = () => {
              db.close();
              resolve(count.result);
            };
          });
        });
      await expect.poll(kept, { message: 'nothing is left in the browser' }).toBe(0);
    });
  });

  test("S29: the doctor's page dies midway: what was stored is kept, the recording resumes after reload, and both parts play", async ({
    app,
    newUserPage,
  }) => {
    const { doctor, patient, id, watch, recordingId } = await recordingStored(
      newUserPage,
      app.demoPassword,
      3,
    );
    const storedBeforeCrash = watch.stored();
    watch.stop();

    const profile = doctor.context();
    await test.step("the doctor's page is killed: frozen (no script of it runs again), then closed", async () => {
      const cdp = await profile.newCDPSession(doctor);
      await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
      await doctor.close({ runBeforeUnload: false });
    });
    // The same browser profile (its cookies and IndexedDB) opens the call again.
    const again = await profile.newPage();
    const rewatch = watchUploads(again);
    await test.step('the doctor opens the call again: the recording goes on, as a new part', async () => {
      await again.goto(`/appointments/${id}/call`);
      await expect(again).toHaveURL(callPathPattern(id));
      await joinNow(again);
      await waitForFramesGrowing(again);
      await expect(again.locator('.recording__indicator')).toContainText('Recording');
      await expect(patient.locator('.recording__indicator')).toContainText('Recording');
      await expect.poll(() => rewatch.stored(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    });
    await button(again, 'Stop recording').click();
    const done = await recordingReaches(again, id, recordingId, ['finished']);
    rewatch.stop();
    report('chunks stored before the crash', storedBeforeCrash, '');
    report('parts', done.files.length, '');
    expect(done.files.length).toBeGreaterThanOrEqual(2);
    let total = 0;
    for (const file of done.files) {
      const body = (await download(again, file.url)).body;
      const path = await saveTemp(`${recordingId}-${file.segment}.webm`, body);
      total += expectPlayable(path).durationSeconds ?? 0;
    }
    report('recorded across the parts (ffprobe)', total.toFixed(1), 's');
    // The first part holds at least what the server had acknowledged before the crash (~2 s a chunk).
    const first = done.files[0];
    expect(first?.durationMs ?? 0).toBeGreaterThanOrEqual((storedBeforeCrash - 1) * 1_500);
  });
});

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}
