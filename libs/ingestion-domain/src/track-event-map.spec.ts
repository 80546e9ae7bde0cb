import { defaultTrackEventMap, trackEventMapWith } from './track-event-map';

describe('trackEventMapWith', () => {
  it('overrides the default table entry by entry', () => {
    const map = trackEventMapWith({ 'Report Exported': 'feature.used', 'Logged In': 'session.resumed' }, 'map.json');
    expect(map['Report Exported']).toBe('feature.used');
    expect(map['Logged In']).toBe('session.resumed');
    expect(map['Payment Failed']).toBe(defaultTrackEventMap['Payment Failed']);
  });

  it('refuses anything but a JSON object, naming the source', () => {
    for (const parsed of [null, [], 'feature.used', 3]) expect(() => trackEventMapWith(parsed, 'map.json')).toThrow('map.json: the track event map must be a JSON object');
  });

  it('refuses an entry that is no event type', () => {
    expect(() => trackEventMapWith({ 'Report Exported': 'Report Exported' }, 'map.json')).toThrow('map.json: "Report Exported" must map to an event type');
    expect(() => trackEventMapWith({ 'Report Exported': 7 }, 'map.json')).toThrow('must map to an event type');
  });
});
