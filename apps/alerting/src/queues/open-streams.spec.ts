import { OpenStreams } from './open-streams';

describe('OpenStreams', () => {
  it('refuses a key its stream over the cap and counts keys apart', () => {
    const streams = new OpenStreams(2);
    expect(streams.open('a')).not.toBeNull();
    expect(streams.open('a')).not.toBeNull();
    expect(streams.open('a')).toBeNull();
    expect(streams.open('b')).not.toBeNull();
    expect(streams.count('a')).toBe(2);
  });

  it('frees a place when a stream ends, once however often it is released', () => {
    const streams = new OpenStreams(1);
    const release = streams.open('a');
    expect(streams.open('a')).toBeNull();
    release?.();
    release?.();
    expect(streams.count('a')).toBe(0);
    expect(streams.open('a')).not.toBeNull();
    expect(streams.open('a')).toBeNull();
  });
});
