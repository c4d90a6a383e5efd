import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../dataplane/log/log';
import { AuthLockout, type LockoutOptions } from './auth-lockout';
import { ApiError, BackendError, BadRequestError, NotFoundError, PayloadTooLargeError, TooManyRequestsError, UnauthorizedError } from './errors';
import { openApiDocument } from './openapi';
import { paginate, parseOffsetQuery, parsePageQuery } from './pagination';
import { DEFAULT_RATE_LIMIT, RateLimiter } from './rate-limit';
import { ZoneService } from './service';
import { LifecycleService, NotImplementedError } from './lifecycle';
import type { TenantStore } from './store';
import { bearerToken, TOKEN_SECRET, TokenTable, type Tenant } from './tokens';
import type { IonosSecondaryZoneList, ScaiActionResponse, StatusResponse } from './types';

/**
 * The provisioning REST API (issue #16): RcodeZero's API v2 paths and shapes over dnsfleet's
 * Zone and SecondaryZone objects. This file only moves HTTP in and out: authentication, the
 * lockout and the rate limit run as middleware in that order, the operations are service.ts.
 */

export interface ApiOptions {
  readonly store: TenantStore;
  /** The namespace of the token Secret (the API's own). */
  readonly namespace: string;
  /** The token Secret's name (default `dnsfleet-api-tokens`). */
  readonly tokenSecret?: string;
  /** How long the token table read from the Secret is used before it is read again (default 10 s). */
  readonly tokenRefreshMs?: number;
  /** Requests per minute of a token whose entry gives none (default 1500, RcodeZero's per-account figure). */
  readonly rateLimit?: number;
  readonly lockout?: LockoutOptions;
  /** The largest request body read (default 1 MiB). */
  readonly bodyLimitBytes?: number;
  readonly log?: Logger;
  readonly now?: () => number;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Reads the token Secret at most every `refreshMs`; when it cannot be read, the last table read stays in use. */
class TokenSource {
  private table: TokenTable | undefined;
  private loadedAt = 0;
  private loading: Promise<TokenTable> | undefined;

  constructor(
    private readonly store: TenantStore,
    private readonly namespace: string,
    private readonly secret: string,
    private readonly refreshMs: number,
    private readonly now: () => number,
    private readonly log: Logger | undefined,
  ) {}

