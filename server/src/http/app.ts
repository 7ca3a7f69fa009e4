/**
 * The Fastify application: plugins, authentication, error mapping, route
 * modules and the static web app. `buildApp` never listens, so tests drive it
 * with `inject()`.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Db } from '../db/database.ts';
import type { AppConfig } from '../config.ts';
export type { ChannelConfig };
import { AppError } from '../errors.ts';
import { authenticate, type SessionPolicy } from '../auth/auth.service.ts';
import { sessionCookieName } from '../auth/auth.routes.ts';
import { authRoutes } from '../auth/auth.routes.ts';
import { twoFactorRoutes } from '../auth/two-factor.routes.ts';
import { userSecurityRoutes } from '../auth/user-security.routes.ts';
import type { AnchorStore } from '../audit/audit-anchor.ts';
import { contractRoutes } from '../contracts/contract.routes.ts';
import { auditRoutes } from '../audit/audit.routes.ts';
import { userRoutes } from '../orgs/user.routes.ts';
import { healthRoutes } from './health.routes.ts';
import { slaRoutes } from '../sla/sla.routes.ts';
import { incidentRoutes } from '../incidents/incident.routes.ts';
import { reportUpRoutes } from '../notices/report-up.routes.ts';
import { attachmentRoutes } from '../attachments/attachment.routes.ts';
import { workOrderRoutes } from '../workorders/workorder.routes.ts';
import { notificationRoutes } from '../notifications/notification.routes.ts';
import { privacyRoutes } from '../privacy/privacy.routes.ts';
import { closeoutRoutes } from '../privacy/closeout.routes.ts';
import { staffRoutes } from '../staff/staff.routes.ts';
import { accessRoutes } from '../access/access.routes.ts';
import { labelRoutes } from '../labels/label.routes.ts';
import { registerDomains } from '../domains.ts';
import { createChannels, type ChannelConfig } from '../notices/notice-channels.ts';
import type { ReportUpDeps } from '../notices/report-up.service.ts';
import { SlaError } from '../sla/sla-errors.ts';
import { clamdScanner, type FileScanner } from '../attachments/malware-scan.ts';

/** Largest JSON body (security.md check 23); a route that needs more says so with its own `bodyLimit`. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/**
 * What the log must never hold (security.md check 35): credentials in
 * headers, request bodies (passwords, codes, personal data) and the session
 * cookie a response sets. Fastify's request serializer logs only method,
 * URL, host and address, so these paths guard logs that name a request or
 * body explicitly.
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.body',
  'request.headers.cookie',
  'request.headers.authorization',
  'request.body',
  'headers.cookie',
  'headers.authorization',
  'res.headers["set-cookie"]',
  'reply.headers["set-cookie"]',
  'body',
  'password',
  'newPassword',
  'currentPassword',
  'secret',
  'token',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.secret',
  '*.token',
];

/** The URL as logged: query values are left out, since a search may carry a name, a phone or an ID number. */
export function loggedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '')
    .map((p) => `${p.split('=', 1)[0] ?? ''}=…`);
  return `${url.slice(0, q)}?${names.join('&')}`;
}

/** Where and how much the server logs. */
export type LogSetting = boolean | { level: AppConfig['logLevel']; stream: NonNullable<Extract<FastifyServerOptions['logger'], { stream?: unknown }>['stream']> };
import { DEFAULT_PASSWORD_MAX_AGE_DAYS } from '../auth/password-profile.ts';
import { DEFAULT_VENDOR_ACCESS_GRACE_DAYS } from '../contracts/vendor-access.ts';

/** Everything the app needs from outside. */
export interface AppDeps {
  db: Db;
  config: Pick<AppConfig, 'cookieSecure' | 'sessionIdleMinutes' | 'sessionMaxHours' | 'logLevel'> &
    Partial<Pick<AppConfig, 'channels' | 'reportUpAckMinutes' | 'rateLimitPerMinute' | 'trustProxy' | 'auth' | 'audit' | 'clamd' | 'exportDailyLimit'>> & {
      /** Sign-in attempts per minute per (client address, username); default 10. */
      signInPerMinute?: number;
    };
  /** The SM2 anchor signer and its files; null/absent: verify checks the chain only. */
  auditAnchors?: AnchorStore | null;
  /** Directory of the built web app; served at / when present. */
  webDist?: string | undefined;
  /** Log requests: true = to stdout at the configured level; a stream (the test runner's log file) and level; off when absent. */
  logger?: LogSetting;
  /** The upload scanner; default: clamd when `config.clamd` is set, otherwise none. */
  fileScanner?: FileScanner | null;
}

/** Services shared by route modules. */
export interface AppServices {
  db: Db;
  sessionPolicy: SessionPolicy;
  cookieSecure: boolean;
  /** Sign-in attempts allowed per minute per (address, username). */
  signInPerMinute: number;
  /** Report-up delivery: the configured channels and the acknowledgement window. */
  reportUp: ReportUpDeps;
  /** Signed audit anchors (key and files outside the database); null when not configured. */
  auditAnchors: AnchorStore | null;
  /** Minimum audit retention in days. */
  auditRetentionDays: number;
  /** Scans uploads before they are stored (clamd); null: no scan. */
  fileScanner: FileScanner | null;
  /** Bulk exports allowed per user per day. */
  exportDailyLimit: number;
  /** Days after a contract's service period during which its vendor side keeps access (YUNWEI_VENDOR_ACCESS_GRACE_DAYS). */
  vendorAccessGraceDays: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: AppServices;
  }
}

