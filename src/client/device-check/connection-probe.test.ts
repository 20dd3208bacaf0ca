import { describe, expect, it } from 'vitest';
import { median, selectedPairSummary } from './connection-probe.js';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 20, 30])).toBe(25);
  });
});

describe('selectedPairSummary', () => {
  const candidates = [
    { id: 'L1', type: 'local-candidate', candidateType: 'host' },
    { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
  ];

  it("follows the transport's selected pair (Chrome, Safari)", () => {
    const stats = [
      ...candidates,
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
      { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', state: 'succeeded', nominated: true },
      { id: 'P2', type: 'candidate-pair', localCandidateId: 'L2', currentRoundTripTime: 0.0234 },
    ];
    expect(selectedPairSummary(stats)).toEqual({ candidateType: 'relay', rttMs: 23 });
  });

  it('uses `selected` (Firefox), then a nominated succeeded pair', () => {
    expect(
      selectedPairSummary([
        ...candidates,
        { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', selected: true },
      ]),
    ).toEqual({ candidateType: 'host', rttMs: null });
    expect(
      selectedPairSummary([
        ...candidates,
        { id: 'P1', type: 'candidate-pair', localCandidateId: 'L2', nominated: true, state: 'in-progress' },
        {
          id: 'P2',
          type: 'candidate-pair',
          localCandidateId: 'L1',
          nominated: true,
          state: 'succeeded',
          currentRoundTripTime: 0.001,
        },
      ]),
    ).toEqual({ candidateType: 'host', rttMs: 1 });
  });

  it('reports nothing without a selected pair', () => {
    expect(selectedPairSummary(candidates)).toEqual({ candidateType: null, rttMs: null });
  });
});
