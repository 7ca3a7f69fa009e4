import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';

/** Liveness and database health. */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['系统'],
        summary: '健康检查',
        response: { 200: z.object({ status: z.literal('ok'), database: z.literal('ok'), time: z.string() }) },
      },
    },
    async () => {
      await sql`SELECT 1`.execute(app.services.db);
      return { status: 'ok' as const, database: 'ok' as const, time: new Date().toISOString() };
    },
  );
};
