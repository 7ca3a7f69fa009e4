/**
 * Typed errors of the working calendar and the SLA clock engine.
 *
 * Every error has a stable `code` (clients and the HTTP adapter switch on the
 * code, never on the message), a Chinese `message` for people, optional
 * machine-readable `details`, and a default HTTP status that only the HTTP
 * adapter should use. The engine never returns a wrong date for bad input: it
 * throws one of these instead.
 */

/**
 * Stable error codes, each with its default HTTP status.
 *
 * - `SLA_WINDOW_EMPTY`: the service window has no working time at all, so a working-time target on it can never be met.
 * - `CALENDAR_YEAR_UNPUBLISHED`: a computation needs a year whose official holiday arrangement is not published
 *   (and the caller did not opt into the documented Mon–Fri assumption).
 * - `CALENDAR_OUT_OF_RANGE`: a date lies outside the years the working calendar covers at all.
 * - `CALENDAR_BAD_OVERRIDE`: an administrator's calendar override is malformed or duplicated.
 * - `CALENDAR_SOURCE_INVALID`: the official holiday data shipped by the `chinese-days` package is missing or malformed.
 * - `SLA_BAD_WINDOW`: a service window definition is malformed (bad hour spans, overlaps, unknown type).
 * - `SLA_BAD_TIMEZONE`: the time zone is not a valid IANA zone name.
 * - `SLA_UNKNOWN_WINDOW`: a target or system refers to a service window key that does not exist.
 * - `SLA_UNKNOWN_LEVEL`: the ticket's level is not one of the contract's severity levels.
 * - `SLA_BAD_TARGET`: an SLA target cannot be evaluated (no duration, custom target without `stopOn`, …).
 * - `SLA_BAD_EVENTS`: the ticket's event history is unusable (no `created` event, invalid timestamps, …).
 * - `SLA_BAD_INPUT`: any other invalid argument (invalid `Date`, negative or fractional amounts, …).
 */
export const SLA_ERROR_STATUS = {
  SLA_WINDOW_EMPTY: 422,
  CALENDAR_YEAR_UNPUBLISHED: 422,
  CALENDAR_OUT_OF_RANGE: 422,
  CALENDAR_BAD_OVERRIDE: 422,
  CALENDAR_SOURCE_INVALID: 500,
  SLA_BAD_WINDOW: 422,
  SLA_BAD_TIMEZONE: 422,
  SLA_UNKNOWN_WINDOW: 422,
  SLA_UNKNOWN_LEVEL: 422,
  SLA_BAD_TARGET: 422,
  SLA_BAD_EVENTS: 422,
  SLA_BAD_INPUT: 400,
} as const;

/** A stable SLA / calendar error code. */
export type SlaErrorCode = keyof typeof SLA_ERROR_STATUS;

/** Machine-readable context of an error (the year that is missing, the window key, …). */
export type SlaErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

/**
 * The one error class thrown by the calendar, the service windows and the SLA engine.
 *
 * @example
 * try { window.addWorkingMinutes(start, 240); }
 * catch (e) { if (e instanceof SlaError && e.code === 'CALENDAR_YEAR_UNPUBLISHED') { … } }
 */
export class SlaError extends Error {
  /** Default HTTP status for this code (for the HTTP adapter only). */
  readonly httpStatus: number;

  /**
   * @param code stable code, see {@link SLA_ERROR_STATUS}
   * @param message a Chinese sentence for people
   * @param details machine-readable context
   */
  constructor(
    readonly code: SlaErrorCode,
    message: string,
    readonly details: SlaErrorDetails = {},
  ) {
    super(message);
    this.name = 'SlaError';
    this.httpStatus = SLA_ERROR_STATUS[code];
  }
}

/** True when `e` is an {@link SlaError}, optionally with the given code. */
export function isSlaError(e: unknown, code?: SlaErrorCode): e is SlaError {
  return e instanceof SlaError && (code === undefined || e.code === code);
}