  async current(): Promise<TokenTable> {
    if (this.table && this.now() - this.loadedAt < this.refreshMs) return this.table;
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<TokenTable> {
    try {
      const data = await this.store.readSecret(this.namespace, this.secret);
      if (!data) this.log?.warn('the token Secret does not exist: every request is unauthorized', { secret: `${this.namespace}/${this.secret}` });
      const { table, problems } = TokenTable.fromSecretData(data ?? {});
      for (const p of problems) this.log?.warn('a token entry is left out', { secret: `${this.namespace}/${this.secret}`, problem: p });
      this.table = table;
      this.loadedAt = this.now();
      return table;
    } catch (err) {
      if (this.table) {
        this.log?.warn('the token Secret could not be read; the last tokens read stay in use', { error: (err as Error).message });
        return this.table;
      }
      throw err instanceof ApiError ? err : new BackendError(`the token Secret could not be read: ${(err as Error).message}`);
    }
  }
}

const tenantOf = (res: Response): Tenant => res.locals.tenant as Tenant;

type Handler = (req: Request, res: Response) => Promise<void>;
/** Express 4 does not catch a rejected promise: pass it on to the error handler. */
const handle = (fn: Handler) => (req: Request, res: Response, next: NextFunction): void => {
  fn(req, res).catch(next);
};

const failed = (res: Response, status: number, message: string): void => {
  const body: StatusResponse = { status: 'failed', message };
  res.status(status).json(body);
};

/** The URL of a list without its query, for the pagination links. */
const listUrl = (req: Request): string => `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}${req.path}`;

export function createApi(options: ApiOptions): express.Express {
  const now = options.now ?? Date.now;
  const log = options.log;
  const tokens = new TokenSource(options.store, options.namespace, options.tokenSecret ?? TOKEN_SECRET, options.tokenRefreshMs ?? 10_000, now, log);
  const lockout = new AuthLockout({ now, ...options.lockout });
  const rates = new RateLimiter({ now });
  const service = new ZoneService(options.store, () => Math.floor(now() / 1000));
  const lifecycle = new LifecycleService(options.store, service, now);
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  /** A router behind the lockout, the authentication and the rate limit, reading JSON bodies. */
  const guarded = (): express.Router => {
    const r = express.Router();
    // RcodeZero "4.2. Rate limits": an address that sent 10 unauthorized requests is refused with 429 for 10 minutes.
    r.use((req, _res, next) => {
      const until = lockout.blockedUntil(req.socket.remoteAddress ?? '');
      if (until === undefined) return next();
      next(new TooManyRequestsError(`too many failed authentications from this address: refused until ${new Date(until).toISOString()}`, Math.ceil(until / 1000)));
    });
    r.use((req, res, next) => {
      authenticate(req, res).then(() => next(), next);
    });
    // Bodies are read only once the caller is known; any content type is read as JSON.
    r.use(express.json({ limit: bodyLimit, type: () => true }));
    return r;
  };

  const authenticate = async (req: Request, res: Response): Promise<void> => {
    const token = bearerToken(req.get('authorization'));
    const table = await tokens.current();
    const tenant = token === undefined ? undefined : table.lookup(token);
    if (!tenant) {
      lockout.recordFailure(req.socket.remoteAddress ?? '');
      throw new UnauthorizedError(token === undefined ? 'unauthorized: send the header "Authorization: Bearer <token>"' : 'unauthorized: the token is not valid');
    }
    res.locals.tenant = tenant;
    // RcodeZero: "The Rate Limit and the remaining requests are reported in every response".
    const decision = rates.take(tenant.tokenId, tenant.rateLimit ?? options.rateLimit ?? DEFAULT_RATE_LIMIT);
    res.set('X-RateLimit-Limit', String(decision.limit));
    res.set('X-RateLimit-Remaining', String(decision.remaining));
    if (!decision.allowed) throw new TooManyRequestsError(`rate limit exceeded: ${decision.limit} requests per minute for this token`, decision.resetAt);
  };
  const v2 = guarded();

  v2.get(
    '/zones',
    handle(async (req, res) => {
      const page = parsePageQuery(req.query as Record<string, unknown>);
      res.json(paginate(await service.listZones(tenantOf(res)), page, listUrl(req)));
    }),
  );
  v2.post(
    '/zones',
    handle(async (req, res) => {
      res.status(201).json(await service.addZone(tenantOf(res), req.body));
    }),
  );
  v2.get(
    '/zones/:zone',
    handle(async (req, res) => {
      res.json(await service.getZone(tenantOf(res), req.params.zone!));
    }),
  );
  v2.put(
    '/zones/:zone',
    handle(async (req, res) => {
      res.json(await service.updateZone(tenantOf(res), req.params.zone!, req.body));
    }),
  );
  v2.delete(
    '/zones/:zone',
    handle(async (req, res) => {
      res.json(await service.deleteZone(tenantOf(res), req.params.zone!));
    }),
  );
  v2.get(
    '/zones/:zone/rrsets',
    handle(async (req, res) => {
      const page = parsePageQuery(req.query as Record<string, unknown>);
      res.json(paginate(await service.getRRsets(tenantOf(res), req.params.zone!), page, listUrl(req)));
    }),
  );
  v2.patch(
    '/zones/:zone/rrsets',
    handle(async (req, res) => {
      res.json(await service.patchRRsets(tenantOf(res), req.params.zone!, req.body));
    }),
  );
  v2.get(
    '/quota',
    handle(async (_req, res) => {
      res.json(await service.quota(tenantOf(res)));
    }),
  );
  // Issue #16 phase 2 (lifecycle.ts): RcodeZero's DNSSEC actions ("So, what is the typical RcodeZero DNSSEC workflow?").
  const action = (path: string, run: (tenant: Tenant, zone: string) => Promise<StatusResponse>): void => {
    v2.post(
      `/zones/:zone/${path}`,
      handle(async (req, res) => {
        res.json(await run(tenantOf(res), req.params.zone!));
      }),
    );
  };
  action('sign', (t, z) => lifecycle.sign(t, z));
  action('unsign', (t, z) => lifecycle.unsign(t, z));
  action('keyrollover', (t, z) => lifecycle.keyrollover(t, z));
  action('dsupdate', (t, z) => lifecycle.dsupdate(t, z));
  v2.put(
    '/zones/:zone/retrieve',
    handle(async (req, res) => {
      res.json(await lifecycle.retrieve(tenantOf(res), req.params.zone!));
    }),
  );
  v2.get(
    '/messages',
    handle(async (_req, res) => {
      res.json(await lifecycle.oldestMessage(tenantOf(res)));
    }),
  );
  v2.get(
    '/messages/list',
    handle(async (req, res) => {
      const page = parsePageQuery(req.query as Record<string, unknown>);
      res.json(paginate(await lifecycle.messages(tenantOf(res)), page, listUrl(req)));
    }),
  );
  v2.delete(
    '/messages/:id',
    handle(async (req, res) => {
      res.json(await lifecycle.acknowledge(tenantOf(res), req.params.id!));
    }),
  );
  v2.get(
    '/reports/problematiczones',
    handle(async (req, res) => {
      const page = parsePageQuery(req.query as Record<string, unknown>);
      res.json(paginate(await lifecycle.problematicZones(tenantOf(res)), page, listUrl(req)));
    }),
  );
  // IONOS Cloud DNS "Secondary zones": list, get, and the transfer status and start (axfr).
  v2.get(
    '/secondaryzones',
    handle(async (req, res) => {
      const { offset, limit } = parseOffsetQuery(req.query as Record<string, unknown>);
      const all = await lifecycle.secondaryZones(tenantOf(res));
      const link = (o: number): string => `/api/v2/secondaryzones?limit=${limit}&offset=${o}`;
      const body: IonosSecondaryZoneList = {
        id: tenantOf(res).namespace,
        type: 'collection',
        href: link(offset),
        items: all.slice(offset, offset + limit),
        offset,
        limit,
        _links: { self: link(offset), ...(offset + limit < all.length ? { next: link(offset + limit) } : {}), ...(offset > 0 ? { prev: link(Math.max(0, offset - limit)) } : {}) },
      };
      res.json(body);
    }),
  );
  v2.get(
    '/secondaryzones/:id',
    handle(async (req, res) => {
      res.json(await lifecycle.secondaryZone(tenantOf(res), req.params.id!));
    }),
  );
  v2.get(
    '/secondaryzones/:id/axfr',
    handle(async (req, res) => {
      res.json(await lifecycle.axfrStatus(tenantOf(res), req.params.id!));
    }),
  );
  v2.put(
    '/secondaryzones/:id/axfr',
    handle(async (req, res) => {
      res.status(202).json(await lifecycle.startAxfr(tenantOf(res), req.params.id!));
    }),
  );
  v2.use((req, _res, next) => next(new NotFoundError(`no endpoint ${req.method} ${req.baseUrl}${req.path}`)));

  // ScaiDNS's DNSSEC endpoints (scaidns-dnssec-api-reference.md), over the same zones and tokens.
  const v1 = guarded();
  v1.get(
    '/domains/:domain/dnssec',
    handle(async (req, res) => {
      res.json(await lifecycle.scaiGet(tenantOf(res), req.params.domain!));
    }),
  );
  const scai = (path: string, run: (tenant: Tenant, domain: string, body: unknown) => Promise<ScaiActionResponse>): void => {
    v1.post(
      `/domains/:domain/dnssec/${path}`,
      handle(async (req, res) => {
        res.json(await run(tenantOf(res), req.params.domain!, req.body));
      }),
    );
  };
  scai('enable', (t, d, b) => lifecycle.scaiEnable(t, d, b));
  scai('disable', (t, d) => lifecycle.scaiDisable(t, d));
  scai('rotate-ksk', (t, d) => lifecycle.scaiRotate(t, d, 'KSK'));
  scai('rotate-zsk', (t, d) => lifecycle.scaiRotate(t, d, 'ZSK'));
  scai('confirm-ds-published', (t, d, b) => lifecycle.scaiConfirm(t, d, b));
  scai('sync', async () => {
    // ScaiDNS "Force a sync between ScaiDNS and PowerDNS": dnsfleet has one store of truth (the objects), nothing to sync.
    throw new NotImplementedError('sync has no counterpart in dnsfleet: the operator keeps the zone and its DNSSEC status in one place, the Zone or SecondaryZone object; GET …/dnssec is current');
  });
  v1.use((req, _res, next) => next(new NotFoundError(`no endpoint ${req.method} ${req.baseUrl}${req.path}`)));

  app.use('/api/v2', v2);
  app.use('/api/v1', v1);
  app.use((req, _res, next) => next(new NotFoundError(`no endpoint ${req.method} ${req.path}`)));

  // Every error as RcodeZero's {"status": "failed", "message": …}.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = bodyParserError(err, bodyLimit) ?? err;
    if (e instanceof TooManyRequestsError) {
      res.set('X-RateLimit-Reset', String(e.resetAt));
      res.set('Retry-After', String(Math.max(1, e.resetAt - Math.ceil(now() / 1000))));
    }
    if (e instanceof ApiError) {
      if (e.status >= 500) log?.error('request failed', { method: req.method, path: req.path, error: e.message });
      return failed(res, e.status, e.message);
    }
    log?.error('request failed with an unexpected error', { method: req.method, path: req.path, error: (e as Error)?.stack ?? String(e) });
    failed(res, 500, 'internal error; the API logged it');
  });
  return app;
}

/** body-parser's errors (they carry a `type`) as the API's. */
function bodyParserError(err: unknown, limit: number): ApiError | undefined {
  const type = (err as { type?: unknown })?.type;
  if (type === 'entity.too.large') return new PayloadTooLargeError(`the request body is larger than ${limit} bytes`, { limit });
  if (type === 'entity.parse.failed') return new BadRequestError(`the request body is not valid JSON: ${(err as Error).message}`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new BadRequestError(`the request body's encoding is not supported: ${(err as Error).message}`);
  return undefined;
}
