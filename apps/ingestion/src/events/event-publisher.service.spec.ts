import { splitBySize } from './event-publisher.service';

describe('splitBySize', () => {
  const bytes = (item: number) => item;

  it('keeps items in order in runs of at most maxBytes', () => {
    expect(splitBySize([4, 3, 3, 5, 1, 1], bytes, 7)).toEqual([[4, 3], [3], [5, 1, 1]]);
  });

  it('gives an item larger than maxBytes a run of its own, and nothing for no items', () => {
    expect(splitBySize([2, 9, 2], bytes, 5)).toEqual([[2], [9], [2]]);
    expect(splitBySize([], bytes, 5)).toEqual([]);
  });
});
