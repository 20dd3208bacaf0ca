import type { RecordingsSection } from './recordings.js';

/**
 * The appointment's recordings (S29): each with a player and a download link for those who may play
 * it (the links check access on every request), and the log of every request, answer, start and stop.
 */
export function Recordings({ section }: { section: RecordingsSection }) {
  if (section.items.length === 0 && section.events.length === 0) return null;
  return (
    <section class="card recordings" aria-labelledby="recordings-heading">
      <h2 id="recordings-heading">Recordings</h2>
      <ul class="recordings__list">
        {section.items.map((item) => (
          <li key={item.id} class="recordings__item">
            <h3 class="recordings__title">{item.title}</h3>
            <p class="recordings__status">{item.status}</p>
            {item.keptUntil && <p class="muted">{item.keptUntil}</p>}
            {item.files.map((file) => (
              <figure key={file.key} class="recordings__file">
                {/* biome-ignore lint/a11y/useMediaCaption: a consultation recording has no caption track. */}
                <video
                  class="recordings__player"
                  controls
                  preload="metadata"
                  src={`${file.url}#t=1`}
                  aria-label={`${file.label}, ${file.figures}`}
                />
                <figcaption>
                  {file.label} ({file.figures}).{' '}
                  <a href={file.downloadUrl} download>
                    Download {file.label.toLowerCase()}
                  </a>
                </figcaption>
              </figure>
            ))}
          </li>
        ))}
      </ul>
      {section.events.length > 0 && (
        <details class="recordings__log">
          <summary>Consent and recording log ({section.events.length})</summary>
          <ol>
            {section.events.map((event) => (
              <li key={event.id}>
                <time dateTime={event.isoAt}>{event.at}</time>: {event.words}
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
