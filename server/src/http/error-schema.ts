import { z } from 'zod';

/** The one error body every endpoint returns on failure. */
export const ZErrorResponse = z
  .object({
    error: z.object({
      code: z.string().describe('稳定的错误码，程序据此判断'),
      message: z.string().describe('给人看的中文说明'),
      details: z.unknown().optional(),
    }),
  })
  .describe('错误');
