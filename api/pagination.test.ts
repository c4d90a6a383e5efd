import { strict as assert } from 'node:assert';
import { BadRequestError } from './errors';
import { paginate, parsePageQuery } from './pagination';

describe('api pagination (RcodeZero: ?page, ?page_size default 100)', () => {
  it('reads page and page_size with their defaults and refuses anything else by name', () => {
    assert.deepEqual(parsePageQuery({}), { page: 1, pageSize: 100 });
    assert.deepEqual(parsePageQuery({ page: '3', page_size: '10' }), { page: 3, pageSize: 10 });
    assert.throws(() => parsePageQuery({ page: '0' }), (e: unknown) => e instanceof BadRequestError && e.message === 'page must be between 1 and 1000000000, got 0');
    assert.throws(() => parsePageQuery({ page_size: 'ten' }), (e: unknown) => e instanceof BadRequestError && e.message === 'page_size must be a whole number, got "ten"');
    assert.throws(() => parsePageQuery({ page_size: '1001' }), /page_size must be between 1 and 1000/);
    assert.throws(() => parsePageQuery({ page: ['1', '2'] }), /page must be a whole number/);
  });

  it('gives the page and the links to the others', () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    const p = paginate(items, { page: 2, pageSize: 10 }, 'http://h/api/v2/zones');
    assert.deepEqual({ ...p, data: undefined }, {
      current_page: 2,
      data: undefined,
      first_page_url: 'http://h/api/v2/zones?page=1&page_size=10',
      from: 11,
      last_page: 3,
      last_page_url: 'http://h/api/v2/zones?page=3&page_size=10',
      next_page_url: 'http://h/api/v2/zones?page=3&page_size=10',
      path: 'http://h/api/v2/zones',
      per_page: 10,
      prev_page_url: 'http://h/api/v2/zones?page=1&page_size=10',
      to: 20,
      total: 25,
    });
    assert.deepEqual(p.data, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('answers an empty list and a page past the end with no items', () => {
    const empty = paginate([], { page: 1, pageSize: 100 }, 'u');
    assert.deepEqual([empty.from, empty.to, empty.last_page, empty.next_page_url, empty.prev_page_url, empty.first_page_url], [null, null, 1, null, null, 'u?page=1']);
    const past = paginate([1, 2], { page: 5, pageSize: 100 }, 'u');
    assert.deepEqual([past.data, past.from, past.prev_page_url], [[], null, 'u?page=1']);
  });
});
