import type { JSX } from 'preact';

/** Stroke icons drawn on a 24×24 grid; decorative: the button's text gives the name. */
const PATHS = {
  mic: (
    <>
      <rect x="9" y="2.5" width="6" height="11.5" rx="3" />
      <path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21.5M8.5 21.5h7" />
    </>
  ),
  'mic-off': (
    <>
      <path d="M15 9.5V5.5a3 3 0 0 0-5.8-1.1M9 9v2a3 3 0 0 0 4.6 2.5" />
      <path d="M18.5 11a6.5 6.5 0 0 1-1 3.4M5.5 11a6.5 6.5 0 0 0 10 5.5M12 17.5V21.5M8.5 21.5h7M3 3l18 18" />
    </>
  ),
  camera: (
    <>
      <rect x="2.5" y="6" width="13" height="12" rx="2" />
      <path d="M15.5 10.5l6-3.5v10l-6-3.5z" />
    </>
  ),
  'camera-off': (
    <>
      <path d="M15.5 13.5v2.5a2 2 0 0 1-2 2h-9a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h1.5M9.5 6h4a2 2 0 0 1 2 2v2.5l6-3.5v10" />
      <path d="M3 3l18 18" />
    </>
  ),
  screen: (
    <>
      <rect x="2.5" y="3.5" width="19" height="13" rx="2" />
      <path d="M8 20.5h8M12 16.5v4M12 13V7M9 9.5l3-3 3 3" />
    </>
  ),
  'screen-stop': (
    <>
      <rect x="2.5" y="3.5" width="19" height="13" rx="2" />
      <path d="M8 20.5h8M12 16.5v4M9.5 7.5l5 5M14.5 7.5l-5 5" />
    </>
  ),
  chat: <path d="M20.5 14.5a2 2 0 0 1-2 2H8l-4.5 4v-15a2 2 0 0 1 2-2h13a2 2 0 0 1 2 2z" />,
  settings: (
    <>
      <path d="M4 20.5V14M4 10V3.5M12 20.5V12M12 8V3.5M20 20.5V16M20 12V3.5" />
      <path d="M1.5 14h5M9.5 8h5M17.5 16h5" />
    </>
  ),
  fullscreen: (
    <path d="M8 3.5H5.5a2 2 0 0 0-2 2V8M20.5 8V5.5a2 2 0 0 0-2-2H16M3.5 16v2.5a2 2 0 0 0 2 2H8M16 20.5h2.5a2 2 0 0 0 2-2V16" />
  ),
  'fullscreen-exit': (
    <path d="M8 3.5V6a2 2 0 0 1-2 2H3.5M20.5 8H18a2 2 0 0 1-2-2V3.5M3.5 16H6a2 2 0 0 1 2 2v2.5M16 20.5V18a2 2 0 0 1 2-2h2.5" />
  ),
  'end-call': (
    <path d="M3.2 14.6c4.9-4.1 12.7-4.1 17.6 0l-1.9 2.6a1 1 0 0 1-1.3.3l-2.7-1.4a1 1 0 0 1-.5-.9v-2a10.6 10.6 0 0 0-4.8 0v2a1 1 0 0 1-.5.9l-2.7 1.4a1 1 0 0 1-1.3-.3z" />
  ),
  leave: <path d="M14 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4M10 16l-4-4 4-4M6 12h10" />,
  record: <circle cx="12" cy="12" r="6.5" />,
  'record-stop': <rect x="6.5" y="6.5" width="11" height="11" rx="1.5" />,
  close: <path d="M18 6L6 18M6 6l12 12" />,
  sound: (
    <>
      <path d="M11 5L6.5 9H3v6h3.5l4.5 4z" />
      <path d="M15.5 9a4.5 4.5 0 0 1 0 6M18.5 6a8.5 8.5 0 0 1 0 12" />
    </>
  ),
  link: (
    <>
      <path d="M10 13.5a4.5 4.5 0 0 0 6.8.5l3-3a4.5 4.5 0 0 0-6.4-6.4l-1.6 1.6" />
      <path d="M14 10.5a4.5 4.5 0 0 0-6.8-.5l-3 3a4.5 4.5 0 0 0 6.4 6.4l1.6-1.6" />
    </>
  ),
} satisfies Record<string, JSX.Element>;

export type IconName = keyof typeof PATHS;

export function Icon({ name, class: className }: { name: IconName; class?: string }) {
  return (
    <svg
      class={`icon${className ? ` ${className}` : ''}`}
      viewBox="0 0 24 24"
      width="24"
      height="24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {PATHS[name]}
    </svg>
  );
}
