import type { HospitalPolicy, PolicyKey } from '../../../protocol/api.js';

interface FieldBase<K extends PolicyKey> {
  key: K;
  label: string;
  /** What the setting does, for someone who has never seen it. */
  explain: string;
}

export interface FlagField extends FieldBase<PolicyKey> {
  kind: 'flag';
}

export interface NumberField extends FieldBase<PolicyKey> {
  kind: 'number';
  unit: 'minutes' | 'days';
  min: number;
  /** The highest value; `'default'`: no more than the server's own default (the longest call). */
  max: number | 'default';
}

/** One of a few named values (stored as the option's `value`). */
export interface ChoiceField extends FieldBase<PolicyKey> {
  kind: 'choice';
  options: ReadonlyArray<{ value: string; words: string }>;
}

export type PolicyField = FlagField | NumberField | ChoiceField;

const FLAG_OPTIONS = [
  { value: 'on', words: 'On' },
  { value: 'off', words: 'Off' },
] as const;

/** The values a select offers for a flag or a choice (numbers are typed in). */
export function optionsOf(field: FlagField | ChoiceField): ReadonlyArray<{ value: string; words: string }> {
  return field.kind === 'flag' ? FLAG_OPTIONS : field.options;
}

/** Every policy setting, in the order the page shows them (docs/admin-api.md). */
export const POLICY_FIELDS: readonly PolicyField[] = [
  {
    key: 'checkInMinutes',
    kind: 'number',
    unit: 'minutes',
    min: 0,
    max: 240,
    label: 'Check-in opens, minutes before the appointment',
    explain: 'How early a patient may check in and wait in the waiting room.',
  },
  {
    key: 'maxCallMinutes',
    kind: 'number',
    unit: 'minutes',
    min: 10,
    max: 'default',
    label: 'Longest call, in minutes',
    explain: 'A call ends by itself at this length; both sides are warned a few minutes before.',
  },
  {
    key: 'idleTimeoutMinutes',
    kind: 'number',
    unit: 'minutes',
    min: 1,
    max: 120,
    label: 'End an empty call after, in minutes',
    explain: 'A call that was started but that nobody is in ends by itself after this time.',
  },
  {
    key: 'recordingAllowed',
    kind: 'flag',
    label: 'Calls may be recorded',
    explain: 'Whether a doctor may record a call. A call is recorded only if the patient agrees.',
  },
  {
    key: 'patientsSeeRecordings',
    kind: 'flag',
    label: 'Patients may watch their recordings',
    explain: 'Whether patients can watch the recordings of their own calls.',
  },
  {
    key: 'retentionDays',
    kind: 'number',
    unit: 'days',
    min: 1,
    max: 3650,
    label: 'Keep recordings for, in days',
    explain: 'Recordings older than this are deleted.',
  },
  {
    key: 'recordingOnWithdraw',
    kind: 'choice',
    options: [
      { value: 'discard', words: 'Delete what was recorded' },
      { value: 'keep', words: 'Keep what was recorded until then' },
    ],
    label: 'When a patient stops a recording',
    explain:
      'A patient may withdraw consent during the call. Patients are told this choice before they agree to be recorded.',
  },
  {
    key: 'adminsReadChat',
    kind: 'flag',
    label: 'Admins may read the chat',
    explain:
      'Whether this hospital’s admins may read the messages between doctor and patient. Every reading is recorded.',
  },
];

/** A setting's value in words: "On", "15 minutes". */
export function valueWords(field: PolicyField, value: HospitalPolicy[PolicyKey]): string {
  if (field.kind === 'flag') return value ? 'On' : 'Off';
  if (field.kind === 'choice') return field.options.find((o) => o.value === value)?.words ?? String(value);
  return `${value} ${value === 1 ? field.unit.replace(/s$/, '') : field.unit}`;
}