/**
 * No mass assignment (security.md checks 4 and 23): a body naming a property
 * its route does not accept is refused with 400, not silently trimmed, so a
 * caller learns that `contractId` or `createdBy` in a PATCH does nothing.
 * Applies to every top-level object body (nested objects keep their own rules).
 */
function strictBody<T>(schema: T): T {
  return schema instanceof z.ZodObject && schema.def.catchall === undefined ? (schema.strict() as T) : schema;
}

/** Build the application without listening. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  registerDomains();
  const serializers = {
    // only these four fields of a request are ever logged (never its headers or body)
    req: (req: { method?: unknown; url?: unknown; hostname?: unknown; ip?: unknown }) => ({
      method: typeof req.method === 'string' ? req.method : undefined,
      url: typeof req.url === 'string' ? loggedUrl(req.url) : undefined,
      hostname: typeof req.hostname === 'string' ? req.hostname : undefined,
      remoteAddress: typeof req.ip === 'string' ? req.ip : undefined,
    }),
  };
  const logBase = { redact: { paths: [...LOG_REDACT_PATHS], censor: '[已隐去]' }, serializers };
  const app = Fastify({
    logger:
      deps.logger === true ? { level: deps.config.logLevel, ...logBase } : deps.logger ? { level: deps.logger.level, stream: deps.logger.stream, ...logBase } : false,
    // Only a configured reverse proxy may name the client address (audit rows, rate limits).
    trustProxy: deps.config.trustProxy ?? 'loopback',
    // JSON bodies; multipart uploads are read as streams under their own limit (attachment.routes.ts)
    bodyLimit: JSON_BODY_LIMIT,
    ajv: undefined,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler<z.ZodType>((route) => validatorCompiler(route.httpPart === 'body' ? { ...route, schema: strictBody(route.schema) } : route));
  app.setSerializerCompiler(serializerCompiler);
  // JSON only (and multipart on the upload routes): Fastify's built-in text/plain parser would let a text body reach the schema
  app.removeContentTypeParser('text/plain');

  const services: AppServices = {
    db: deps.db,
    sessionPolicy: {
      idleMinutes: deps.config.sessionIdleMinutes,
      maxHours: deps.config.sessionMaxHours,
      maxFailedAttempts: deps.config.auth?.lockoutThreshold ?? 5,
      lockMinutes: deps.config.auth?.lockoutMinutes ?? 15,
      twoFactor: deps.config.auth?.twoFactor ?? 'privileged',
      passwordMaxAgeDays: deps.config.auth?.passwordMaxAgeDays ?? DEFAULT_PASSWORD_MAX_AGE_DAYS,
    },
    vendorAccessGraceDays: deps.config.auth?.vendorAccessGraceDays ?? DEFAULT_VENDOR_ACCESS_GRACE_DAYS,
    cookieSecure: deps.config.cookieSecure,
    signInPerMinute: deps.config.signInPerMinute ?? 10,
    reportUp: { channels: createChannels(deps.config.channels ?? {}), ackMinutes: deps.config.reportUpAckMinutes ?? 5 },
    auditAnchors: deps.auditAnchors ?? null,
    auditRetentionDays: deps.config.audit?.retentionDays ?? 200,
    fileScanner: deps.fileScanner !== undefined ? deps.fileScanner : deps.config.clamd ? clamdScanner(deps.config.clamd) : null,
    exportDailyLimit: deps.config.exportDailyLimit ?? 50,
  };
  app.decorate('services', services);
  app.decorateRequest('sessionUser', null);
  app.decorateRequest('authSession', null);

  await app.register(cookie);
  // Security headers and a strict content security policy (antd needs inline styles, nothing else inline).
  // helmet's middleware is built once here (the Fastify plugin rebuilt it, CSP string included, on every request).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (err?: unknown) => done(err instanceof Error ? err : undefined)));
  // Rate limits: sign-in always (10 a minute per address); the whole API when configured.
  await app.register(rateLimit, {
    global: (deps.config.rateLimitPerMinute ?? 0) > 0,
    max: deps.config.rateLimitPerMinute ?? 0,
    timeWindow: '1 minute',
    hook: 'preHandler',
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: { code: 'RATE_LIMITED', message: `请求过于频繁，请 ${Math.ceil(ctx.ttl / 1000)} 秒后再试` } }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: '运维 Yunwei API',
        description: '政务信息系统运维合同管理平台接口。错误统一返回 `{ "error": { "code", "message" } }`，程序应依据 code 判断。',
        version: '0.1.0',
      },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: sessionCookieName(deps.config.cookieSecure) } } },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  // Every route must declare who may call it; undeclared routes are refused.
  app.addHook('onRoute', (route) => {
    const isDocs = route.url.startsWith('/api/docs');
    if (route.url.startsWith('/api/') && !isDocs && !route.config?.access) {
      throw new Error(`route ${route.method} ${route.url} does not declare config.access`);
    }
  });

  app.addHook('onRequest', async (req) => {
    // CSRF: a state-changing request from a browser must come from this origin.
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      const origin = req.headers.origin;
      if (origin && origin !== 'null') {
        let host = '';
        try {
          host = new URL(origin).host;
        } catch {
          host = '';
        }
        if (host !== req.headers.host) throw new AppError('FORBIDDEN', '跨站请求已被拒绝');
      } else if (origin === 'null') {
        throw new AppError('FORBIDDEN', '跨站请求已被拒绝');
      }
    }
    const access = req.routeOptions.config.access;
    const token = req.cookies[sessionCookieName(services.cookieSecure)];
    if (token) {
      req.authSession = await authenticate(services.db, token, services.sessionPolicy, new Date());
      // only a complete sign-in is a user; a password-only session opens nothing but the sign-in steps
      req.sessionUser = req.authSession?.stage === 'complete' ? req.authSession.user : null;
    }
    if (!access || access === 'public') return;
    if (access === 'signingIn') {
      if (!req.authSession) throw new AppError('UNAUTHENTICATED', '未登录或登录已过期，请重新登录');
      return;
    }
    if (req.authSession?.stage === 'passwordChange') throw new AppError('PASSWORD_CHANGE_REQUIRED', '请先修改密码，再进行其他操作');
    if (req.authSession && req.authSession.stage !== 'complete') throw new AppError('SECOND_FACTOR_REQUIRED', '请先完成双因素验证，再进行其他操作');
    if (!req.sessionUser) throw new AppError('UNAUTHENTICATED', '未登录或登录已过期，请重新登录');
    if (access === 'platformAdmin' && !req.sessionUser.isPlatformAdmin) throw new AppError('FORBIDDEN', '只有平台管理员可以执行此操作');
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } });
    }
    if (err instanceof SlaError) {
      return reply.status(err.httpStatus).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({ path: `${err.validationContext ?? ''}${v.instancePath}`, message: v.message ?? '' }));
      const first = issues[0];
      return reply.status(400).send({
        error: { code: 'VALIDATION_FAILED', message: `请求参数不正确${first ? `：${first.path} ${first.message}` : ''}`, details: { issues } },
      });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.statusCode === 415) {
      return reply.status(415).send({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: '不支持的请求内容类型：此接口只接受 JSON（Content-Type: application/json）' } });
    }
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.statusCode === 400) {
      return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: '请求格式不正确（应为 JSON）' } });
    }
    if (err.statusCode === 429) {
      return reply.status(429).send({ error: { code: 'RATE_LIMITED', message: '请求过于频繁，请稍后再试' } });
    }
    if (err.statusCode === 413) {
      return reply.status(413).send({ error: { code: 'REQUEST_TOO_LARGE', message: `请求内容过大：超过 ${Math.round((req.routeOptions.bodyLimit ?? JSON_BODY_LIMIT) / 1024 / 1024)} MB 上限` } });
    }
    // PostgreSQL refuses text it cannot store (a NUL character, 22021; an untranslatable one, 22P05): bad input, not a fault.
    if ((err as { code?: unknown }).code === '22021' || (err as { code?: unknown }).code === '22P05') {
      return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: '文本中含有不允许的字符（如 NUL 空字符），请删除后重试' } });
    }
    if (isResponseSerializationError(err)) req.log.error({ err: err.cause }, 'response serialization failed');
    else req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: '服务器内部错误，请稍后重试或联系管理员' } });
  });

  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(twoFactorRoutes);
  await app.register(userSecurityRoutes);
  await app.register(contractRoutes);
  await app.register(auditRoutes);
  await app.register(userRoutes);
  await app.register(slaRoutes);
  await app.register(incidentRoutes);
  await app.register(reportUpRoutes);
  await app.register(attachmentRoutes);
  await app.register(workOrderRoutes);
  await app.register(notificationRoutes);
  await app.register(privacyRoutes);
  await app.register(closeoutRoutes);
  await app.register(staffRoutes);
  await app.register(accessRoutes);
  await app.register(labelRoutes);

  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  if (deps.webDist && existsSync(deps.webDist)) {
    // wildcard: files are looked up per request, so a rebuilt web app is served without a restart
    await app.register(fastifyStatic, { root: deps.webDist, wildcard: true });
  }
  app.setNotFoundHandler((req, reply) => {
    // a file name is judged by the path alone: `/sign-in?next=//evil.example` or a search for `报表.xlsx` is still a page of the app
    const path = req.url.split('?', 1)[0] ?? req.url;
    const isAsset = path.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(path);
    if (req.url.startsWith('/api/') || isAsset || !deps.webDist || !existsSync(deps.webDist) || req.method !== 'GET') {
      return reply.status(404).send({ error: { code: 'NOT_FOUND', message: '请求的资源不存在' } });
    }
    return reply.sendFile('index.html');
  });

  return app;
}
