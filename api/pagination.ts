import { BadRequestError } from './errors';
import type { Pagination } from './types';

/**
 * RcodeZero's pagination ("4.4. Pagination"): lists that may be long take `?page` (from 1) and
 * `?page_size` (default 100), and answer with the page and where the others are
 * (`current_page`, `last_page`, `next_page_url`, …, the fields its v2 lists carry).
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface PageRequest {
  readonly page: number;
  readonly pageSize: number;
}

export function parsePageQuery(query: Readonly<Record<string, unknown>>): PageRequest {
  const int = (name: string, fallback: number, max: number): number => {
    const raw = query[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !/^[0-9]{1,9}$/.test(raw)) throw new BadRequestError(`${name} must be a whole number, got ${JSON.stringify(raw)}`, { [name]: raw });
    const n = Number(raw);
    if (n < 1 || n > max) throw new BadRequestError(`${name} must be between 1 and ${max}, got ${n}`, { [name]: n });
    return n;
  };
  return { page: int('page', 1, 1_000_000_000), pageSize: int('page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) };
}

/** One page of `items`; `path` is the list's absolute URL without the query. */
export function paginate<T>(items: readonly T[], request: PageRequest, path: string): Pagination & { data: T[] } {
  const { page, pageSize } = request;
  const total = items.length;
  const lastPage = Math.max(1, Math.ceil(total / pageSize));
  const start = (page - 1) * pageSize;
  const data = items.slice(start, start + pageSize);
  const url = (p: number): string => `${path}?page=${p}${pageSize !== DEFAULT_PAGE_SIZE ? `&page_size=${pageSize}` : ''}`;
  return {
    current_page: page,
    data,
    first_page_url: url(1),
    from: data.length > 0 ? start + 1 : null,
    last_page: lastPage,
    last_page_url: url(lastPage),
    next_page_url: page < lastPage ? url(page + 1) : null,
    path,
    per_page: pageSize,
    prev_page_url: page > 1 ? url(Math.min(page - 1, lastPage)) : null,
    to: data.length > 0 ? start + data.length : null,
    total,
  };
}

export interface OffsetRequest {
  readonly offset: number;
  readonly limit: number;
}

/** IONOS Cloud DNS's collections: `?offset` (from 0, default 0) and `?limit` (1 to 1000, default 100). */
export function parseOffsetQuery(query: Readonly<Record<string, unknown>>): OffsetRequest {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = query[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !/^[0-9]{1,9}$/.test(raw)) throw new BadRequestError(`${name} must be a whole number, got ${JSON.stringify(raw)}`, { [name]: raw });
    const n = Number(raw);
    if (n < min || n > max) throw new BadRequestError(`${name} must be between ${min} and ${max}, got ${n}`, { [name]: n });
    return n;
  };
  return { offset: int('offset', 0, 0, 1_000_000_000), limit: int('limit', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE) };
}
